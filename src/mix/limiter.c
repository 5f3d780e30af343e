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

/* greq for `count` detector positions; position s is frame t0 + s, at
 * x[s + LIM_TP_HALF].  Returns whether any needs a gain below 1. */
static bool detect(struct limiter *l, const float *x, size_t count)
{
    const float c = l->ceiling;
    bool any = false;
    for (size_t j = 0; j < count; j += SUB) {
        size_t len = j + SUB < count ? SUB : count - j;
        /* The support of positions j .. j+len-1 is x[j + 1 .. j + len + 2 LIM_TP_HALF - 1]. */
        if (kern_absmax(x + j + 1, len + 2 * LIM_TP_HALF - 1) * l->tp_bound < c) {
            for (size_t s = 0; s < len; s++)
                l->greq[j + s] = 1.0f;
            continue;
        }
        float peak[SUB];
        for (size_t s = 0; s < len; s++)
            peak[s] = fabsf(x[j + s + LIM_TP_HALF]);
        for (int ph = 0; ph < 3; ph++) {
            float acc[SUB] = {0};
            for (int i = 0; i < LIM_TP_TAPS; i++)
                kern_axpy(acc, x + j + 1 + i, l->tp_coef[ph][i], len);
            for (size_t s = 0; s < len; s++) {
                float v = fabsf(acc[s]);
                peak[s] = v > peak[s] ? v : peak[s];
            }
        }
        for (size_t s = 0; s < len; s++) {
            float g = peak[s] > c ? c / peak[s] : 1.0f;
            any = any || g < 1.0f;
            l->greq[j + s] = g;
        }
    }
    return any;
}

/* hold[s] = min(greq[s .. s + la - 1]) for s < n (van Herk / Gil-Werman). */
static void hold_min(struct limiter *l, size_t n)
{
    size_t la = (size_t)l->la, len = n + la - 1;
    const float *g = l->greq;
    for (size_t b = 0; b < len; b += la) {
        size_t e = b + la < len ? b + la : len;
        l->pre[b] = g[b];
        for (size_t i = b + 1; i < e; i++)
            l->pre[i] = g[i] < l->pre[i - 1] ? g[i] : l->pre[i - 1];
        l->suf[e - 1] = g[e - 1];
        for (size_t i = e - 1; i > b; i--)
            l->suf[i - 1] = g[i - 1] < l->suf[i] ? g[i - 1] : l->suf[i];
    }
    for (size_t s = 0; s < n; s++) {
        float a = l->suf[s], b = l->pre[s + la - 1];
        l->hold[s] = a < b ? a : b;
    }
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
    bool quiet = kern_absmax(x, count + 2 * LIM_TP_HALF) * l->tp_bound < l->ceiling;
    bool reduce = !quiet && detect(l, x, count);
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
    for (size_t s = 0; s < n; s++) {
        d *= keep;
        if (d < 1e-4f) /* within 0.001 dB: done releasing */
            d = 0.0f;
        if (reduce && 1.0f - l->hold[s] > d)
            d = 1.0f - l->hold[s];
        eb[s] = 1.0f - d;
    }
    l->env_prev = 1.0 - (double)d;
    double sum = 0.0;
    for (size_t i = 0; i + 1 < la; i++)
        sum += l->ebuf[i];
    const double inv = 1.0 / (double)la;
    for (size_t t = 0; t < n; t++) {
        sum += l->ebuf[t + la - 1];
        float g = (float)(sum * inv);
        if (g > 1.0f)
            g = 1.0f;
        y[t] = xs[t] * g;
        sum -= l->ebuf[t];
    }
    memmove(l->ebuf, l->ebuf + n, (la - 1) * sizeof(float));
    bool ones = true;
    for (size_t i = 0; i + 1 < la; i++)
        ones = ones && l->ebuf[i] == 1.0f;
    l->ebuf_ones = ones;
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
    l->ebuf = malloc((block + la) * sizeof(float));
    if (!l->greq || !l->pre || !l->suf || !l->hold || !l->ebuf) {
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
    l->greq = l->pre = l->suf = l->hold = l->ebuf = NULL;
}

void limiter_reset(struct limiter *l)
{
    l->env_prev = 1.0;
    l->ebuf_ones = true;
    for (size_t i = 0; i + 1 < (size_t)l->la; i++)
        l->ebuf[i] = 1.0f;
}
