/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * analyze.c — the mixer's loudness analysis: before the first block, every
 * distinct clip is measured (loudness.h) and given its gain, and the
 * session's loudness is predicted from the clips laid out on the timeline
 * (mixer.h, "Loudness").
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "asanavox/error.h"
#include "asanavox/speechbank.h"
#include "asanavox/thread.h"
#include "asanavox/timeline.h"
#include "asanavox/voice.h"
#include "clipstore.h"
#include "mixer_internal.h"

/* A role's level relative to the speech target: the fixed offset plus the
 * role's volume (--voice-volume, --bell-volume or their headers). */
static double kind_offset(const struct timeline *tl, enum clip_kind k)
{
    switch (k) {
    case CLIP_SPEECH: return tl->voice_db;
    case CLIP_BELL: return MIXER_BELL_OFFSET_LU + tl->bell_db;
    case CLIP_TONE: return MIXER_TONE_OFFSET_LU + tl->bell_db;
    }
    return 0.0;
}

static struct level *level_find(const struct mixer *m, enum clip_kind kind, const char *key,
                                uint64_t h)
{
    for (struct level *l = m->levels[h % HASH_BUCKETS]; l; l = l->next)
        if (l->hash == h && l->kind == kind && !strcmp(l->key, key))
            return l;
    return NULL;
}

float mix_clip_gain(const struct mixer *m, enum clip_kind kind, const char *key, uint64_t h)
{
    const struct level *l = level_find(m, kind, key, h);
    double role_db = kind == CLIP_SPEECH ? m->tl->voice_db : m->tl->bell_db;
    return l ? l->gain : (float)pow(10.0, (m->o.volume_db + role_db) / 20.0);
}

/* The samples of a speech level as floats at the voice's native rate
 * (*s malloc'd): read from the bank, or the voice's. */
static int native_floats(const struct mixer *m, const struct level *l, float **s)
{
    const int16_t *native = l->native;
    int16_t *read = NULL;
    if (l->bank) {
        int err = speech_bank_read(m->tl->speech, l->bank, &read);
        if (err)
            return err;
        native = read;
    }
    size_t n = l->native_frames;
    float *f = malloc(n ? n * sizeof(float) : 1);
    if (f)
        for (size_t i = 0; i < n; i++)
            f[i] = (float)native[i] * (1.0f / 32768.0f);
    free(read);
    *s = f;
    return f ? AV_OK : AV_ENOMEM;
}

/* Profile one distinct clip (loudness.h).  Speech is measured at the
 * voice's native rate, which gives the same figures as after resampling
 * for less than half the work, and only once: a bank's clip's profile is
 * kept in the clip store, so a warm run reads it and measures nothing.
 * Its samples come from the bank or were fetched from the voice on the
 * mixer's thread (l->native), so this runs on any thread.  A clip that
 * cannot be made gets no profile and 0 dB; its error comes back when it is
 * needed.  Returns 0 or AV_ENOMEM. */
static int level_measure(const struct mixer *m, struct level *l, pthread_mutex_t *init_lock)
{
    float *s = NULL;
    size_t n = 0;
    int rate = m->rate, err = AV_OK;
    if (l->kind == CLIP_SPEECH && !m->custom_source) {
        if (!l->native && !l->bank)
            return AV_OK; /* synthesis failed */
        if (l->bank && m->store) {
            err = clipstore_get_loud(m->store, l->bank, &l->prof);
            if (err != AV_ENOENT)
                goto have_profile;
        }
        rate = l->native_rate;
        n = l->native_frames;
        err = native_floats(m, l, &s);
    } else if (l->kind == CLIP_SPEECH) {
        err = m->src.speech(m->src.ctx, l->key, m->rate, &s, &n);
    } else {
        err = m->src.sound(m->src.ctx, l->key, m->rate, &s, &n);
    }
    if (err == AV_ENOMEM)
        return err;
    if (err)
        return AV_OK;
    err = loud_profile(s, n, rate, init_lock, &l->prof);
    free(s);
    if (!err && l->bank && m->store)
        clipstore_put_loud(m->store, l->bank, &l->prof);
have_profile:
    if (!err && l->prof.n) {
        l->env = malloc(l->prof.n * sizeof(float));
        if (!l->env)
            err = AV_ENOMEM;
    }
    return err;
}

/* Measuring is split between the mixer's thread and a helper: every
 * second level each. */
struct measure_job {
    const struct mixer *m;
    struct level **levels;
    size_t n, first;
    pthread_mutex_t *init_lock;
    int err;
};

static void *measure_main(void *arg)
{
    struct measure_job *j = arg;
    for (size_t i = j->first; i < j->n && !j->err; i += 2)
        j->err = level_measure(j->m, j->levels[i], j->init_lock);
    return NULL;
}

static int measure_all(const struct mixer *m, struct level **levels, size_t n)
{
    pthread_mutex_t init_lock;
    bool locked = n > 1 && pthread_mutex_init(&init_lock, NULL) == 0;
    struct measure_job b = {m, levels, n, 1, &init_lock, 0};
    pthread_t helper;
    bool two = locked && av_thread_create(&helper, measure_main, &b) == 0;
    int err = AV_OK;
    for (size_t i = 0; i < n && !err; i += two ? 2 : 1)
        err = level_measure(m, levels[i], two ? &init_lock : NULL);
    if (two)
        pthread_join(helper, NULL);
    if (locked)
        pthread_mutex_destroy(&init_lock);
    return err ? err : two ? b.err : AV_OK;
}

