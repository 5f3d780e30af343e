/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * analyze.c — the mixer's loudness by role (mixer.h, "Loudness"): each
 * clip's gain, decided from the clip's own loudness profile (loudness.h)
 * when the clip is prepared, and the session's loudness, predicted from
 * every clip's profile laid out on the timeline only when it is asked for.
 *
 * Levels are by role, not by session: each distinct clip gets the gain
 * that puts it at its role's loudness after the limiter (speech at the
 * target, bells and breath guides at their offsets below it), whatever
 * else the session holds, so a cue is as loud in a quiet breathing session
 * as in a busy flow.  A gain therefore needs nothing but the clip, and no
 * clip is measured before the mix approaches it: the first block waits for
 * the first clips only.  The prediction is not corrected towards the
 * target (that made speech up to 2.5 LU louder in sessions with many quiet
 * tones).
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
#include "dsp/kernels.h"
#include "mixer_internal.h"
#include "peakctl.h"

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

/* The lock around ebur128_init() (struct mixer).  The mutex is the
 * mixer's own, never const, so the cast only undoes the const of the
 * read-only view that preparing threads have of the mixer. */
static pthread_mutex_t *loud_lock(const struct mixer *m)
{
    return (pthread_mutex_t *)&m->loud_lock;
}

/* ---- remembered gains (mixer's thread) ------------------------------------ */

bool mix_gain_known(const struct mixer *m, enum clip_kind kind, const char *key, uint64_t h,
                    float *gain, float *peak)
{
    *peak = 0.0f;
    if (!m->o.normalize) {
        double role_db = kind == CLIP_SPEECH ? m->tl->voice_db : m->tl->bell_db;
        *gain = (float)pow(10.0, (m->o.volume_db + role_db) / 20.0);
        return true;
    }
    for (const struct gain_memo *g = m->gains[h % HASH_BUCKETS]; g; g = g->next) {
        if (g->hash == h && g->kind == kind && !strcmp(g->key, key)) {
            *gain = g->gain;
            *peak = g->peak;
            return true;
        }
    }
    return false;
}

void mix_gain_remember(struct mixer *m, enum clip_kind kind, const char *key, uint64_t h,
                       float gain, float peak)
{
    float known, known_peak;
    if (mix_gain_known(m, kind, key, h, &known, &known_peak))
        return;
    size_t len = strlen(key);
    struct gain_memo *g = malloc(sizeof(*g) + len + 1);
    if (!g)
        return; /* decided again next time */
    g->hash = h;
    g->kind = kind;
    g->gain = gain;
    g->peak = peak;
    memcpy(g->key, key, len + 1);
    g->next = m->gains[h % HASH_BUCKETS];
    m->gains[h % HASH_BUCKETS] = g;
}

void mix_gains_free(struct mixer *m)
{
    for (size_t b = 0; b < HASH_BUCKETS; b++) {
        while (m->gains[b]) {
            struct gain_memo *g = m->gains[b];
            m->gains[b] = g->next;
            free(g);
        }
    }
}

/* ---- a clip's profile and gain (any thread) ------------------------------- */

int mix_speech_floats(const struct mixer *m, const struct speech_src *sp, float **s)
{
    const int16_t *native;
    int16_t *read;
    int err = mix_speech_native(m, sp, &native, &read);
    if (err)
        return err;
    size_t n = sp->native_frames;
    /* From the spares: the clip's callers give it back there. */
    float *f = spares_take(mix_spares(m), n ? n * sizeof(float) : 1);
    if (f)
        kern_from_s16(native, f, n);
    free(read);
    *s = f;
    return f ? AV_OK : AV_ENOMEM;
}

/* A bank's speech clip's profile after its peak control, and the
 * control's threshold, as an earlier run kept them in the clip store:
 * 0, AV_ENOENT (not kept, or no store) or AV_ENOMEM. */
static int stored_speech_loud(const struct mixer *m, const struct speech_src *sp,
                              struct loud_profile *prof, float *peak)
{
    if (!sp || !sp->bank || !m->store)
        return AV_ENOENT;
    return clipstore_get_loud(m->store, sp->bank, prof, peak);
}

