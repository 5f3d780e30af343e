/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * limiter.h — the mixer's look-ahead true-peak limiter (internal to
 * src/mix).
 *
 * For a block of output frames [t0, t0 + n):
 *   greq[s] = min(1, ceiling / p[s]), where p[s] is the largest of |x[s]|
 *             and the three 4x-interpolated values between s and s + 1;
 *   hold[s] = min(greq[s .. s + LA - 1])      (look-ahead hold)
 *   env[s]  = min(hold[s], env[s-1] released towards 1)
 *   g[t]    = mean(env[t - LA + 1 .. t])      (smooth attack of LA frames)
 *   y[t]    = x[t] * g[t]
 * Every env value averaged into g[p] comes from a hold window containing p,
 * so g[p] <= greq[p]: the peak at p ends at or below the ceiling.  Most of
 * a session is silence or quiet speech: a sub-block whose samples are all
 * below ceiling / tp_bound (tp_bound bounds how far an interpolated value
 * can exceed the samples around it) skips the interpolation, and a block
 * that needs no gain reduction is copied through.
 *
 * A limiter is used by one thread at a time (the mixer's).
 */
#ifndef ASANAVOX_MIX_LIMITER_H
#define ASANAVOX_MIX_LIMITER_H

#include <stdbool.h>
#include <stddef.h>

enum {
    LIM_TP_HALF = 6, /* interpolation taps on each side */
    LIM_TP_TAPS = 2 * LIM_TP_HALF,
};

struct limiter {
    bool enabled;       /* off: y = x */
    size_t block;       /* the most frames limiter_run() takes */
    int la;             /* look-ahead, frames (5 ms) */
    float ceiling, tp_bound;
    float tp_coef[3][LIM_TP_TAPS];
    double release;
    double env_prev;    /* the gain at the frame before the next block */
    bool ebuf_ones;     /* env history (LA - 1 values) is all 1 */
    float *greq, *pre, *suf; /* block + LA */
    float *hold;        /* block */
    float *ebuf;        /* LA - 1 + block: env at t0 - (LA - 1) + i */
    float *cmax;        /* the input's peak per detector sub-block */
};

/* Set up a limiter for `rate` with its ceiling in dBTP, taking blocks of
 * up to `block` frames, in the reset state.  Returns 0 or AV_ENOMEM (then
 * limiter_deinit() is still safe). */
int limiter_init(struct limiter *l, int rate, double ceiling_dbtp, bool enabled, size_t block);

/* Free the buffers.  Safe on a zeroed or failed limiter. */
void limiter_deinit(struct limiter *l);

/* Forget the past: the gain is 1 again (after a seek). */
void limiter_reset(struct limiter *l);

/* y[0..n) for the n <= block output frames starting at t0, where x[i] holds
 * the input at frame t0 - LIM_TP_HALF + i for i < n + la - 1 +
 * 2 * LIM_TP_HALF (the look-ahead and the interpolator's support). */
void limiter_run(struct limiter *l, const float *x, size_t n, float *y);

/* limiter_run() on input the caller knows is all zero, without reading
 * it for peaks: the same y (zeros) and the same state afterwards (the
 * gain goes on releasing). */
void limiter_run_silent(struct limiter *l, const float *x, size_t n, float *y);

/* The detector alone: p[s] for the `count` positions s whose support
 * x[s + 1 .. s + 2 LIM_TP_HALF] lies in x (position s is the frame at
 * x[s + LIM_TP_HALF]).  It does not depend on the ceiling, so a caller
 * that limits the same signal with many ceilings (peakctl.c) computes it
 * once.  The values are those limiter_run() finds.  Any thread. */
void limiter_true_peaks(const struct limiter *l, const float *x, size_t count, float *p);

/* limiter_run() with the detector's values given: y[0 .. n) from the
 * input xs[0 .. n) at frames t0 .. t0 + n and tp[0 .. n + la - 1), the
 * values limiter_true_peaks() gives for the frames from t0 on.  Gives the
 * same y as limiter_run() on the same input. */
void limiter_run_peaks(struct limiter *l, const float *xs, const float *tp, size_t n, float *y);

#endif
