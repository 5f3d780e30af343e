/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * env.c — the compiler's window on the real world (compile_env_default()).
 *
 * Sessions and sounds come from the file system through paths.h, sound
 * lengths from libsndfile (sound.h) and speech lengths from espeak-ng
 * (voice.h), which is asked ahead for every text (env_prefetch()) so that
 * espeak-ng speaks several at once while the compiler lays out.  The environment is its own context: it holds the voice and,
 * for compile_session_spoken(), the speech bank that keeps what was
 * synthesized.
 */
#include <stdlib.h>
#include <string.h>

#include "asanavox/compile.h"
#include "compile_internal.h"
#include "asanavox/error.h"
#include "asanavox/paths.h"
#include "asanavox/safefile.h"
#include "asanavox/sound.h"
#include "asanavox/speechbank.h"
#include "asanavox/voice.h"

static int env_find_include(void *ctx, const char *name, const char *from_dir, char **path)
{
    (void)ctx;
    return paths_find_include(name, from_dir, path);
}

/* Only regular files, the cap counted while reading (safefile.h). */
static int env_read_file(void *ctx, const char *path, size_t max, char **data, size_t *len)
{
    (void)ctx;
    return safefile_read(path, max, data, len);
}

static int env_sound(void *ctx, const char *name, const char *from_dir, int rate, char **path,
                     int64_t *frames)
{
    (void)ctx;
    char *p = NULL;
    int err = paths_find_sound(name, from_dir, &p);
    if (err)
        return err;
    err = sound_frames_at(p, rate, frames);
    if (err) {
        free(p);
        return err;
    }
    *path = p;
    return AV_OK;
}

static int env_set_voice(void *ctx, const char *voice, int speed)
{
    const struct compile_env *env = ctx;
    if (!env->voice)
        return AV_EVOICE;
    return voice_configure(env->voice, voice, speed);
}

static int env_speech(void *ctx, const char *text, int rate, int64_t *frames)
{
    const struct compile_env *env = ctx;
    if (!env->voice)
        return AV_EVOICE;
    const struct voice_clip *clip;
    int err = voice_synth(env->voice, text, &clip);
    if (err)
        return err;
    const int native = voice_native_rate(env->voice);
    *frames = voice_frames_at(clip->frames, native, rate);
    if (env->bank) {
        err = speech_bank_put(env->bank, text, clip->samples, clip->frames, native);
        /* The bank has the samples now (on disk, speechbank.h): the
         * voice's copy in memory would only make memory grow with the
         * session's distinct speech.  The compiler asks for each text once.
         * Clips answered ahead for texts not yet asked for stay, so that
         * none is read back or spoken twice. */
        voice_forget(env->voice, text);
    }
    return err;
}

/* Known lengths are exact; the estimate for the others is about 14 bytes
 * of text a second (150 words a minute), as the memory env's. */
static int env_prefetch(void *ctx, const char *text, int rate, int64_t *frames)
{
    const struct compile_env *env = ctx;
    *frames = speech_frames_guess(text, rate);
    if (!env->voice)
        return AV_EVOICE;
    int64_t known;
    int err = voice_prefetch(env->voice, text, &known);
    if (!err && known >= 0)
        *frames = voice_frames_at((size_t)known, voice_native_rate(env->voice), rate);
    return err;
}

static void env_prefetch_end(void *ctx)
{
    const struct compile_env *env = ctx;
    if (env->voice)
        voice_prefetch_end(env->voice);
}

void compile_env_default(struct compile_env *env, struct voice *voice)
{
    env->ctx = env;
    env->voice = voice;
    env->bank = NULL;
    env->find_include = env_find_include;
    env->read_file = env_read_file;
    env->sound = env_sound;
    env->set_voice = env_set_voice;
    env->speech = env_speech;
    env->prefetch = env_prefetch;
    env->prefetch_end = env_prefetch_end;
}

/* compile_session_spoken() and compile_buffer_spoken(): `data` NULL means
 * "read `path`". */
static int compile_spoken(const char *path, const char *data, size_t len,
                          const struct compile_options *opts, struct voice *voice,
                          struct diag *d, struct timeline **out)
{
    struct compile_env env;
    compile_env_default(&env, voice);
    int err = out ? speech_bank_create(&env.bank) : AV_OK;
    if (err) {
        if (opts && opts->stream)
            compile_stream_fail(opts->stream, err);
        return err;
    }
    err = data ? compile_buffer(path, data, len, opts, &env, d, out)
               : compile_session(path, opts, &env, d, out);
    if (!err && out && *out) {
        (*out)->speech = env.bank;
        env.bank = NULL;
    } else if (opts && opts->stream && env.bank) {
        /* A reader may be taking speech from it still. */
        compile_stream_keep_bank(opts->stream, env.bank);
        env.bank = NULL;
    }
    speech_bank_destroy(env.bank);
    return err;
}

int compile_session_spoken(const char *path, const struct compile_options *opts,
                           struct voice *voice, struct diag *d, struct timeline **out)
{
    return compile_spoken(path, NULL, 0, opts, voice, d, out);
}

int compile_buffer_spoken(const char *path, const char *data, size_t len,
                          const struct compile_options *opts, struct voice *voice,
                          struct diag *d, struct timeline **out)
{
    return compile_spoken(path, data, len, opts, voice, d, out);
}