/* Run speech's peak control over s[0 .. n) at `rate` in place (*peak its
 * threshold, *prof the profile after it) and keep both in the clip store
 * for a bank's clip.  Returns 0 or AV_ENOMEM. */
static int control_speech(const struct mixer *m, const struct speech_src *sp, float *s,
                          size_t n, int rate, struct loud_profile *prof, float *peak)
{
    int err = peakctl_speech(s, n, rate, loud_lock(m), peak, prof);
    if (!err && sp && sp->bank && m->store)
        clipstore_put_loud(m->store, sp->bank, prof, *peak);
    return err;
}

/* Profile one clip (loudness.h; *prof empty when the clip cannot be had).
 * Speech of the default source is measured at the voice's native rate,
 * which gives the same figures as after resampling for less than half the
 * work, and only once: a bank's clip's profile is kept in the clip store,
 * so a warm run reads it and measures nothing.  Other clips are measured
 * at the output rate, from `made` when the caller has just made them (not
 * for a breath tone: `made` is then its loop, and the tone is measured as
 * the source loads it); with a clip store, a sound's profile is kept there
 * too, named by its samples.  Speech is profiled after its peak control
 * (peakctl.h), whose threshold is *peak (kept in the store with the
 * profile); *peak is 0 for other clips.  Returns 0 or AV_ENOMEM. */
static int clip_profile(const struct mixer *m, enum clip_kind kind, const char *key,
                        const struct speech_src *sp, const float *made, size_t made_frames,
                        struct loud_profile *prof, float *peak)
{
    memset(prof, 0, sizeof(*prof));
    *peak = 0.0f;
    float *s = NULL;
    const float *x = made;
    size_t n = made_frames;
    int rate = m->rate, err = AV_OK;
    if (kind == CLIP_SPEECH && !m->custom_source) {
        if (!sp || (!sp->native && !sp->bank))
            return AV_OK; /* synthesis failed */
        err = stored_speech_loud(m, sp, prof, peak);
        if (err != AV_ENOENT)
            return err;
        rate = sp->native_rate;
        n = sp->native_frames;
        err = mix_speech_floats(m, sp, &s);
        x = s;
    } else if (!made || kind == CLIP_TONE) {
        err = kind == CLIP_SPEECH ? m->src.speech(m->src.ctx, key, m->rate, &s, &n)
                                  : m->src.sound(m->src.ctx, key, m->rate, &s, &n);
        x = s;
    }
    if (err == AV_ENOMEM)
        return err;
    if (err)
        return AV_OK;
    if (!err && kind == CLIP_SPEECH && x && x != s) {
        /* A custom source's speech, just made: controlled on a copy. */
        s = malloc(n ? n * sizeof(float) : 1);
        if (!s)
            return AV_ENOMEM;
        if (n)
            memcpy(s, x, n * sizeof(float));
        x = s;
    }
    if (kind == CLIP_SPEECH) {
        /* Speech's profile comes with its peak control. */
        err = s ? control_speech(m, sp, s, n, rate, prof, peak) : AV_OK;
        spares_put(mix_spares(m), s, n * sizeof(float));
        return err;
    }
    uint64_t id[2];
    bool sound_stored = m->store != NULL;
    if (sound_stored) {
        clipstore_sound_id(x, n, id);
        err = clipstore_get_sound_loud(m->store, id, n, rate, prof);
        if (err != AV_ENOENT) {
            free(s);
            return err;
        }
    }
    err = loud_profile(x, n, rate, loud_lock(m), prof);
    free(s);
    if (!err && sound_stored)
        clipstore_put_sound_loud(m->store, id, n, rate, prof);
    return err;
}

/* The loudness a clip of `kind` is put at, LUFS of its mono signal: the
 * same signal on every channel adds up in EBU R128 (dual-mono stereo
 * measures 3 dB above its mono clips). */
