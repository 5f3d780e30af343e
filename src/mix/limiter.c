/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * limiter.c — the look-ahead true-peak limiter (limiter.h): a 4x
 * oversampled peak detector, a van Herk min-filter hold, release and a
 * moving-average attack.
 */
#include "limiter.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "asanavox/error.h"
#include "dsp/kernels.h"

static const double PI = 3.14159265358979323846;

enum { SUB = 32 }; /* detector sub-block for the quiet test */
/* A sub-block's positions read at most two chunks of SUB samples. */
_Static_assert(2 * LIM_TP_HALF <= SUB, "the interpolator's support fits in two chunks");

static void tp_init(struct limiter *l)
{
    float bound = 1.0f;
    for (int ph = 1; ph <= 3; ph++) {
        double c[LIM_TP_TAPS], sum = 0.0;
        for (int i = 0; i < LIM_TP_TAPS; i++) {
            /* tap i multiplies x[k - LIM_TP_HALF + 1 + i]; the point is k + ph/4 */
            double d = (double)(i - (LIM_TP_HALF - 1)) - ph / 4.0;
            double sinc = fabs(d) < 1e-12 ? 1.0 : sin(PI * d) / (PI * d);
            double w = 0.5 * (1.0 + cos(PI * d / LIM_TP_HALF));
            c[i] = sinc * w;
            sum += c[i];
        }
        double abs_sum = 0.0;
        for (int i = 0; i < LIM_TP_TAPS; i++) {
            c[i] /= sum;
            l->tp_coef[ph - 1][i] = (float)c[i];
            abs_sum += fabs((float)c[i]);
        }
        if ((float)abs_sum > bound)
            bound = (float)abs_sum;
    }
    l->tp_bound = bound * 1.001f;
}

/* cmax[k] = the largest |x| over x[1 + k SUB .. (k + 1) SUB], cut at
 * x[last]: every x a detector position reads, once.  Returns the number
 * of chunks. */
static size_t chunk_max(struct limiter *l, const float *x, size_t last)
{
    size_t k = 0;
    for (size_t a = 1; a <= last; a += SUB, k++)
        l->cmax[k] = kern_absmax(x + a, a + SUB <= last + 1 ? SUB : last + 1 - a);
    return k;
}

/* g[s] = the gain that brings true peak tp[s] down to the ceiling `c`
 * (1 where it is under); whether any is below 1.  detect() and
 * limiter_run_peaks() share it, so both give the same gains. */
static bool gains(float c, const float *tp, size_t n, float *g)
{
    bool any = false;
    for (size_t s = 0; s < n; s++) {
        g[s] = tp[s] > c ? c / tp[s] : 1.0f;
        any = any || g[s] < 1.0f;
    }
    return any;
}

/* greq for `count` detector positions; position s is frame t0 + s, at
 * x[s + LIM_TP_HALF], and reads x[s + 1 .. s + 2 LIM_TP_HALF].  Returns
 * whether any needs a gain below 1.  A sub-block of SUB positions starting
 * at j = k SUB reads only chunks k and k + 1 of chunk_max(): when both are
 * below ceiling / tp_bound, no value interpolated there can reach the
 * ceiling, and its gains are 1 (as the interpolation would find). */
static bool detect(struct limiter *l, const float *x, size_t count, size_t chunks)
{
    const float c = l->ceiling;
    bool any = false;
    for (size_t j = 0; j < count; j += SUB) {
        size_t len = j + SUB < count ? SUB : count - j;
        size_t k = j / SUB;
        float m = l->cmax[k];
        if (k + 1 < chunks && l->cmax[k + 1] > m)
            m = l->cmax[k + 1];
        if (m * l->tp_bound < c) {
            for (size_t s = 0; s < len; s++)
                l->greq[j + s] = 1.0f;
            continue;
        }
        float peak[SUB];
        limiter_true_peaks(l, x + j, len, peak);
        any = gains(c, peak, len, l->greq + j) || any;
    }
    return any;
}

