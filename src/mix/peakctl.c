/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * peakctl.c — gentle peak control of speech clips (peakctl.h): the master
 * limiter's look-ahead true-peak detector and envelope (limiter.c), run
 * offline over one clip with a lower threshold and a longer release.
 * Reusing it keeps one tested limiter in the program rather than two.
 * The search for a clip's threshold runs the detector once (it does not
 * depend on the threshold), measures the clip once with libebur128, and
 * then derives the loudness after each trial from the gain the control
 * applies, guided by a model of the control at 10 ms resolution: on
 * espeak-ng's speech one trial is usually enough.
 */
#include "peakctl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "asanavox/error.h"
#include "dsp/kernels.h"
#include "limiter.h"
#include "loudness.h"
#include "scratch.h"

enum { BLOCK = 4096 };

/* Change the number when the control changes what it does, or where the
 * mixer runs it (the clip store's controlled speech is keyed by it): 4
 * controlled every clip at the voice's rate, 5 only where
 * peakctl_at_native() says, 6 from silence before the clip (a peak in
 * its first 5 ms is held too) and for any clip whose true peak is over. */
#define STR_(x) #x
#define STR(x) STR_(x)
const char *peakctl_version(void)
{
    return "peakctl 6 plr " STR(PEAKCTL_SPEECH_PLR_DB) " release " STR(PEAKCTL_RELEASE_MS);
}

/* The limiter's attack averages the envelope of the LA - 1 frames before
 * each frame (limiter.h), and a fresh limiter takes those as 1: a peak in
 * the first LA frames of a clip would be lowered only in part (on the
 * library's cues, espeak-ng's clips open with a click 2 ms in, which stood
 * up to 3.6 dB over the threshold).  So the control runs from PRE(la) =
 * la - 1 frames of silence before the clip: their envelope comes from hold
 * windows that see the clip's first peaks, as for a clip in the middle of
 * a stream, and their output (silence) is dropped. */
#define PRE(la) ((size_t)(la) - 1)

int peakctl_apply(float *s, size_t n, int rate, float threshold)
{
    if (threshold <= 0.0f || n == 0 || rate <= 0)
        return AV_OK;
    struct limiter l;
    int err = limiter_init(&l, rate, 20.0 * log10((double)threshold), true, BLOCK);
    if (err)
        return err;
    l.release = 1.0 - exp(-1.0 / (PEAKCTL_RELEASE_MS / 1000.0 * rate));
    /* limiter_run() reads LIM_TP_HALF frames before each block and
     * span - LIM_TP_HALF after it: the clip with silence around (PRE
     * frames of it first), copied a block ahead into a window (a copy of
     * the whole clip cost more in fresh pages than the limiting).  The
     * virtual frame v is the clip's frame v - pre.  Frames from
     * t + len - pre on are still the input when the block at t is written
     * (through y, a block, to s). */
    const size_t pre = PRE(l.la), span = LIM_TP_HALF + (size_t)l.la - 1 + LIM_TP_HALF;
    float *x = malloc((BLOCK + span + BLOCK) * sizeof(float));
    if (!x) {
        limiter_deinit(&l);
        return AV_ENOMEM;
    }
    float *y = x + BLOCK + span;
    size_t have = 0; /* x[0 .. have) holds the frames from t - LIM_TP_HALF */
    for (size_t t = 0; t < pre + n; t += BLOCK) {
        size_t len = pre + n - t < BLOCK ? pre + n - t : BLOCK;
        for (size_t i = have; i < len + span; i++) {
            size_t f = t + i; /* the virtual frame f - LIM_TP_HALF */
            x[i] = f >= LIM_TP_HALF + pre && f - LIM_TP_HALF - pre < n ? s[f - LIM_TP_HALF - pre]
                                                                        : 0.0f;
        }
        limiter_run(&l, x, len, y);
        size_t skip = t < pre ? pre - t : 0; /* the silence before the clip */
        if (skip < len)
            memcpy(s + t + skip - pre, y + skip, (len - skip) * sizeof(float));
        memmove(x, x + len, span * sizeof(float));
        have = span;
    }
    free(x);
    limiter_deinit(&l);
    return AV_OK;
}

/* A clip ready to be limited with many thresholds: the clip with the
 * silence around it that the detector reads, and the detector's values,
 * which do not depend on the threshold (limiter.h), computed once. */