static double kind_target(const struct mixer *m, enum clip_kind kind)
{
    const double target = m->o.target_lufs + m->o.volume_db;
    const double channels_db = 10.0 * log10((double)m->channels);
    return target + kind_offset(m->tl, kind) - channels_db;
}

static double limiter_ceiling(const struct mixer *m)
{
    return m->o.limiter ? m->lim.ceiling : 0.0;
}

/* The gain for a clip of `kind` with profile p (1 when it has none), and
 * the limiter's gains over it into env (p->n floats) for the prediction.
 * A pure function of the profile. */
static float kind_gain(const struct mixer *m, enum clip_kind kind, const struct loud_profile *p,
                       float *env)
{
    if (!p->n)
        return 1.0f;
    float gain = (float)loud_solve_gain(p, kind_target(m, kind), limiter_ceiling(m), env);
    loud_limit_env(p, gain, limiter_ceiling(m), env);
    return gain;
}

/* The gain from a profile, with scratch of its own. */
static int profile_gain(const struct mixer *m, enum clip_kind kind, const struct loud_profile *p,
                        float *gain)
{
    float *env = p->n ? malloc(p->n * sizeof(float)) : NULL;
    if (p->n && !env)
        return AV_ENOMEM;
    *gain = kind_gain(m, kind, p, env);
    free(env);
    return AV_OK;
}

int mix_speech_control(const struct mixer *m, const struct speech_src *sp, float *s, bool known,
                       float *gain, float *peak)
{
    const size_t n = sp->native_frames;
    const int rate = sp->native_rate;
    bool controlled = false;
    if (!known) {
        /* clip_profile(), but controlling the caller's samples in place
         * when the threshold has to be searched for: the search's last
         * pass is the control, and is not run again. */
        struct loud_profile p = {0};
        *peak = 0.0f;
        int err = stored_speech_loud(m, sp, &p, peak);
        if (err == AV_ENOENT) {
            err = control_speech(m, sp, s, n, rate, &p, peak);
            controlled = true;
        }
        if (!err)
            err = profile_gain(m, CLIP_SPEECH, &p, gain);
        loud_profile_free(&p);
        if (err)
            return err;
    }
    return controlled ? AV_OK : peakctl_apply(s, n, rate, *peak);
}

int mix_clip_level(const struct mixer *m, enum clip_kind kind, const char *key,
                   const struct speech_src *sp, const float *made, size_t made_frames,
                   float *gain, float *peak)
{
    struct loud_profile p;
    int err = clip_profile(m, kind, key, sp, made, made_frames, &p, peak);
    if (!err)
        err = profile_gain(m, kind, &p, gain);
    loud_profile_free(&p);
    return err;
}

int mix_speech_level(const struct mixer *m, const float *s, size_t n, int rate, float *gain)
{
    if (!m->o.normalize) {
        *gain = (float)pow(10.0, m->o.volume_db / 20.0);
        return AV_OK;
    }
    struct loud_profile p;
    int err = loud_profile(s, n, rate, loud_lock(m), &p);
    if (!err)
        err = profile_gain(m, CLIP_SPEECH, &p, gain);
    loud_profile_free(&p);
    return err;
}

/* ---- the prediction (mixer's thread) -------------------------------------- */

/* A distinct clip of the timeline while the prediction is made. */
struct pclip {
    struct pclip *next;
    uint64_t hash;
    enum clip_kind kind;
    const char *key;                  /* the timeline's string */
    struct speech_src sp;
    struct loud_profile prof;
    float peak;                       /* speech's peak control threshold */
    float gain;
    float *env;
};

static struct pclip *pclip_find(struct pclip **table, enum clip_kind kind, const char *key,
                                uint64_t h)
{
    for (struct pclip *l = table[h % HASH_BUCKETS]; l; l = l->next)
        if (l->hash == h && l->kind == kind && !strcmp(l->key, key))
            return l;
    return NULL;
}

/* Measuring is split between the mixer's thread and a helper: every
 * second clip each. */
struct measure_job {
    const struct mixer *m;
    struct pclip **all;
    size_t n, first;
    int err;
};