/* hold[s] = min(greq[s .. s + la - 1]) for s < n, by doubling: after the
 * pass for width w, m[i] = min(greq[i .. i + w - 1]), and two such windows
 * overlapping cover la.  About log2(la) passes of vector minima, rather
 * than the two running minima of van Herk / Gil-Werman
 * (fewer operations, but each waiting on the one before).  A minimum is
 * exact in any order: the same hold either way. */
static void hold_min(struct limiter *l, size_t n)
{
    size_t la = (size_t)l->la, valid = n + la - 1, w = 1;
    const float *m = l->greq;
    float *buf[2] = {l->pre, l->suf};
    for (int k = 0; 2 * w <= la; k ^= 1, w *= 2) {
        float *out = buf[k];
        valid -= w;
        kern_min(out, m, m + w, valid);
        m = out;
    }
    kern_min(l->hold, m, m + la - w, n);
}

/* The gains from l->greq (when `reduce`: hold_min() not yet run) to y:
 * hold, release and attack, for the n frames whose input is xs[0 .. n). */
static void envelope(struct limiter *l, const float *xs, size_t n, bool reduce, float *y)
{
    size_t la = (size_t)l->la;
    if (!reduce && l->env_prev == 1.0 && l->ebuf_ones) {
        memcpy(y, xs, n * sizeof(float));
        return;
    }
    if (reduce)
        hold_min(l, n);
    /* The release, as the distance d = 1 - env shrinking by a constant
     * factor: exact in float (1 - env itself would stall below 1). */
    float d = 1.0f - (float)l->env_prev;
    const float keep = (float)(1.0 - l->release);
    float *eb = l->ebuf + (la - 1);
    if (reduce) {
        /* Without branches, which the hold's ups and downs made hard to
         * predict (where d is 0 and the hold 1, the steps leave d 0). */
        for (size_t s = 0; s < n; s++) {
            float r = 1.0f - l->hold[s], k = d * keep;
            k = k < 1e-4f ? 0.0f : k; /* within 0.001 dB: done releasing */
            d = r > k ? r : k;
            eb[s] = 1.0f - d;
        }
    } else {
        size_t s = 0;
        for (; s < n && d != 0.0f; s++) {
            d *= keep;
            if (d < 1e-4f)
                d = 0.0f;
            eb[s] = 1.0f - d;
        }
        for (; s < n; s++)
            eb[s] = 1.0f; /* d stays 0 */
    }
    l->env_prev = 1.0 - (double)d;
    double sum = 0.0;
    for (size_t i = 0; i + 1 < la; i++)
        sum += l->ebuf[i];
    const double inv = 1.0 / (double)la;
    /* While the sum is exactly la - 1 and a 1 comes in as a 1 goes out,
     * the loop below adds and takes away 1 exactly and uses the same g:
     * that stretch is done without the chain of additions. */
    const double steady = (double)(la - 1);
    float g1 = (float)((steady + 1.0) * inv);
    if (g1 > 1.0f)
        g1 = 1.0f;
    for (size_t t = 0; t < n; t++) {
        if (sum == steady) {
            while (t < n && l->ebuf[t + la - 1] == 1.0f && l->ebuf[t] == 1.0f) {
                y[t] = xs[t] * g1;
                t++;
            }
            if (t == n)
                break;
        }
        /* Every env value is a multiple of 2^-24 in [0, 1] (1 - d in
         * float, d in [0, 1]), so the difference below is exact in float
         * and every sum exact in double: one addition per frame gives
         * the sum that adding and then taking away gave, with half the
         * chain of dependent additions. */
        float g = (float)((sum + l->ebuf[t + la - 1]) * inv);
        if (g > 1.0f)
            g = 1.0f;
        y[t] = xs[t] * g;
        sum += l->ebuf[t + la - 1] - l->ebuf[t];
    }
    memmove(l->ebuf, l->ebuf + n, (la - 1) * sizeof(float));
    bool ones = true;
    for (size_t i = 0; i + 1 < la; i++)
        ones = ones && l->ebuf[i] == 1.0f;
    l->ebuf_ones = ones;
}

