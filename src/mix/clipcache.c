/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * clipcache.c — the mixer's clips: each distinct (kind, text or path)
 * prepared once (speech resampled from the voice's samples, sounds loaded;
 * then gained and faded) on a worker thread ahead of the mix, and kept in a
 * least-recently-used cache of bounded size (mixer_internal.h).
 *
 * Speech comes from the timeline's speech bank (read from its spill file
 * when the clip is prepared, and freed once resampled) or, without a bank,
 * is synthesized by the voice on the mixer's thread (espeak-ng is not
 * thread-safe).  Speech resampled once is kept in the clip store
 * (clipstore.h), so later runs read it instead of resampling it again.
 * The rest of a clip's preparation, deciding its gain from its loudness
 * included (analyze.c), runs on the workers, which work through the
 * events up to PREFETCH_SECONDS ahead of the mix (and, for render, up to
 * two clips per worker further ahead, mixer_options.prepare_ahead), so
 * resampling and measuring overlap mixing and writing, and the first
 * block waits only for the clips it plays.  Prepared clips are pure
 * functions of their input, so the output does not depend on timing.
 * Clips that are playing or prefetched are pinned; others are dropped
 * least recently used first when the cache exceeds its budget.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "asanavox/error.h"
#include "asanavox/sound.h"
#include "asanavox/utf8.h"
#include "asanavox/speechbank.h"
#include "asanavox/thread.h"
#include "asanavox/timeline.h"
#include "asanavox/voice.h"
#include "asanavox/workq.h"
#include "clipstore.h"
#include "dsp/resample.h"
#include "mixer_internal.h"
#include "peakctl.h"

/* ---- preparing a clip (any thread) ---------------------------------------- */

/* Gain and fades, applied once when a clip is prepared.  Breath tones are
 * loops that a guide repeats and shapes (guide.h): they get no edges. */
static void clip_shape(const struct mixer *m, enum clip_kind kind, float gain, float *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        s[i] *= gain;
    if (kind == CLIP_TONE)
        return;
    size_t fi = (size_t)m->fade_in, fo = (size_t)m->fade_out;
    if (fi > n / 2)
        fi = n / 2;
    if (fo > n / 2)
        fo = n / 2;
    for (size_t k = 0; k < fi; k++)
        s[k] *= ramp(k, fi);
    for (size_t k = 0; k < fo; k++)
        s[n - 1 - k] *= ramp(k, fo);
}

/* ctx: the mixer's sound_lock.  libsndfile keeps its last error in
 * static variables that every sf_open() writes, so files are opened one at
 * a time even when the mixer prepares clips on two threads. */
static int load_source(void *ctx, const char *path, int rate, bool loop, float **samples,
                       size_t *frames)
{
    pthread_mutex_t *lock = ctx;
    struct sound *s;
    pthread_mutex_lock(lock);
    int err = loop ? sound_load_loop(path, rate, &s) : sound_load(path, rate, &s);
    pthread_mutex_unlock(lock);
    if (err)
        return err;
    float *buf = malloc(s->frames ? s->frames * sizeof(float) : 1);
    if (!buf) {
        sound_destroy(s);
        return AV_ENOMEM;
    }
    if (s->frames)
        memcpy(buf, s->samples, s->frames * sizeof(float));
    *samples = buf;
    *frames = s->frames;
    sound_destroy(s);
    return AV_OK;
}

int clip_sound_source(void *ctx, const char *path, int rate, float **samples, size_t *frames)
{
    return load_source(ctx, path, rate, false, samples, frames);
}

int clip_loop_source(const struct mixer *m, const char *path, float **samples, size_t *frames)
{
    if (m->custom_source)
        return m->src.sound(m->src.ctx, path, m->rate, samples, frames);
    return load_source(m->src.ctx, path, m->rate, true, samples, frames);
}

/* Speech at the output rate, peak-controlled but not yet gained or faded
 * (*samples malloc'd), with its gain decided unless it is known: from the
 * store when an earlier run left it there, else read from the bank (which
 * frees the samples again at once), resampled once, and then stored.  The
 * control runs before resampling, at the voice's rate, where that stays
 * exact (peakctl_at_native(): espeak-ng's 22.05 kHz to 44.1 kHz or more,
 * 2.2 times fewer samples than at 48 kHz; mix_speech_control() controls
 * the clip while deciding its threshold), else after it, at the output
 * rate.  Touches only c and read-only parts of m. */
