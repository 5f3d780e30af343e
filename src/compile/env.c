/*
 * env.c — the compiler's window on the real world (compile_env_default()).
 *
 * Sessions and sounds come from the file system through paths.h, sound
 * lengths from libsndfile (sound.h) and speech lengths from espeak-ng
 * (voice.h).  The environment holds nothing but the voice pointer.
 */
#include <stdlib.h>
#include <string.h>

#include "asanavox/compile.h"
#include "asanavox/error.h"
#include "asanavox/paths.h"
#include "asanavox/safefile.h"
#include "asanavox/sound.h"
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
    if (!ctx)
        return AV_EVOICE;
    return voice_configure(ctx, voice, speed);
}

static int env_speech(void *ctx, const char *text, int rate, int64_t *frames)
{
    if (!ctx)
        return AV_EVOICE;
    const struct voice_clip *clip;
    int err = voice_synth(ctx, text, &clip);
    if (err)
        return err;
    *frames = voice_frames_at(clip->frames, voice_native_rate(ctx), rate);
    return AV_OK;
}

void compile_env_default(struct compile_env *env, struct voice *voice)
{
    env->ctx = voice;
    env->find_include = env_find_include;
    env->read_file = env_read_file;
    env->sound = env_sound;
    env->set_voice = env_set_voice;
    env->speech = env_speech;
}
