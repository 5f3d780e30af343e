/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * peakctl.c — gentle peak control of speech clips (peakctl.h): the master
 * limiter's look-ahead true-peak detector and envelope (limiter.c), run
 * offline over one clip with a lower threshold and a longer release.
 * Reusing it keeps one tested limiter in the program rather than two.
 */
#include "peakctl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "asanavox/error.h"
#include "limiter.h"
#include "loudness.h"

enum { BLOCK = 4096 };

/* Change the number when the control changes what it does. */
#define STR_(x) #x
#define STR(x) STR_(x)
const char *peakctl_version(void)
{
    return "peakctl 1 plr " STR(PEAKCTL_SPEECH_PLR_DB) " release " STR(PEAKCTL_RELEASE_MS);
}

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
     * la - 1 + LIM_TP_HALF after it: the clip with silence around. */
    const size_t pre = LIM_TP_HALF, post = (size_t)l.la - 1 + LIM_TP_HALF;
    float *x = calloc(pre + n + post, sizeof(float));
    if (!x) {
        limiter_deinit(&l);
        return AV_ENOMEM;
    }
    memcpy(x + pre, s, n * sizeof(float));
    for (size_t t = 0; t < n; t += BLOCK)
        limiter_run(&l, x + t, n - t < BLOCK ? n - t : BLOCK, s + t);
    free(x);
    limiter_deinit(&l);
    return AV_OK;
}

/* Integrated loudness of a clip as the mixer measures clips (loudness.h:
 * short clips looped to 2 s), -HUGE_VAL for silence. */
static int clip_lufs(const float *s, size_t n, int rate, pthread_mutex_t *init_lock, double *lufs)
{
    struct loud_profile p;
    int err = loud_profile(s, n, rate, init_lock, &p);
    if (err)
        return err;
    *lufs = -HUGE_VAL;
    if (p.n) {
        float *scratch = malloc(p.n * sizeof(float));
        if (!scratch) {
            loud_profile_free(&p);
            return AV_ENOMEM;
        }
        *lufs = loud_clip_lufs(&p, 1.0, 0.0, scratch);
        free(scratch);
    }
    loud_profile_free(&p);
    return AV_OK;
}

int peakctl_speech_threshold(const float *s, size_t n, int rate, pthread_mutex_t *init_lock,
                             float *threshold)
{
    *threshold = 0.0f;
    double l0;
    int err = clip_lufs(s, n, rate, init_lock, &l0);
    if (err || !isfinite(l0))
        return err;
    /* The sample peak is a lower bound of the true peak, and the true
     * peak exceeds it by well under 1 dB in speech: a clip whose sample
     * peak is 1 dB or more within the ratio needs no control. */
    float peak = 0.0f;
    for (size_t i = 0; i < n; i++)
        peak = fabsf(s[i]) > peak ? fabsf(s[i]) : peak;
    const double plr = PEAKCTL_SPEECH_PLR_DB;
    if (20.0 * log10((double)peak + 1e-30) - l0 <= plr - 1.0)
        return AV_OK;
    float *w = malloc(n * sizeof(float));
    if (!w)
        return AV_ENOMEM;
    /* h(t) = t - lufs_after(t) - plr is increasing in the threshold t (dB):
     * limiting by d dB lowers the loudness by less than d.  Secant steps
     * from t0 = l0 + plr, where h(t0) = l0 - lufs_after(t0) >= 0, and
     * from the line of slope 1 through it, bracketed on [lo, t0]. */
    double t = l0 + plr, prev_t = 0.0, prev_h = 0.0, lo = l0 + plr - 40.0, hi = t;
    for (int k = 0; k < 12; k++) {
        memcpy(w, s, n * sizeof(float));
        err = peakctl_apply(w, n, rate, (float)pow(10.0, t / 20.0));
        double l = -HUGE_VAL;
        if (!err)
            err = clip_lufs(w, n, rate, init_lock, &l);
        if (err || !isfinite(l))
            break;
        double h = t - l - plr;
        if (fabs(h) <= 0.05)
            break;
        if (h > 0.0)
            hi = t;
        else
            lo = t;
        double next = k == 0 || h == prev_h ? t - h : t - h * (t - prev_t) / (h - prev_h);
        if (!(next > lo && next < hi))
            next = 0.5 * (lo + hi);
        prev_t = t;
        prev_h = h;
        t = next;
    }
    free(w);
    if (!err)
        *threshold = (float)pow(10.0, t / 20.0);
    return err;
}