static int speech_at_rate(const struct mixer *m, struct clip *c, float **samples)
{
    const struct speech_src *sp = &c->sp;
    if (sp->bank && m->store &&
        clipstore_get_pcm(m->store, sp->bank, m->rate, c->out_frames, mix_spares(m), samples) ==
            AV_OK) {
        int err = c->gain_known ? AV_OK
                                : mix_clip_level(m, c->kind, c->key, sp, NULL, 0, &c->gain,
                                                 &c->peak);
        if (err) {
            free(*samples);
            *samples = NULL;
        }
        return err;
    }
    const bool native = peakctl_at_native(sp->native_rate, m->rate);
    float *f = NULL, *buf = NULL;
    int err = mix_speech_floats(m, sp, &f);
    if (!err && native)
        err = mix_speech_control(m, sp, f, c->gain_known, &c->gain, &c->peak);
    if (!err) {
        buf = spares_take(mix_spares(m), c->out_frames * sizeof(float));
        err = buf ? dsp_resample(f, sp->native_frames, sp->native_rate, m->rate, buf,
                                 c->out_frames)
                  : AV_ENOMEM;
    }
    /* Elsewhere the level is decided from the voice's samples just
     * resampled (they are scratch now: the search may control them in
     * place), rather than read from the bank again. */
    if (!err && !native && !c->gain_known)
        err = mix_speech_control(m, sp, f, false, &c->gain, &c->peak);
    spares_put(mix_spares(m), f, sp->native_frames * sizeof(float));
    if (!err && !native)
        err = peakctl_apply(buf, c->out_frames, m->rate, c->peak);
    if (err) {
        free(buf);
        return err;
    }
    if (sp->bank && m->store)
        clipstore_put_pcm(m->store, sp->bank, m->rate, buf, c->out_frames);
    *samples = buf;
    return AV_OK;
}

/* Make the clip's samples from its input: the raw samples at the output
 * rate; the clip's gain, unless it is known already, decided from its
 * loudness (mix_clip_level(): the stored profile, or measured); then gain
 * and fades.  Touches only c and read-only parts of m, so a worker may run
 * it. */
static void prepare(const struct mixer *m, struct clip *c, float **samples, size_t *frames,
                    int *err)
{
    *samples = NULL;
    *frames = 0;
    /* The default source's speech comes peak-controlled, its gain
     * decided (speech_at_rate()). */
    const bool from_voice = c->kind == CLIP_SPEECH && !m->custom_source;
    if (from_voice) {
        *err = speech_at_rate(m, c, samples);
        if (!*err)
            *frames = c->out_frames;
    } else if (c->kind == CLIP_SPEECH) {
        *err = m->src.speech(m->src.ctx, c->key, m->rate, samples, frames);
    } else if (c->kind == CLIP_TONE) {
        *err = clip_loop_source(m, c->key, samples, frames); /* a guide's loop */
    } else {
        *err = m->src.sound(m->src.ctx, c->key, m->rate, samples, frames);
    }
    if (!*err && !c->gain_known && !from_voice)
        *err = mix_clip_level(m, c->kind, c->key, &c->sp, *samples, *frames, &c->gain, &c->peak);
    /* A custom source's speech: its peak control at the output rate, with
     * the threshold its gain was decided with (analyze.c), before the gain
     * scales it. */
    if (!*err && c->kind == CLIP_SPEECH && !from_voice)
        *err = peakctl_apply(*samples, *frames, m->rate, c->peak);
    if (*err) {
        free(*samples);
        *samples = NULL;
        *frames = 0;
        return;
    }
    clip_shape(m, c->kind, c->gain, *samples, *frames);
}

/* The worker's job (workq.h): prepare a clip.  Only the thread running
 * the job touches the clip's result until done() publishes its state. */
static void job_run(void *ctx, void *job)
{
    const struct mixer *m = ctx;
    struct clip *c = job;
    prepare(m, c, &c->samples, &c->frames, &c->err);
}

/* Under the queue's lock: the clip is ready for the mixer's thread. */
static void job_done(void *ctx, void *job)
{
    (void)ctx;
    struct clip *c = job;
    c->state = c->err ? CLIP_FAILED : CLIP_READY;
}