struct tp_clip {
    float *x;  /* LIM_TP_HALF + pre + n + la - 1 + LIM_TP_HALF */
    float *tp; /* pre + n + la - 1: tp[pre + i] is the clip's frame i */
    float *drop; /* BLOCK: the output of the blocks that start before the clip */
    size_t n, pre, count; /* count: tp's length */
    int rate;
};

/* The scratch slots (scratch.h) of a tp_clip's two long buffers. */
enum { SLOT_X = 0, SLOT_TP = 1 };

static void tp_clip_free(struct tp_clip *c)
{
    if (c->x)
        scratch_give(SLOT_X);
    if (c->tp)
        scratch_give(SLOT_TP);
    free(c->drop);
    c->x = c->tp = c->drop = NULL; /* safe to free again */
}

static int tp_clip_make(const float *s, size_t n, int rate, struct tp_clip *c)
{
    memset(c, 0, sizeof(*c));
    struct limiter l;
    int err = limiter_init(&l, rate, 0.0, true, 1);
    if (err)
        return err;
    const size_t la = (size_t)l.la, pre = PRE(la), count = pre + n + la - 1;
    const size_t head = LIM_TP_HALF + pre, tail = la - 1 + LIM_TP_HALF;
    c->x = scratch_take(SLOT_X, (head + n + tail) * sizeof(float));
    c->tp = scratch_take(SLOT_TP, count * sizeof(float));
    c->drop = malloc(BLOCK * sizeof(float));
    if (c->x && c->tp && c->drop) {
        memset(c->x, 0, head * sizeof(float));
        memcpy(c->x + head, s, n * sizeof(float));
        memset(c->x + head + n, 0, tail * sizeof(float));
        limiter_true_peaks(&l, c->x, count, c->tp);
        c->n = n;
        c->pre = pre;
        c->count = count;
        c->rate = rate;
    } else {
        tp_clip_free(c);
        err = AV_ENOMEM;
    }
    limiter_deinit(&l);
    return err;
}

/* The clip's true peak as the detector reads it (its largest value). */
static float tp_clip_top(const struct tp_clip *c)
{
    return c->tp ? kern_absmax(c->tp, c->count) : 0.0f;
}

/* y[0 .. n) = the clip after peakctl_apply() with `threshold` (> 0): the
 * same samples, from the detector's values computed once. */
static int tp_clip_apply(const struct tp_clip *c, float threshold, float *y)
{
    struct limiter l;
    int err = limiter_init(&l, c->rate, 20.0 * log10((double)threshold), true, BLOCK);
    if (err)
        return err;
    l.release = 1.0 - exp(-1.0 / (PEAKCTL_RELEASE_MS / 1000.0 * c->rate));
    /* The silence before the clip first (peakctl_apply()), dropped, in
     * the same blocks as there: the envelope carries its state from one
     * block to the next through a rounding, so the same blocks give the
     * same samples. */
    for (size_t t = 0; t < c->pre + c->n; t += BLOCK) {
        size_t len = c->pre + c->n - t < BLOCK ? c->pre + c->n - t : BLOCK;
        float *out = t < c->pre ? c->drop : y + (t - c->pre);
        limiter_run_peaks(&l, c->x + LIM_TP_HALF + t, c->tp + t, len, out);
        if (t < c->pre && c->pre - t < len)
            memcpy(y, out + (c->pre - t), (len - (c->pre - t)) * sizeof(float));
    }
    limiter_deinit(&l);
    return AV_OK;
}

/* The profile of the controlled clip y, from the profile p0 of the clip
 * x before control, without measuring y again: the control only scales
 * samples by a smooth gain g (attack 5 ms, release 80 ms), so the
 * K-weighted energy of a 10 ms bin scales very nearly as its plain
 * energy, sum(g^2 x^2) / sum(x^2) = sum(y^2) / sum(x^2).  The K-weighting
 * filter (libebur128's) has a memory of a few ms and the gain hardly
 * moves within that, so the figures this gives agree with libebur128's
 * own measurement of y within a few hundredths of a LU (checked by
 * test_mixer_peak).  ex[b] is sum(x^2) of bin b; out's arrays have
 * p0->n bins. */
