/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * ambience.c — the ambient bed under a session, ducked under speech (see
 * ambience.h).
 */
#include "ambience.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "asanavox/error.h"
#include "asanavox/timeline.h"

static const double PI = 3.14159265358979323846;

/* A ducked stretch: [s, e) fully ducked; the attack ramps over
 * [s - attack, s) and the release over [e, e + release). */
struct stretch {
    int64_t s, e;
};

struct ambience {
    float *loop;
    size_t loop_len;
    float gain, duck;
    int64_t duration, fade_in, fade_out, attack, release;
    struct stretch *st;
    size_t n_st;
};

/* Rising raised-cosine from 0 (k = 0) towards 1 (k = len). */
static double rise(int64_t k, int64_t len)
{
    double s = sin(0.5 * PI * ((double)k + 0.5) / (double)len);
    return s * s;
}

int ambience_create(const struct timeline *tl, float *loop, size_t loop_len, float gain,
                    const int64_t (*speech)[2], size_t n_speech, struct ambience **out)
{
    if (!tl || !loop || loop_len == 0 || !out || (n_speech && !speech)) {
        free(loop);
        return AV_EINVAL;
    }
    struct ambience *a = calloc(1, sizeof(*a));
    struct stretch *st = n_speech ? malloc(n_speech * sizeof(*st)) : NULL;
    if (!a || (n_speech && !st)) {
        free(a);
        free(st);
        free(loop);
        return AV_ENOMEM;
    }
    a->loop = loop;
    a->loop_len = loop_len;
    a->gain = gain;
    a->duck = (float)pow(10.0, -AMB_DUCK_DB / 20.0);
    a->duration = tl->duration;
    int64_t quarter = tl->duration / 4;
    a->fade_in = (int64_t)tl->rate * AMB_FADE_IN_MS / 1000;
    a->fade_out = (int64_t)tl->rate * AMB_FADE_OUT_MS / 1000;
    a->fade_in = a->fade_in < quarter ? a->fade_in : quarter;
    a->fade_out = a->fade_out < quarter ? a->fade_out : quarter;
    a->attack = (int64_t)tl->rate * AMB_ATTACK_MS / 1000;
    a->release = (int64_t)tl->rate * AMB_RELEASE_MS / 1000;
    /* Merge cues whose ramps would meet: the bed stays down between them. */
    for (size_t i = 0; i < n_speech; i++) {
        int64_t s = speech[i][0], e = speech[i][1];
        if (e <= s)
            continue;
        if (a->n_st && s - a->attack <= st[a->n_st - 1].e + a->release) {
            if (e > st[a->n_st - 1].e)
                st[a->n_st - 1].e = e;
        } else {
            st[a->n_st++] = (struct stretch){s, e};
        }
    }
    a->st = st;
    *out = a;
    return AV_OK;
}

void ambience_destroy(struct ambience *a)
{
    if (!a)
        return;
    free(a->loop);
    free(a->st);
    free(a);
}

/* The first stretch whose release ends after t (n_st when none). */
static size_t first_after(const struct ambience *a, int64_t t)
{
    size_t lo = 0, hi = a->n_st;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (a->st[mid].e + a->release <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* How far ducked (0 up .. 1 down) at t, given k = first_after(t). */
static double depth(const struct ambience *a, size_t k, int64_t t)
{
    if (k >= a->n_st)
        return 0.0;
    const struct stretch *s = &a->st[k];
    if (t < s->s - a->attack)
        return 0.0;
    if (t < s->s)
        return rise(t - (s->s - a->attack), a->attack);
    if (t < s->e)
        return 1.0;
    return 1.0 - rise(t - s->e, a->release);
}

float ambience_duck(const struct ambience *a, int64_t t)
{
    double d = depth(a, first_after(a, t), t);
    return (float)(1.0 - (1.0 - a->duck) * d);
}

void ambience_add(const struct ambience *a, int64_t from, size_t n, float *dst)
{
    size_t k = first_after(a, from);
    size_t j = (size_t)(from % (int64_t)a->loop_len);
    for (size_t i = 0; i < n; i++) {
        int64_t t = from + (int64_t)i;
        if (t >= a->duration)
            break;
        while (k < a->n_st && a->st[k].e + a->release <= t)
            k++;
        double g = a->gain * (1.0 - (1.0 - a->duck) * depth(a, k, t));
        if (t < a->fade_in)
            g *= rise(t, a->fade_in);
        if (a->duration - 1 - t < a->fade_out)
            g *= rise(a->duration - 1 - t, a->fade_out);
        dst[i] += (float)(a->loop[j] * g);
        if (++j == a->loop_len)
            j = 0;
    }
}
