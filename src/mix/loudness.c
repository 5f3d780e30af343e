/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * loudness.c — measuring clips and predicting a session's loudness
 * (loudness.h).
 */
#include "loudness.h"

#include <ebur128.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "asanavox/error.h"
#include "asanavox/mixer.h"

enum {
    HIST_BINS = 1000,   /* block loudness -70 .. +30 LUFS in 0.1 LU steps */
};

#define ABS_GATE (-70.0)
#define BIN_SECONDS 0.1 /* EBU R128 blocks: 400 ms every 100 ms */

double mix_clip_loudness(const float *samples, size_t frames, int rate)
{
    if (!samples || frames == 0 || rate <= 0)
        return -HUGE_VAL;
    ebur128_state *st = ebur128_init(1, (unsigned long)rate, EBUR128_MODE_I);
    if (!st)
        return -HUGE_VAL;
    size_t total = 0;
    const size_t want = (size_t)rate * 2;
    do {
        ebur128_add_frames_float(st, samples, frames);
        total += frames;
    } while (total < want);
    double l = -HUGE_VAL;
    if (ebur128_loudness_global(st, &l) != EBUR128_SUCCESS || !isfinite(l))
        l = -HUGE_VAL;
    ebur128_destroy(&st);
    return l;
}

int loud_profile(const float *s, size_t n, int rate, pthread_mutex_t *init_lock,
                 struct loud_profile *out)
{
    memset(out, 0, sizeof(*out));
    size_t step = (size_t)rate / 100;
    if (step == 0 || n == 0)
        return AV_OK;
    if (init_lock)
        pthread_mutex_lock(init_lock);
    ebur128_state *st = ebur128_init(1, (unsigned long)rate, EBUR128_MODE_M);
    if (init_lock)
        pthread_mutex_unlock(init_lock);
    if (!st)
        return AV_ENOMEM;
    size_t bins = (n + step - 1) / step;
    out->ms = malloc(bins * sizeof(float));
    out->peak = malloc(bins * sizeof(float));
    if (!out->ms || !out->peak) {
        ebur128_destroy(&st);
        loud_profile_free(out);
        return AV_ENOMEM;
    }
    for (size_t b = 0; b < bins; b++) {
        size_t i = b * step, len = i + step <= n ? step : n - i;
        double l = -HUGE_VAL;
        ebur128_add_frames_float(st, s + i, len);
        if (ebur128_loudness_window(st, 10, &l) != EBUR128_SUCCESS || !isfinite(l))
            out->ms[b] = 0.0f;
        else
            out->ms[b] = (float)pow(10.0, (l + 0.691) / 10.0);
        float pk = 0.0f;
        for (size_t k = i; k < i + len; k++) {
            float a = fabsf(s[k]);
            pk = a > pk ? a : pk;
        }
        /* between samples the signal can rise a little above them */
        out->peak[b] = pk * 1.06f;
    }
    ebur128_destroy(&st);
    out->n = bins;
    out->bin_seconds = (double)step / rate;
    return AV_OK;
}

const char *loud_profile_version(void)
{
    return "profile v1: 10 ms bins, K-weighted mean square, sample peak x1.06";
}

void loud_profile_free(struct loud_profile *p)
{
    free(p->ms);
    free(p->peak);
    memset(p, 0, sizeof(*p));
}

void loud_limit_env(const struct loud_profile *p, double gain, double ceiling, float *env)
{
    /* The mixer's limiter releases over 50 ms; its 5 ms attack is inside
     * a bin. */
    const double r = 1.0 - exp(-p->bin_seconds / 0.05);
    double e = 1.0;
    for (size_t b = 0; b < p->n; b++) {
        e += (1.0 - e) * r;
        double pk = (double)p->peak[b] * gain;
        if (ceiling > 0.0 && pk > ceiling && ceiling / pk < e)
            e = ceiling / pk;
        env[b] = (float)e;
    }
}

/* EBU R128 integrated loudness of a sequence of bins of equal length:
 * blocks of `per_block` bins every `per_step` bins. */
