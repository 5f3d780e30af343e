/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * kernels.h — the few loops that touch every sample of a session, written
 * with GCC/clang vector extensions so they run 4 samples at a time on any
 * target (where there is no SIMD the compiler lowers them to scalar code).
 * Shared by src/mix and src/sink (src/dsp is the one place for per-sample loops).  Any thread.
 */
#ifndef ASANAVOX_DSP_KERNELS_H
#define ASANAVOX_DSP_KERNELS_H

#include <stddef.h>
#include <stdint.h>

/* d[i] += s[i] */
void kern_add(float *restrict d, const float *restrict s, size_t n);

/* max |v[i]|, 0 for n == 0 */
float kern_absmax(const float *v, size_t n);

/* out[i] = round(clip(in[i]) * 32767), rounding half away from zero */
void kern_to_s16(const float *restrict in, int16_t *restrict out, size_t n);

/* out[2i] = out[2i+1] = the 16-bit value of in[i] (as kern_to_s16), in
 * native byte order */
void kern_to_s16_dup2(const float *restrict in, int16_t *restrict out, size_t n);

/* peak[i] = max(peak[i], |sum over k < taps of c[k] x[i + k]|) for i < n:
 * an FIR's output folded into a running peak.  The sum is taken from 0 in
 * order of k (acc = 0, then acc += c[k] x[i + k]), whatever n and the
 * alignment. */
void kern_fir_absmax(float *restrict peak, const float *x, const float *c, int taps, size_t n);

/* out[i] = min(a[i], b[i]) (b[i] < a[i] ? b[i] : a[i]); out overlaps
 * neither. */
void kern_min(float *restrict out, const float *a, const float *b, size_t n);

/* The sum of v[i]^2 in double, in four interleaved partial sums (the
 * same n, the same order: the same result). */
double kern_sumsq(const float *v, size_t n);

/* out[i] = in[i] / 32768: 16-bit samples as floats in [-1, 1). */
void kern_from_s16(const int16_t *restrict in, float *restrict out, size_t n);

/* out[2i] = out[2i+1] = in[i] */
void kern_dup2(const float *restrict in, float *restrict out, size_t n);

#endif