static void profile_after(const struct loud_profile *p0, const double *ex, const float *y,
                          size_t n, int rate, struct loud_profile *out)
{
    const size_t step = (size_t)rate / 100;
    for (size_t b = 0; b < p0->n; b++) {
        size_t i = b * step, len = i + step <= n ? step : n - i;
        double e = kern_sumsq(y + i, len);
        float pk = kern_absmax(y + i, len);
        out->ms[b] = ex[b] > 0.0 ? (float)((double)p0->ms[b] * (e / ex[b])) : p0->ms[b];
        out->peak[b] = pk * 1.06f; /* as loud_profile() */
    }
    out->n = p0->n;
    out->bin_seconds = p0->bin_seconds;
}

/* The model of the control at the profile's resolution (speech_control()):
 * per 10 ms bin, the largest of the detector's values and the clip's
 * K-weighted energy; the gain per bin the least the bin's peak asks for,
 * released as the control releases. */
struct model {
    const struct loud_profile *p0;
    float *bin_tp; /* p0->n */
    struct loud_profile q; /* p0 with the model's gains: q.ms scratch */
    float *env;    /* scratch, p0->n */
    double release; /* per bin */
};

/* The model's h(t). */
static double model_h(struct model *m, double plr, double t)
{
    const float c = (float)pow(10.0, t / 20.0);
    double e = 1.0;
    for (size_t b = 0; b < m->p0->n; b++) {
        e += (1.0 - e) * m->release;
        if (m->bin_tp[b] > c && c / m->bin_tp[b] < e)
            e = c / m->bin_tp[b];
        m->q.ms[b] = (float)((double)m->p0->ms[b] * e * e);
    }
    return t - loud_clip_lufs(&m->q, 1.0, 0.0, m->env) - plr;
}

/* The root of model_h(t) + delta on [lo, hi] (an end when it has none
 * there), by bisection to 0.001 dB: the model costs little. */
static double model_root(struct model *m, double plr, double delta, double lo, double hi)
{
    while (hi - lo > 0.001) {
        double mid = 0.5 * (lo + hi);
        double h = model_h(m, plr, mid);
        if (!isfinite(h))
            return mid;
        if (h + delta > 0.0)
            hi = mid;
        else
            lo = mid;
    }
    return 0.5 * (lo + hi);
}

/* The search (peakctl.h).  s is controlled in place when `apply`; *prof
 * (when not NULL) is the profile after the control. */