/* ---- clip cache (mixer thread) -------------------------------------------- */

uint64_t clip_hash(enum clip_kind kind, const char *key)
{
    uint64_t h = 1469598103934665603ull ^ (uint64_t)kind;
    for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
        h ^= *p;
        h *= 1099511628211ull;
    }
    return h;
}

static void lru_unlink(struct mixer *m, struct clip *c)
{
    if (c->lru_prev)
        c->lru_prev->lru_next = c->lru_next;
    else
        m->lru_head = c->lru_next;
    if (c->lru_next)
        c->lru_next->lru_prev = c->lru_prev;
    else
        m->lru_tail = c->lru_prev;
    c->lru_prev = c->lru_next = NULL;
}

static void lru_push_front(struct mixer *m, struct clip *c)
{
    c->lru_prev = NULL;
    c->lru_next = m->lru_head;
    if (m->lru_head)
        m->lru_head->lru_prev = c;
    m->lru_head = c;
    if (!m->lru_tail)
        m->lru_tail = c;
}

/* Remove an unpinned clip (never one a worker holds: those are pinned). */
static void cache_remove(struct mixer *m, struct clip *c)
{
    struct clip **pp = &m->buckets[c->hash % HASH_BUCKETS];
    while (*pp != c)
        pp = &(*pp)->hnext;
    *pp = c->hnext;
    lru_unlink(m, c);
    m->cache_bytes -= c->budget;
    m->n_cached--;
    free(c->key);
    spares_put(&m->spares, c->samples, c->frames * sizeof(float));
    free(c);
}

/* Drop least recently used clips that are not pinned until the cache fits
 * its budget (or only pinned clips are left). */
static void cache_trim(struct mixer *m)
{
    struct clip *c = m->lru_tail;
    while (m->cache_bytes > m->o.cache_bytes && c) {
        struct clip *prev = c->lru_prev;
        if (c->pins == 0)
            cache_remove(m, c);
        c = prev;
    }
}

int clip_request(struct mixer *m, enum clip_kind kind, const char *key, struct clip **out)
{
    uint64_t h = clip_hash(kind, key);
    for (struct clip *c = m->buckets[h % HASH_BUCKETS]; c; c = c->hnext) {
        if (c->hash == h && c->kind == kind && !strcmp(c->key, key)) {
            lru_unlink(m, c);
            lru_push_front(m, c);
            c->pins++;
            *out = c;
            return AV_OK;
        }
    }
    struct clip *c = calloc(1, sizeof(*c));
    size_t klen = strlen(key);
    char *k = malloc(klen + 1);
    if (!c || !k) {
        free(c);
        free(k);
        return AV_ENOMEM;
    }
    memcpy(k, key, klen + 1);
    c->hash = h;
    c->kind = kind;
    c->key = k;
    c->pins = 1;
    c->state = CLIP_PENDING;
    c->gain_known = mix_gain_known(m, kind, key, h, &c->gain, &c->peak);
    if (kind == CLIP_SPEECH && !m->custom_source) {
        /* From the speech bank, or espeak-ng on the mixer's thread. */
        int err = mix_speech(m, key, &c->sp);
        if (err) {
            c->state = CLIP_FAILED;
            c->err = err;
        } else {
            int64_t nf = voice_frames_at(c->sp.native_frames, c->sp.native_rate, m->rate);
            if (nf < 0 || (uint64_t)nf > SIZE_MAX / 2 / sizeof(float)) {
                c->state = CLIP_FAILED;
                c->err = AV_ELIMIT;
            } else {
                c->out_frames = (size_t)nf;
                c->budget = c->out_frames * sizeof(float);
            }
        }
    } else if (kind != CLIP_SPEECH && !m->custom_source) {
        int64_t nf;
        pthread_mutex_lock(&m->sound_lock);
        int e = sound_frames_at(key, m->rate, &nf);
        pthread_mutex_unlock(&m->sound_lock);
        if (e == AV_OK && nf > 0 && (uint64_t)nf < SIZE_MAX / 2 / sizeof(float))
            c->budget = (size_t)nf * sizeof(float);
    }
    c->hnext = m->buckets[h % HASH_BUCKETS];
    m->buckets[h % HASH_BUCKETS] = c;
    lru_push_front(m, c);
    m->cache_bytes += c->budget;
    m->n_cached++;
    if (c->state == CLIP_PENDING) {
        m->n_prepared++;
        if (!m->wq.started || workq_push(&m->wq, c) != AV_OK) {
            prepare(m, c, &c->samples, &c->frames, &c->err);
            c->state = c->err ? CLIP_FAILED : CLIP_READY;
        }
    }
    cache_trim(m);
    *out = c;
    return AV_OK;
}