void limiter_run(struct limiter *l, const float *x, size_t n, float *y)
{
    const float *xs = x + LIM_TP_HALF;
    size_t la = (size_t)l->la;
    if (!l->enabled) {
        memcpy(y, xs, n * sizeof(float));
        return;
    }
    size_t count = n + la - 1;
    size_t chunks = chunk_max(l, x, count + 2 * LIM_TP_HALF - 1);
    float top = 0.0f;
    for (size_t k = 0; k < chunks; k++)
        top = l->cmax[k] > top ? l->cmax[k] : top;
    bool quiet = top * l->tp_bound < l->ceiling;
    bool reduce = !quiet && detect(l, x, count, chunks);
    envelope(l, xs, n, reduce, y);
}

void limiter_run_silent(struct limiter *l, const float *x, size_t n, float *y)
{
    const float *xs = x + LIM_TP_HALF;
    if (!l->enabled)
        memcpy(y, xs, n * sizeof(float));
    else
        envelope(l, xs, n, false, y); /* limiter_run() with top = 0: quiet */
}

void limiter_true_peaks(const struct limiter *l, const float *x, size_t count, float *p)
{
    for (size_t j = 0; j < count; j += SUB) {
        size_t len = j + SUB < count ? SUB : count - j;
        for (size_t s = 0; s < len; s++)
            p[j + s] = fabsf(x[j + s + LIM_TP_HALF]);
        /* detect() calls this too: the same sums in the same order. */
        for (int ph = 0; ph < 3; ph++)
            kern_fir_absmax(p + j, x + j + 1, l->tp_coef[ph], LIM_TP_TAPS, len);
    }
}

void limiter_run_peaks(struct limiter *l, const float *xs, const float *tp, size_t n, float *y)
{
    if (!l->enabled) {
        memcpy(y, xs, n * sizeof(float));
        return;
    }
    bool reduce = gains(l->ceiling, tp, n + (size_t)l->la - 1, l->greq);
    envelope(l, xs, n, reduce, y);
}

int limiter_init(struct limiter *l, int rate, double ceiling_dbtp, bool enabled, size_t block)
{
    memset(l, 0, sizeof(*l));
    l->enabled = enabled;
    l->block = block;
    l->la = rate / 200 > 1 ? rate / 200 : 1; /* 5 ms */
    l->ceiling = (float)pow(10.0, ceiling_dbtp / 20.0);
    l->release = 1.0 - exp(-1.0 / (0.05 * rate)); /* 50 ms */
    tp_init(l);
    size_t la = (size_t)l->la;
    l->greq = malloc((block + la) * sizeof(float));
    l->pre = malloc((block + la) * sizeof(float));
    l->suf = malloc((block + la) * sizeof(float));
    l->hold = malloc(block * sizeof(float));
    l->cmax = malloc(((block + la + 2 * LIM_TP_HALF) / SUB + 2) * sizeof(float));
    l->ebuf = malloc((block + la) * sizeof(float));
    if (!l->greq || !l->pre || !l->suf || !l->hold || !l->ebuf || !l->cmax) {
        limiter_deinit(l);
        return AV_ENOMEM;
    }
    limiter_reset(l);
    return AV_OK;
}

void limiter_deinit(struct limiter *l)
{
    free(l->greq);
    free(l->pre);
    free(l->suf);
    free(l->hold);
    free(l->ebuf);
    free(l->cmax);
    l->greq = l->pre = l->suf = l->hold = l->ebuf = l->cmax = NULL;
}

void limiter_reset(struct limiter *l)
{
    l->env_prev = 1.0;
    l->ebuf_ones = true;
    for (size_t i = 0; i + 1 < (size_t)l->la; i++)
        l->ebuf[i] = 1.0f;
}