static void *measure_main(void *arg)
{
    struct measure_job *j = arg;
    for (size_t i = j->first; i < j->n && !j->err; i += 2) {
        struct pclip *l = j->all[i];
        j->err = clip_profile(j->m, l->kind, l->key, &l->sp, NULL, 0, &l->prof, &l->peak);
    }
    return NULL;
}

static int measure_all(const struct mixer *m, struct pclip **all, size_t n)
{
    struct measure_job b = {m, all, n, 1, 0};
    pthread_t helper;
    bool two = n > 1 && av_thread_create(&helper, measure_main, &b) == 0;
    struct measure_job a = {m, all, n, 0, 0};
    if (two) {
        measure_main(&a);
        pthread_join(helper, NULL);
    } else {
        for (size_t i = 0; i < n && !a.err; i++)
            a.err = clip_profile(m, all[i]->kind, all[i]->key, &all[i]->sp, NULL, 0,
                                 &all[i]->prof, &all[i]->peak);
    }
    return a.err ? a.err : b.err;
}

/* The session's loudness from the clips' profiles and gains. */
static int predict(const struct mixer *m, struct pclip **table, double longest, double *lufs)
{
    const struct timeline *tl = m->tl;
    struct loud_predict *p;
    int err = loud_predict_create(longest + 1.0, m->channels, &p);
    if (err)
        return err;
    for (size_t i = 0; i < tl->n_events; i++) {
        enum clip_kind kind;
        const char *key;
        if (!mix_event_clip(&tl->events[i], &kind, &key))
            continue;
        const struct pclip *l = pclip_find(table, kind, key, clip_hash(kind, key));
        if (l->prof.n)
            loud_predict_add(p, (double)tl->events[i].start / m->rate, &l->prof, l->gain,
                             l->env);
    }
    *lufs = loud_predict_finish(p);
    loud_predict_destroy(p);
    return AV_OK;
}

int mix_predict(struct mixer *m, double *lufs)
{
    const struct timeline *tl = m->tl;
    struct pclip *table[HASH_BUCKETS] = {0};
    struct pclip **all = NULL;
    size_t n_all = 0, cap_all = 0;
    int err = AV_OK;
    *lufs = -HUGE_VAL;
    for (size_t i = 0; i < tl->n_events && !err; i++) {
        enum clip_kind kind;
        const char *key;
        if (!mix_event_clip(&tl->events[i], &kind, &key))
            continue;
        uint64_t h = clip_hash(kind, key);
        if (pclip_find(table, kind, key, h))
            continue;
        if (n_all == cap_all) {
            size_t cap = cap_all ? cap_all * 2 : 64;
            struct pclip **a = realloc(all, cap * sizeof(*a));
            if (!a) {
                err = AV_ENOMEM;
                break;
            }
            all = a;
            cap_all = cap;
        }
        struct pclip *l = calloc(1, sizeof(*l));
        if (!l) {
            err = AV_ENOMEM;
            break;
        }
        l->hash = h;
        l->kind = kind;
        l->key = key;
        l->gain = 1.0f;
        l->next = table[h % HASH_BUCKETS];
        table[h % HASH_BUCKETS] = l;
        all[n_all++] = l;
        if (kind == CLIP_SPEECH && !m->custom_source)
            (void)mix_speech(m, key, &l->sp); /* a failure: no profile */
    }
    if (!err)
        err = measure_all(m, all, n_all);
    double longest = 0.0;
    for (size_t i = 0; i < n_all && !err; i++) {
        struct pclip *l = all[i];
        double secs = (double)l->prof.n * l->prof.bin_seconds;
        if (secs > longest)
            longest = secs;
        if (l->prof.n && !(l->env = malloc(l->prof.n * sizeof(float))))
            err = AV_ENOMEM;
        else
            l->gain = kind_gain(m, l->kind, &l->prof, l->env);
    }
    if (!err)
        err = predict(m, table, longest, lufs);
    for (size_t i = 0; i < n_all; i++) {
        loud_profile_free(&all[i]->prof);
        free(all[i]->env);
        free(all[i]);
    }
    free(all);
    return err;
}
