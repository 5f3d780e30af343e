/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * clipstore.c — the mixer's persistent store of resampled speech and of
 * loudness profiles (clipstore.h), on the file cache (filecache.h).
 *
 * Entry data, in the machine's byte order (the cache is per user and
 * machine):
 *   pcm:  the floats, nothing else (their number is in the key);
 *   loud: u64 bins | f64 bin_seconds | f32 threshold | f32 ms[bins] |
 *         f32 peak[bins] (the same for a speech clip's and a sound's;
 *         threshold: of speech's peak control, peakctl.h, which the
 *         profile was measured after; 0 for a sound).
 */
#include "clipstore.h"

#include <ebur128.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "asanavox/error.h"
#include "asanavox/filecache.h"
#include "asanavox/speechbank.h"
#include "asanavox/strbuf.h"
#include "dsp/resample.h"
#include "mixer_internal.h"
#include "peakctl.h"

struct clipstore {
    struct filecache *fc;
    pthread_mutex_t lock;
};

int clipstore_open(const char *dir, uint64_t max_bytes, struct clipstore **out)
{
    struct clipstore *s = calloc(1, sizeof(*s));
    if (!s)
        return AV_ENOMEM;
    if (pthread_mutex_init(&s->lock, NULL) != 0) {
        free(s);
        return AV_ENOMEM;
    }
    int err = filecache_open(dir, max_bytes, &s->fc);
    if (err) {
        pthread_mutex_destroy(&s->lock);
        free(s);
        return err;
    }
    *out = s;
    return AV_OK;
}