static double gated(const double *ms, size_t n, size_t per_block, size_t per_step)
{
    if (n < per_block)
        return -HUGE_VAL;
    double sum_all = 0.0, n_all = 0.0;
    for (int pass = 0; pass < 2; pass++) {
        double thr = pass == 0 ? ABS_GATE : -0.691 + 10.0 * log10(sum_all / n_all) - 10.0;
        double sum = 0.0, cnt = 0.0, acc = 0.0;
        for (size_t i = 0; i < per_block; i++)
            acc += ms[i];
        for (size_t b = 0; b + per_block <= n; b += per_step) {
            if (b) {
                for (size_t i = b - per_step; i < b; i++)
                    acc -= ms[i];
                for (size_t i = b + per_block - per_step; i < b + per_block; i++)
                    acc += ms[i];
            }
            double m = acc / (double)per_block;
            if (m > 0.0 && -0.691 + 10.0 * log10(m) >= thr) {
                sum += m;
                cnt += 1.0;
            }
        }
        if (cnt == 0.0)
            return -HUGE_VAL;
        if (pass == 0) {
            sum_all = sum;
            n_all = cnt;
        } else {
            return -0.691 + 10.0 * log10(sum / cnt);
        }
    }
    return -HUGE_VAL;
}

double loud_clip_lufs(const struct loud_profile *p, double gain, double ceiling, float *env)
{
    if (!p->n)
        return -HUGE_VAL;
    loud_limit_env(p, gain, ceiling, env);
    /* 400 ms blocks every 100 ms, in bins; loop short clips to 2 s. */
    size_t per_block = (size_t)lround(0.4 / p->bin_seconds);
    size_t per_step = (size_t)lround(0.1 / p->bin_seconds);
    size_t want = (size_t)lround(2.0 / p->bin_seconds);
    size_t n = p->n < want ? (want + p->n - 1) / p->n * p->n : p->n;
    if (per_block == 0 || per_step == 0)
        return -HUGE_VAL;
    double *ms = malloc(n * sizeof(double));
    if (!ms)
        return -HUGE_VAL;
    const double g2 = gain * gain;
    for (size_t i = 0; i < n; i++) {
        size_t b = i % p->n;
        ms[i] = (double)p->ms[b] * g2 * (double)env[b] * (double)env[b];
    }
    double l = gated(ms, n, per_block, per_step);
    free(ms);
    return l;
}

double loud_solve_gain(const struct loud_profile *p, double target, double ceiling, float *env)
{
    double l0 = loud_clip_lufs(p, 1.0, 0.0, env);
    if (!isfinite(l0))
        return 1.0;
    const double lo = -60.0, hi = 40.0;
    double db = target - l0;
    for (int it = 0; it < 8; it++) {
        db = db < lo ? lo : db > hi ? hi : db;
        double l = loud_clip_lufs(p, pow(10.0, db / 20.0), ceiling, env);
        if (!isfinite(l))
            break;
        double step = target - l;
        if (fabs(step) < 0.02)
            break;
        db += step;
    }
    db = db < lo ? lo : db > hi ? hi : db;
    return pow(10.0, db / 20.0);
}

/* ---- session prediction ---------------------------------------------------- */

struct loud_predict {
    int channels;
    size_t ring_n;
    double *ring;          /* energy integrals (ms * seconds) of open bins */
    int64_t final;         /* first bin not yet finalized */
    int64_t max_touched;   /* last bin that received energy, or -1 */
    double last[4];        /* the last four finalized bins */
    double hist_e[HIST_BINS];
    double hist_n[HIST_BINS];
};

int loud_predict_create(double longest_seconds, int channels, struct loud_predict **out)
{
    if (!(longest_seconds >= 0.0) || longest_seconds > 86400.0 || channels < 1)
        return AV_EINVAL;
    struct loud_predict *p = calloc(1, sizeof(*p));
    if (!p)
        return AV_ENOMEM;
    p->channels = channels;
    p->ring_n = (size_t)ceil(longest_seconds / BIN_SECONDS) + 8;
    p->ring = calloc(p->ring_n, sizeof(double));
    if (!p->ring) {
        free(p);
        return AV_ENOMEM;
    }
    p->max_touched = -1;
    *out = p;
    return AV_OK;
}