/* Predicted session loudness with the levels' current gains. */
static double predict(const struct mixer *m, double longest, int *err)
{
    const struct timeline *tl = m->tl;
    struct loud_predict *p;
    *err = loud_predict_create(longest + 1.0, m->channels, &p);
    if (*err)
        return -HUGE_VAL;
    for (size_t i = 0; i < tl->n_events; i++) {
        enum clip_kind kind;
        const char *key;
        if (!mix_event_clip(&tl->events[i], &kind, &key))
            continue;
        const struct level *l = level_find(m, kind, key, clip_hash(kind, key));
        if (l->prof.n)
            loud_predict_add(p, (double)tl->events[i].start / m->rate, &l->prof, l->gain,
                             l->env);
    }
    double lufs = loud_predict_finish(p);
    loud_predict_destroy(p);
    return lufs;
}

/* Decide every clip's gain: levels by role, not by session.  Each distinct
 * clip gets the gain that puts it at its role's loudness after the limiter
 * (speech at the target, bells and breath guides at their offsets below
 * it), whatever else the session holds, so a cue is as loud in a quiet
 * breathing session as in a busy flow.  The session's integrated loudness
 * is then predicted from the clips' profiles laid out on the timeline, for
 * mixer_predicted_lufs(); it is not corrected towards the target (that
 * made speech up to 2.5 LU louder in sessions with many quiet tones). */
int mix_analyze(struct mixer *m)
{
    const struct timeline *tl = m->tl;
    const double target = m->o.target_lufs + m->o.volume_db;
    /* The same signal on every channel adds up in EBU R128: dual-mono
     * stereo measures 3 dB above its mono clips. */
    const double channels_db = 10.0 * log10((double)m->channels);
    const double ceiling = m->o.limiter ? m->lim.ceiling : 0.0;
    double longest = 0.0;
    int err = AV_OK;
    struct level **all = NULL;
    size_t n_all = 0, cap_all = 0;
    for (size_t i = 0; i < tl->n_events && !err; i++) {
        enum clip_kind kind;
        const char *key;
        if (!mix_event_clip(&tl->events[i], &kind, &key))
            continue;
        uint64_t h = clip_hash(kind, key);
        if (level_find(m, kind, key, h))
            continue;
        struct level *l = calloc(1, sizeof(*l));
        if (!l) {
            err = AV_ENOMEM; /* `all` is freed below */
            break;
        }
        l->hash = h;
        l->kind = kind;
        l->key = key;
        l->target = target + kind_offset(tl, kind) - channels_db;
        l->gain = 1.0f;
        l->next = m->levels[h % HASH_BUCKETS];
        m->levels[h % HASH_BUCKETS] = l;
        if (kind == CLIP_SPEECH && !m->custom_source) {
            /* From the speech bank, or espeak-ng on the mixer's thread. */
            const struct speech_clip *bank;
            const int16_t *s;
            size_t nf;
            int rate;
            if (mix_speech(m, key, &bank, &s, &nf, &rate) == AV_OK) {
                l->bank = bank;
                l->native = s;
                l->native_frames = nf;
                l->native_rate = rate;
            }
        }
        if (n_all == cap_all) {
            cap_all = cap_all ? cap_all * 2 : 64;
            struct level **a = realloc(all, cap_all * sizeof(*a));
            if (!a) {
                err = AV_ENOMEM; /* l is in m->levels; `all` is freed below */
                break;
            }
            all = a;
        }
        all[n_all++] = l;
    }
    if (!err)
        err = measure_all(m, all, n_all);
    for (size_t i = 0; i < n_all; i++) {
        double secs = (double)all[i]->prof.n * all[i]->prof.bin_seconds;
        if (secs > longest)
            longest = secs;
    }
    free(all);
    m->predicted = -HUGE_VAL;
    if (!err) {
        for (size_t b = 0; b < HASH_BUCKETS; b++) {
            for (struct level *l = m->levels[b]; l; l = l->next) {
                if (!l->prof.n)
                    continue;
                l->gain = (float)loud_solve_gain(&l->prof, l->target, ceiling, l->env);
                loud_limit_env(&l->prof, l->gain, ceiling, l->env);
            }
        }
        m->predicted = predict(m, longest, &err);
    }
    for (size_t b = 0; b < HASH_BUCKETS; b++) {
        for (struct level *l = m->levels[b]; l; l = l->next) {
            loud_profile_free(&l->prof);
            free(l->env);
            l->env = NULL;
        }
    }
    return err;
}

void mix_levels_free(struct mixer *m)
{
    for (size_t b = 0; b < HASH_BUCKETS; b++) {
        while (m->levels[b]) {
            struct level *l = m->levels[b];
            m->levels[b] = l->next;
            loud_profile_free(&l->prof);
            free(l->env);
            free(l);
        }
    }
}