void clipstore_close(struct clipstore *s)
{
    if (!s)
        return;
    filecache_close(s->fc);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

/* The key of an entry: what it is, the versions of the code that made it,
 * and the clip (its hash, length and rate), malloc'd. */
static char *pcm_key(const struct speech_clip *c, int rate)
{
    return str_printf("pcm controlled\n%s\n%s\n%s\n%d\n%d\n%zu\n%016llx%016llx",
                      peakctl_version(), mix_resample_version(), dsp_resample_version(), c->rate,
                      rate, c->frames,
                      (unsigned long long)c->id[0], (unsigned long long)c->id[1]);
}

/* What a profile is of: speech (16-bit samples, named by the bank) or a
 * sound (float samples at the output rate, named by clipstore_sound_id()),
 * the rate it was measured at, its length and hash. */
struct loud_of {
    const char *what;
    int rate;
    size_t frames;
    uint64_t id[2];
};

static char *loud_key(const struct loud_of *c)
{
    int a = 0, b = 0, d = 0;
    ebur128_get_version(&a, &b, &d);
    return str_printf("%s\n%s\nlibebur128 %d.%d.%d\n%s\n%d\n%zu\n%016llx%016llx", c->what,
                      loud_profile_version(), a, b, d, peakctl_version(), c->rate, c->frames,
                      (unsigned long long)c->id[0], (unsigned long long)c->id[1]);
}

static struct loud_of speech_of(const struct speech_clip *c)
{
    return (struct loud_of){"loud", c->rate, c->frames, {c->id[0], c->id[1]}};
}

static struct loud_of sound_of(const uint64_t id[2], size_t frames, int rate)
{
    return (struct loud_of){"sound loud", rate, frames, {id[0], id[1]}};
}

void clipstore_sound_id(const float *samples, size_t frames, uint64_t id[2])
{
    XXH128_hash_t h = XXH3_128bits(frames ? (const void *)samples : "", frames * sizeof(float));
    id[0] = h.high64;
    id[1] = h.low64;
}

/* filecache_get_alloc()'s allocator over the spares (ctx). */
static void *take_spare(void *ctx, size_t bytes)
{
    return spares_take(ctx, bytes);
}

static int get(struct clipstore *s, const char *key, struct spares *spares, void **data,
               size_t *len)
{
    pthread_mutex_lock(&s->lock);
    int err = spares ? filecache_get_alloc(s->fc, key, strlen(key), take_spare, spares, data, len)
                     : filecache_get(s->fc, key, strlen(key), data, len);
    pthread_mutex_unlock(&s->lock);
    return err;
}

static void put(struct clipstore *s, const char *key, const void *data, size_t len)
{
    pthread_mutex_lock(&s->lock);
    filecache_put(s->fc, key, strlen(key), data, len); /* best effort */
    pthread_mutex_unlock(&s->lock);
}

int clipstore_get_pcm(struct clipstore *s, const struct speech_clip *c, int rate, size_t frames,
                      struct spares *spares, float **samples)
{
    char *key = pcm_key(c, rate);
    if (!key)
        return AV_ENOMEM;
    void *data = NULL;
    size_t len = 0;
    int err = get(s, key, spares, &data, &len);
    free(key);
    if (err)
        return err;
    if (len != frames * sizeof(float)) {
        free(data); /* not what this key must hold: made again */
        return AV_ENOENT;
    }
    /* filecache_get() returns the data at the start of a malloc'd block,
     * so it is aligned for floats. */
    *samples = data;
    return AV_OK;
}

void clipstore_put_pcm(struct clipstore *s, const struct speech_clip *c, int rate,
                       const float *samples, size_t frames)
{
    char *key = pcm_key(c, rate);
    if (key)
        put(s, key, samples, frames * sizeof(float));
    free(key);
}

enum { LOUD_HEAD = 20 };

static int get_loud(struct clipstore *s, const struct loud_of *c, struct loud_profile *p,
                    float *threshold)
{
    char *key = loud_key(c);
    if (!key)
        return AV_ENOMEM;
    unsigned char *data = NULL;
    size_t len = 0;
    int err = get(s, key, NULL, (void **)&data, &len);
    free(key);
    if (err)
        return err;
    uint64_t bins = 0;
    double secs = 0.0;
    float thr = 0.0f;
    if (len >= LOUD_HEAD) {
        memcpy(&bins, data, 8);
        memcpy(&secs, data + 8, 8);
        memcpy(&thr, data + 16, 4);
    }
    /* The number of bins follows from the clip: loud_profile() makes one
     * per started 10 ms. */
    size_t step = (size_t)c->rate / 100;
    uint64_t want = step && c->frames ? (c->frames + step - 1) / step : 0;
    if (len < LOUD_HEAD || bins != want || len != LOUD_HEAD + 2 * bins * sizeof(float) ||
        !(secs > 0.0 && secs < 1.0) || !(thr >= 0.0f && thr < 1e6f)) {
        free(data);
        return AV_ENOENT;
    }
    memset(p, 0, sizeof(*p));
    if (bins) {
        p->ms = malloc(bins * sizeof(float));
        p->peak = malloc(bins * sizeof(float));
        if (!p->ms || !p->peak) {
            loud_profile_free(p);
            free(data);
            return AV_ENOMEM;
        }
        memcpy(p->ms, data + LOUD_HEAD, bins * sizeof(float));
        memcpy(p->peak, data + LOUD_HEAD + bins * sizeof(float), bins * sizeof(float));
        p->n = bins;
        p->bin_seconds = secs;
    }
    *threshold = thr;
    free(data);
    return AV_OK;
}

static void put_loud(struct clipstore *s, const struct loud_of *c, const struct loud_profile *p,
                     float threshold)
{
    if (!p->n)
        return; /* nothing measured: nothing worth keeping */
    size_t len = LOUD_HEAD + 2 * p->n * sizeof(float);
    unsigned char *data = malloc(len);
    char *key = loud_key(c);
    if (data && key) {
        uint64_t bins = p->n;
        memcpy(data, &bins, 8);
        memcpy(data + 8, &p->bin_seconds, 8);
        memcpy(data + 16, &threshold, 4);
        memcpy(data + LOUD_HEAD, p->ms, p->n * sizeof(float));
        memcpy(data + LOUD_HEAD + p->n * sizeof(float), p->peak, p->n * sizeof(float));
        put(s, key, data, len);
    }
    free(key);
    free(data);
}

int clipstore_get_loud(struct clipstore *s, const struct speech_clip *c, struct loud_profile *p,
                       float *threshold)
{
    struct loud_of of = speech_of(c);
    return get_loud(s, &of, p, threshold);
}

void clipstore_put_loud(struct clipstore *s, const struct speech_clip *c,
                        const struct loud_profile *p, float threshold)
{
    struct loud_of of = speech_of(c);
    put_loud(s, &of, p, threshold);
}

int clipstore_get_sound_loud(struct clipstore *s, const uint64_t id[2], size_t frames, int rate,
                             struct loud_profile *p)
{
    struct loud_of of = sound_of(id, frames, rate);
    float none;
    return get_loud(s, &of, p, &none);
}

void clipstore_put_sound_loud(struct clipstore *s, const uint64_t id[2], size_t frames, int rate,
                              const struct loud_profile *p)
{
    struct loud_of of = sound_of(id, frames, rate);
    put_loud(s, &of, p, 0.0f);
}
