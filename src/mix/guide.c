/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * guide.c — breath guides: a tone loop stretched over its breath phase
 * (see guide.h).
 */
#include "guide.h"

#include <math.h>

static const double PI = 3.14159265358979323846;

enum { EDGE_MS = 250 };

/* Level of the holds and of the steady tone, relative to the swell's top. */
#define HOLD_LEVEL 0.355f /* -9 dB */
#define TONE_LEVEL 0.708f /* -3 dB */

float guide_envelope(enum guide_shape shape, int64_t t, int64_t len, int rate)
{
    if (t < 0 || t >= len || len <= 0)
        return 0.0f;
    double u = ((double)t + 0.5) / (double)len;
    double g;
    switch (shape) {
    case GUIDE_SWELL_IN: {
        double s = sin(0.5 * PI * u);
        g = s * s;
        break;
    }
    case GUIDE_SWELL_OUT: {
        double c = cos(0.5 * PI * u);
        g = c * c;
        break;
    }
    case GUIDE_SWELL_HOLD:
    case GUIDE_TONE_HOLD:
        g = HOLD_LEVEL;
        break;
    case GUIDE_TONE:
    default:
        g = TONE_LEVEL;
        break;
    }
    int64_t edge = (int64_t)rate * EDGE_MS / 1000;
    if (edge > len / 4)
        edge = len / 4;
    if (edge > 0) {
        int64_t k = t < len - 1 - t ? t : len - 1 - t; /* frames to the nearer end */
        if (k < edge) {
            double s = sin(0.5 * PI * ((double)k + 0.5) / (double)edge);
            g *= s * s;
        }
    }
    return (float)g;
}

void guide_add(float *dst, const float *loop, size_t loop_len, int64_t off, size_t n, int64_t len,
               enum guide_shape shape, int rate)
{
    size_t j = (size_t)(off % (int64_t)loop_len);
    for (size_t i = 0; i < n; i++) {
        dst[i] += loop[j] * guide_envelope(shape, off + (int64_t)i, len, rate);
        if (++j == loop_len)
            j = 0;
    }
}