int clip_wait(struct mixer *m, struct clip *c)
{
    if (m->wq.started) {
        /* While the clip is queued, help rather than wait: the queue is
         * in event order, so its head is this clip or one needed before
         * it.  Once the worker has taken it, only wait: the head is then
         * a later clip, and preparing that would delay this one's use
         * (the first block would wait for clips it does not play). */
        workq_lock(&m->wq);
        while (c->state == CLIP_PENDING)
            if (!workq_queued_locked(&m->wq, c) || !workq_help_locked(&m->wq))
                workq_wait_locked(&m->wq);
        workq_unlock(&m->wq);
    }
    if (c->state == CLIP_READY && !c->gain_known) {
        mix_gain_remember(m, c->kind, c->key, c->hash, c->gain, c->peak);
        c->gain_known = true;
    }
    size_t real = c->state == CLIP_READY ? c->frames * sizeof(float) : 0;
    if (real != c->budget) {
        m->cache_bytes = m->cache_bytes - c->budget + real;
        c->budget = real;
    }
    if (c->state == CLIP_FAILED) {
        int speech = c->kind == CLIP_SPEECH;
        snprintf(m->detail, sizeof(m->detail), "cannot %s %s%.*s%s: %s",
                 speech ? "speak" : "play", speech ? "\"" : "", (int)utf8_cut(c->key, 160), c->key,
                 speech ? "\"" : "", av_strerror(c->err));
        return c->err;
    }
    return AV_OK;
}

int mix_speech_native(const struct mixer *m, const struct speech_src *sp,
                      const int16_t **native, int16_t **read)
{
    *native = sp->native;
    *read = NULL;
    if (!sp->bank)
        return AV_OK;
    size_t bytes = sp->native_frames * sizeof(int16_t);
    int16_t *s = spares_take(mix_spares(m), bytes);
    if (!s)
        return AV_ENOMEM;
    int err = speech_bank_read_into(m->tl->speech, sp->bank, s);
    if (err) {
        spares_put(mix_spares(m), s, bytes);
        return err;
    }
    *native = *read = s;
    return AV_OK;
}

struct spares *mix_spares(const struct mixer *m)
{
    /* Every mixer is allocated writable (mixer_create()); the spares are
     * changed only under their own lock. */
    return (struct spares *)&m->spares;
}

int mix_speech(const struct mixer *m, const char *text, struct speech_src *sp)
{
    memset(sp, 0, sizeof(*sp));
    if (m->tl->speech) {
        const struct speech_clip *c = speech_bank_get(m->tl->speech, text);
        if (!c)
            return AV_EVOICE;
        sp->bank = c;
        sp->native_frames = c->frames;
        sp->native_rate = c->rate;
        return AV_OK;
    }
    const struct voice_clip *vc;
    int err = m->voice ? voice_synth(m->voice, text, &vc) : AV_EVOICE;
    if (err)
        return err;
    sp->native = vc->samples;
    sp->native_frames = vc->frames;
    sp->native_rate = voice_native_rate(m->voice);
    return AV_OK;
}

/* One worker per online CPU (at most 4): a cold run resamples, peak-controls
 * and measures every clip, which is most of its work, and clips are pure
 * functions of their input, so preparing several at once changes no sample
 * (the mixer waits for each clip it plays, whoever prepares it). */
int clip_worker_start(struct mixer *m)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    size_t n = cpus < 1 ? 1 : cpus > 4 ? 4 : (size_t)cpus;
    return workq_start_pool(&m->wq, 0, n, job_run, job_done, m);
}

void clip_worker_stop(struct mixer *m)
{
    /* Clips still queued are dropped: they are pinned, and freed with the
     * cache. */
    workq_stop(&m->wq, true);
}

void clip_cache_clear(struct mixer *m)
{
    while (m->lru_head) {
        m->lru_head->pins = 0;
        cache_remove(m, m->lru_head);
    }
}
