/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * env_memory.c — compile_env_memory(): the compiler without a file system,
 * sound files or espeak-ng, so tests and the fuzzer are fast, deterministic
 * and hermetic.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asanavox/compile.h"
#include "compile_internal.h"
#include "asanavox/error.h"
#include "asanavox/paths.h"

static const struct mem_file *find(const struct mem_fs *fs, const char *path)
{
    for (size_t i = 0; i < fs->n_files; i++)
        if (!strcmp(fs->files[i].path, path))
            return &fs->files[i];
    return NULL;
}

static int mem_find_include(void *ctx, const char *name, const char *from_dir, char **path)
{
    const struct mem_fs *fs = ctx;
    if (!paths_plain_name(name))
        return AV_EINVAL;
    size_t n = strlen(from_dir) + strlen(name) + sizeof(SESSION_EXT) + 2;
    char *p = malloc(n);
    if (!p)
        return AV_ENOMEM;
    snprintf(p, n, "%s/%s%s", from_dir, name, SESSION_EXT);
    if (!find(fs, p)) {
        free(p);
        return AV_ENOENT;
    }
    *path = p;
    return AV_OK;
}

static int mem_read_file(void *ctx, const char *path, size_t max, char **data, size_t *len)
{
    const struct mem_file *f = find(ctx, path);
    if (!f)
        return AV_ENOENT;
    if (f->len > max)
        return AV_ELIMIT;
    char *p = malloc(f->len + 1);
    if (!p)
        return AV_ENOMEM;
    memcpy(p, f->data, f->len);
    p[f->len] = '\0';
    *data = p;
    *len = f->len;
    return AV_OK;
}

static int mem_sound(void *ctx, const char *name, const char *from_dir, int rate, char **path,
                     int64_t *frames)
{
    const struct mem_fs *fs = ctx;
    (void)from_dir;
    if (!paths_plain_name(name))
        return AV_EINVAL;
    if (!strcmp(name, "missing"))
        return AV_ENOENT; /* lets tests exercise the error */
    size_t n = strlen(name) + 12;
    char *p = malloc(n);
    if (!p)
        return AV_ENOMEM;
    snprintf(p, n, "sounds/%s.wav", name);
    *path = p;
    *frames = (int64_t)(fs->sound_seconds * rate);
    return AV_OK;
}

static int mem_set_voice(void *ctx, const char *voice, int speed)
{
    (void)ctx;
    if (speed < 80 || speed > 450)
        return AV_EINVAL;
    /* What voice: allows ("en-us+klatt4", "flite:slt"), except one name. */
    size_t n = strlen(voice);
    bool ok = n > 0 && n < 64 && strcmp(voice, "nosuchvoice") != 0;
    for (size_t i = 0; ok && i < n; i++) {
        char ch = voice[i];
        ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
             ch == '-' || ch == '+' || ch == '_' || ch == ':';
    }
    return ok ? AV_OK : AV_EVOICE;
}

static int mem_speech(void *ctx, const char *text, int rate, int64_t *frames)
{
    (void)ctx;
    *frames = speech_frames_guess(text, rate);
    return AV_OK;
}

void compile_env_memory(struct compile_env *env, const struct mem_fs *fs)
{
    env->ctx = (void *)fs;
    env->find_include = mem_find_include;
    env->read_file = mem_read_file;
    env->sound = mem_sound;
    env->set_voice = mem_set_voice;
    env->speech = mem_speech;
    env->prefetch = NULL; /* speech is measured at once: nothing to ask ahead */
    env->prefetch_end = NULL;
    env->voice = NULL;
    env->bank = NULL;
}

void compile_env_fixed_speech(struct compile_env *env)
{
    env->set_voice = mem_set_voice;
    env->speech = mem_speech;
    env->prefetch = NULL;
    env->prefetch_end = NULL;
}