void loud_predict_destroy(struct loud_predict *p)
{
    if (!p)
        return;
    free(p->ring);
    free(p);
}

static void finalize_bin(struct loud_predict *p, int64_t j)
{
    double *slot = &p->ring[(size_t)(j % (int64_t)p->ring_n)];
    double e = *slot;
    *slot = 0.0;
    p->last[0] = p->last[1];
    p->last[1] = p->last[2];
    p->last[2] = p->last[3];
    p->last[3] = e;
    if (j < 3)
        return;
    double ms = (p->last[0] + p->last[1] + p->last[2] + p->last[3]) / (4 * BIN_SECONDS);
    ms *= p->channels; /* the same signal on every channel */
    if (!(ms > 0.0))
        return;
    double l = -0.691 + 10.0 * log10(ms);
    if (l < ABS_GATE)
        return;
    int k = (int)floor((l - ABS_GATE) * 10.0);
    if (k >= HIST_BINS)
        k = HIST_BINS - 1;
    p->hist_e[k] += ms;
    p->hist_n[k] += 1.0;
}

/* Finalize every bin before `limit`, skipping stretches of silence. */
static void finalize_to(struct loud_predict *p, int64_t limit)
{
    while (p->final < limit) {
        if (p->final > p->max_touched + 4) {
            p->final = limit;
            memset(p->last, 0, sizeof(p->last));
            break;
        }
        finalize_bin(p, p->final++);
    }
}

void loud_predict_add(struct loud_predict *p, double start, const struct loud_profile *prof,
                      double gain, const float *env)
{
    const double gain2 = gain * gain;
    if (!prof->n || !(gain2 > 0.0))
        return;
    int64_t first = (int64_t)floor(start / BIN_SECONDS);
    finalize_to(p, first);
    double d = prof->bin_seconds;
    for (size_t k = 0; k < prof->n; k++) {
        double e = (double)prof->ms[k] * gain2;
        if (env)
            e *= (double)env[k] * (double)env[k];
        if (!(e > 0.0))
            continue;
        double t0 = start + (double)k * d, t1 = t0 + d;
        int64_t b0 = (int64_t)floor(t0 / BIN_SECONDS);
        int64_t b1 = (int64_t)floor(t1 / BIN_SECONDS);
        if (b0 < p->final)
            b0 = p->final; /* cannot happen for start-ordered adds */
        for (int64_t b = b0; b <= b1; b++) {
            double lo = (double)b * BIN_SECONDS, hi = lo + BIN_SECONDS;
            double ov = (t1 < hi ? t1 : hi) - (t0 > lo ? t0 : lo);
            if (ov <= 0.0)
                continue;
            if (b - p->final >= (int64_t)p->ring_n)
                break; /* longer than announced: drop the excess */
            p->ring[(size_t)(b % (int64_t)p->ring_n)] += e * ov;
            if (b > p->max_touched)
                p->max_touched = b;
        }
    }
}

double loud_predict_finish(struct loud_predict *p)
{
    finalize_to(p, p->max_touched + 4);
    double e = 0.0, n = 0.0;
    for (int k = 0; k < HIST_BINS; k++) {
        e += p->hist_e[k];
        n += p->hist_n[k];
    }
    if (n == 0.0)
        return -HUGE_VAL;
    double rel = -0.691 + 10.0 * log10(e / n) - 10.0;
    e = n = 0.0;
    for (int k = 0; k < HIST_BINS; k++) {
        double centre = ABS_GATE + (k + 0.5) / 10.0;
        if (centre < rel)
            continue;
        e += p->hist_e[k];
        n += p->hist_n[k];
    }
    if (n == 0.0)
        return -HUGE_VAL;
    return -0.691 + 10.0 * log10(e / n);
}