static int speech_control(float *s, size_t n, int rate, pthread_mutex_t *init_lock, bool apply,
                          float *threshold, struct loud_profile *prof)
{
    *threshold = 0.0f;
    if (prof)
        memset(prof, 0, sizeof(*prof));
    struct loud_profile p0, pa = {0};
    int err = loud_profile(s, n, rate, init_lock, &p0);
    if (err)
        return err;
    struct tp_clip c = {0};
    struct model md = {0};
    float *w = NULL, *scratch = NULL;
    double *ex = NULL;
    double l0 = -HUGE_VAL;
    if (p0.n) {
        scratch = malloc(p0.n * sizeof(float));
        if (!scratch) {
            err = AV_ENOMEM;
            goto fail;
        }
        l0 = loud_clip_lufs(&p0, 1.0, 0.0, scratch);
    }
    /* A clip whose true peak (the detector's, which the control holds)
     * is within the ratio needs no control.  Not the sample peak: the
     * true peak of content near Nyquist stands up to a few dB above it. */
    if (isfinite(l0)) {
        err = tp_clip_make(s, n, rate, &c);
        if (err)
            goto fail;
    }
    const double plr = PEAKCTL_SPEECH_PLR_DB;
    if (!isfinite(l0) || 20.0 * log10((double)tp_clip_top(&c) + 1e-30) - l0 <= plr) {
        if (prof) {
            *prof = p0; /* no control: the clip's own profile */
            p0 = (struct loud_profile){0};
        }
        goto fail;
    }
    const size_t step = (size_t)rate / 100;
    /* The control's output goes straight to the caller's samples when it
     * is to be applied: the control reads the clip from c.x, and the
     * energies before control (ex) are taken just below. */
    w = apply ? s : malloc(n * sizeof(float));
    ex = malloc(p0.n * sizeof(double));
    pa.ms = malloc(p0.n * sizeof(float));
    pa.peak = malloc(p0.n * sizeof(float));
    if (!w || !ex || !pa.ms || !pa.peak) {
        err = AV_ENOMEM;
        goto fail;
    }
    for (size_t b = 0; b < p0.n; b++) {
        size_t i = b * step, len = i + step <= n ? step : n - i;
        ex[b] = kern_sumsq(s + i, len);
    }
    md.p0 = &p0;
    md.bin_tp = malloc(p0.n * sizeof(float));
    md.q = p0;
    md.q.ms = malloc(p0.n * sizeof(float));
    md.env = scratch;
    if (!md.bin_tp || !md.q.ms) {
        err = AV_ENOMEM;
        goto fail;
    }
    md.release = 1.0 - exp(-p0.bin_seconds / (PEAKCTL_RELEASE_MS / 1000.0));
    for (size_t b = 0; b < p0.n; b++) {
        size_t i = b * step, len = i + step <= n ? step : n - i;
        md.bin_tp[b] = kern_absmax(c.tp + c.pre + i, len); /* the values are >= 0 */
    }
    /* h(t) = t - lufs_after(t) - plr is increasing in the threshold t (dB):
     * limiting by d dB lowers the loudness by less than d; h(t0) >= 0 at
     * t0 = l0 + plr, where the control has barely begun.  Each real step
     * (the control over the whole clip) costs far more than the model of
     * it (struct model: the control at 10 ms resolution), whose h reads
     * within about 0.1 dB of the real one on espeak-ng's speech.  So the
     * first step goes to the model's root, which is usually within the
     * tolerance already (on the 59 cues of bench/gen-session.sh's 30-min
     * session, 54 of 59; five secant steps from t0 were needed before),
     * and the second to the model's root moved by the model's error at
     * the first.  Where the model's slope is wrong, the next steps are
     * secant steps between the last two real ones.  The real steps
     * bracket the root on [lo, hi]; a step outside it falls back to
     * bisection.  The tolerance, 0.1 dB, is what peakctl.h promises. */
    double lo = l0 + plr - 40.0, hi = l0 + plr, t = model_root(&md, plr, 0.0, lo, hi);
    double done_t = NAN; /* the threshold w and pa hold */
    double prev_t = 0.0, prev_h = 0.0;
    for (int k = 0; k < 12; k++) {
        err = tp_clip_apply(&c, (float)pow(10.0, t / 20.0), w);
        if (err)
            goto fail;
        profile_after(&p0, ex, w, n, rate, &pa);
        done_t = t;
        double l = loud_clip_lufs(&pa, 1.0, 0.0, scratch);
        if (!isfinite(l))
            break;
        double h = t - l - plr;
        if (fabs(h) <= 0.1)
            break;
        if (h > 0.0)
            hi = t;
        else
            lo = t;
        double next = k == 0 ? model_root(&md, plr, h - model_h(&md, plr, t), lo, hi)
                             : t - h * (t - prev_t) / (h - prev_h);
        if (!(next > lo && next < hi))
            next = 0.5 * (lo + hi);
        prev_t = t;
        prev_h = h;
        t = next;
    }
    *threshold = (float)pow(10.0, t / 20.0);
    if (done_t != t) {
        err = tp_clip_apply(&c, *threshold, w);
        if (err)
            goto fail;
        profile_after(&p0, ex, w, n, rate, &pa);
    }
    if (prof) {
        *prof = pa;
        pa = (struct loud_profile){0};
    }
fail:
    if (err)
        *threshold = 0.0f;
    tp_clip_free(&c);
    free(md.bin_tp);
    free(md.q.ms);
    if (w != s)
        free(w);
    free(ex);
    free(scratch);
    loud_profile_free(&pa);
    loud_profile_free(&p0);
    return err;
}

int peakctl_speech_threshold(const float *s, size_t n, int rate, pthread_mutex_t *init_lock,
                             float *threshold)
{
    /* Not applied: s is only read. */
    return speech_control((float *)s, n, rate, init_lock, false, threshold, NULL);
}

int peakctl_speech(float *s, size_t n, int rate, pthread_mutex_t *init_lock, float *threshold,
                   struct loud_profile *prof)
{
    return speech_control(s, n, rate, init_lock, true, threshold, prof);
}
