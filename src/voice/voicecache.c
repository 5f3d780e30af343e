/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * voicecache.c — the keys and entries the voice keeps in the persistent
 * cache, and the stamps that name the speech engines in them (see
 * voicecache.h).
 */
#include "voicecache.h"

#include <espeak-ng/espeak_ng.h>
#include <espeak-ng/speak_lib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "asanavox/error.h"
#include "asanavox/filecache.h"
#include "asanavox/voice.h"
#include "flite.h"

/* The data is stood for by the size and time of its phoneme file and the
 * time of its directory, which a package upgrade (files replaced by rename)
 * changes; hashing the data itself would cost more than a warm run.  The
 * string is the one espeak-ng's clips have always been kept under, so a
 * cache filled before flite's clips were kept stays warm. */
char *voicecache_espeak_stamp(void)
{
    espeak_ng_InitializePath(NULL); /* only finds the data directory */
    const char *data = NULL;
    const char *version = espeak_Info(&data);
    if (!data)
        data = "";
    char phondata[4096];
    snprintf(phondata, sizeof phondata, "%s/phondata", data);
    struct stat a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    stat(phondata, &a);
    stat(data, &b);
    char buf[4096 + 256];
    int n = snprintf(buf, sizeof buf, "espeak-ng %s|%s|%lld|%lld.%09ld|%lld.%09ld",
                     version ? version : "?", data, (long long)a.st_size,
                     (long long)a.st_mtim.tv_sec, a.st_mtim.tv_nsec, (long long)b.st_mtim.tv_sec,
                     b.st_mtim.tv_nsec);
    return n > 0 && (size_t)n < sizeof buf ? strdup(buf) : NULL;
}

/* Both engines: what is derived from speech of either (a session's
 * summary for `list`) changes with either. */
char *voice_engine_stamp(void)
{
    char *e = voicecache_espeak_stamp();
    char *f = flite_engine_stamp();
    char *s = NULL;
    if (e && f) {
        size_t n = strlen(e) + strlen(f) + 2;
        s = malloc(n);
        if (s)
            snprintf(s, n, "%s\n%s", e, f);
    }
    free(e);
    free(f);
    return s;
}

/* "KIND\nSTAMP\nNAME\nSPEED\nTEXT", malloc'd: the key of a disk entry. */
static char *key_of(const char *kind, const struct voicecache_voice *cv, int speed,
                    const char *text, size_t *len)
{
    size_t n = strlen(kind) + strlen(cv->stamp) + strlen(cv->name) + strlen(text) + 32;
    char *k = malloc(n);
    if (!k)
        return NULL;
    int w = snprintf(k, n, "%s\n%s\n%s\n%d\n%s", kind, cv->stamp, cv->name, speed, text);
    if (w < 0 || (size_t)w >= n) {
        free(k);
        return NULL;
    }
    *len = (size_t)w;
    return k;
}

/* The entry of `kind` for (speed, text): *data malloc'd.  0, AV_ENOENT
 * or AV_ENOMEM, as filecache_get(). */
static int get_entry(const struct voicecache_voice *cv, const char *kind, int speed,
                     const char *text, void **data, size_t *len)
{
    if (!cv->disk || !cv->stamp)
        return AV_ENOENT; /* no cache, or no stamp to name entries by */
    size_t klen;
    char *key = key_of(kind, cv, speed, text, &klen);
    if (!key)
        return AV_ENOMEM;
    int err = filecache_get(cv->disk, key, klen, data, len);
    free(key);
    return err;
}

int voicecache_get(const struct voicecache_voice *cv, const char *text, int16_t **samples,
                   size_t *frames)
{
    void *data;
    size_t len;
    int err = get_entry(cv, "speech", cv->speed, text, &data, &len);
    if (err)
        return err;
    int32_t rate = 0;
    if (len >= sizeof(rate))
        memcpy(&rate, data, sizeof(rate));
    if (rate != cv->rate || (len - sizeof(rate)) % sizeof(int16_t)) {
        free(data);
        return AV_ENOENT;
    }
    size_t n = (len - sizeof(rate)) / sizeof(int16_t);
    if (n > (size_t)cv->rate * VOICE_MAX_CLIP_SECONDS) {
        free(data); /* not one we wrote: a miss, and speaking it says why */
        return AV_ENOENT;
    }
    /* The samples moved to the start of the block filecache_get() gave
     * (malloc'd, so aligned): no second buffer of the clip's size. */
    memmove(data, (char *)data + sizeof(rate), n * sizeof(int16_t));
    *samples = data;
    *frames = n;
    return AV_OK;
}

int voicecache_peek(const struct voicecache_voice *cv, const char *text, int64_t *frames)
{
    if (!cv->disk || !cv->stamp)
        return AV_ENOENT;
    size_t klen, len;
    char *key = key_of("speech", cv, cv->speed, text, &klen);
    if (!key)
        return AV_ENOMEM;
    int err = filecache_peek(cv->disk, key, klen, &len);
    free(key);
    if (err)
        return err;
    if (len < sizeof(int32_t))
        return AV_ENOENT;
    *frames = (int64_t)((len - sizeof(int32_t)) / sizeof(int16_t));
    return AV_OK;
}

void voicecache_put(const struct voicecache_voice *cv, const char *text, const int16_t *samples,
                    size_t frames)
{
    if (!cv->disk || !cv->stamp)
        return;
    size_t klen;
    char *key = key_of("speech", cv, cv->speed, text, &klen);
    int32_t rate = cv->rate;
    if (key)
        filecache_put2(cv->disk, key, klen, &rate, sizeof(rate), samples,
                       frames * sizeof(*samples));
    free(key);
}

int voicecache_known_voice(const struct voicecache_voice *cv, int *rate)
{
    void *data;
    size_t len;
    int err = get_entry(cv, "voice", 0, "", &data, &len);
    if (err)
        return err;
    int32_t r = 0;
    if (len == sizeof(r))
        memcpy(&r, data, sizeof(r));
    free(data);
    if (r <= 0)
        return AV_ENOENT;
    *rate = r;
    return AV_OK;
}

void voicecache_remember_voice(const struct voicecache_voice *cv, int rate)
{
    if (!cv->disk || !cv->stamp)
        return;
    size_t klen;
    char *key = key_of("voice", cv, 0, "", &klen);
    int32_t r = rate;
    if (key)
        filecache_put(cv->disk, key, klen, &r, sizeof(r));
    free(key);
}
