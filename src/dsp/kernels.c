/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * kernels.c — per-sample loops (kernels.h).  Every loop here gives exactly
 * the same result as its scalar tail, so output does not depend on block
 * sizes or alignment.
 */
#include "dsp/kernels.h"

#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

typedef float v4f __attribute__((vector_size(16)));
typedef int32_t v4i __attribute__((vector_size(16)));
typedef int16_t v4s __attribute__((vector_size(8)));
typedef uint32_t v4u __attribute__((vector_size(16)));

static v4f v4f_load(const float *p)
{
    v4f v;
    memcpy(&v, p, sizeof(v));
    return v;
}

static v4f v4f_select(v4i mask, v4f a, v4f b)
{
    return (v4f)(((v4i)a & mask) | ((v4i)b & ~mask));
}

void kern_add(float *restrict d, const float *restrict s, size_t n)
{
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        v4f a = v4f_load(d + i) + v4f_load(s + i);
        memcpy(d + i, &a, sizeof(a));
    }
    for (; i < n; i++)
        d[i] += s[i];
}

float kern_absmax(const float *v, size_t n)
{
    const v4i absmask = {0x7fffffff, 0x7fffffff, 0x7fffffff, 0x7fffffff};
    /* Four running maxima, so that no comparison waits for the one
     * before; a maximum is the same in any order. */
    v4f m0 = {0, 0, 0, 0}, m1 = m0, m2 = m0, m3 = m0;
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        v4f a0 = (v4f)((v4i)v4f_load(v + i) & absmask);
        v4f a1 = (v4f)((v4i)v4f_load(v + i + 4) & absmask);
        v4f a2 = (v4f)((v4i)v4f_load(v + i + 8) & absmask);
        v4f a3 = (v4f)((v4i)v4f_load(v + i + 12) & absmask);
        m0 = v4f_select(a0 > m0, a0, m0);
        m1 = v4f_select(a1 > m1, a1, m1);
        m2 = v4f_select(a2 > m2, a2, m2);
        m3 = v4f_select(a3 > m3, a3, m3);
    }
    for (; i + 4 <= n; i += 4) {
        v4f a = (v4f)((v4i)v4f_load(v + i) & absmask);
        m0 = v4f_select(a > m0, a, m0);
    }
    m0 = v4f_select(m1 > m0, m1, m0);
    m2 = v4f_select(m3 > m2, m3, m2);
    m0 = v4f_select(m2 > m0, m2, m0);
    float r = 0.0f;
    for (int k = 0; k < 4; k++)
        r = m0[k] > r ? m0[k] : r;
    for (; i < n; i++) {
        float a = v[i] < 0.0f ? -v[i] : v[i];
        r = a > r ? a : r;
    }
    return r;
}

static int16_t to_s16_1(float x)
{
    float v = x * 32767.0f;
    v = v > 32767.0f ? 32767.0f : v;
    v = v < -32767.0f ? -32767.0f : v;
    v += v < 0.0f ? -0.5f : 0.5f;
    return (int16_t)v;
}

#if defined(__SSE2__)
/* Four samples to four rounded 32-bit values, as to_s16_1(), with NaN as
 * 0: the NaN is zeroed first, so minps/maxps (one instruction each where
 * the generic vectors below need a compare and three logic operations)
 * only ever see numbers.  cvttps2dq truncates, so adding 0.5 with the
 * value's sign first rounds half away from zero. */
static __m128i s16x4(const float *in)
{
    const __m128 hi = _mm_set1_ps(32767.0f), lo = _mm_set1_ps(-32767.0f);
    const __m128 half = _mm_set1_ps(0.5f), sign = _mm_set1_ps(-0.0f);
    __m128 v = _mm_mul_ps(_mm_loadu_ps(in), hi);
    v = _mm_and_ps(v, _mm_cmpeq_ps(v, v));
    v = _mm_max_ps(_mm_min_ps(v, hi), lo);
    v = _mm_add_ps(v, _mm_or_ps(_mm_and_ps(v, sign), half));
    return _mm_cvttps_epi32(v);
}

/* The values are within +-32767, so packssdw's saturation never acts. */
void kern_to_s16(const float *restrict in, int16_t *restrict out, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm_storeu_si128((__m128i *)(void *)(out + i),
                         _mm_packs_epi32(s16x4(in + i), s16x4(in + i + 4)));
    for (; i < n; i++)
        out[i] = in[i] == in[i] ? to_s16_1(in[i]) : 0;
}

void kern_to_s16_dup2(const float *restrict in, int16_t *restrict out, size_t n)
{
    size_t i = 0;
    /* A long run (the file sink's 2 MiB buffers, handed to the disk and not
     * read again) is written with non-temporal stores once its frames
     * reach a 16-byte boundary: no cache line is read before it is
     * overwritten, and none of the mixer's is evicted. */
    if (n >= 4096 && ((uintptr_t)out & 3) == 0) {
        for (; i < n && ((uintptr_t)(out + 2 * i) & 15); i++)
            out[2 * i] = out[2 * i + 1] = in[i] == in[i] ? to_s16_1(in[i]) : 0;
        for (; i + 8 <= n; i += 8) {
            __m128i p = _mm_packs_epi32(s16x4(in + i), s16x4(in + i + 4));
            _mm_stream_si128((__m128i *)(void *)(out + 2 * i), _mm_unpacklo_epi16(p, p));
            _mm_stream_si128((__m128i *)(void *)(out + 2 * i + 8), _mm_unpackhi_epi16(p, p));
        }
        _mm_sfence();
    }
    for (; i + 8 <= n; i += 8) {
        __m128i p = _mm_packs_epi32(s16x4(in + i), s16x4(in + i + 4));
        _mm_storeu_si128((__m128i *)(void *)(out + 2 * i), _mm_unpacklo_epi16(p, p));
        _mm_storeu_si128((__m128i *)(void *)(out + 2 * i + 8), _mm_unpackhi_epi16(p, p));
    }
    for (; i < n; i++)
        out[2 * i] = out[2 * i + 1] = in[i] == in[i] ? to_s16_1(in[i]) : 0;
}
#else
void kern_to_s16(const float *restrict in, int16_t *restrict out, size_t n)
{
    const v4f hi = {32767.0f, 32767.0f, 32767.0f, 32767.0f};
    const v4f lo = -hi;
    const v4f half = {0.5f, 0.5f, 0.5f, 0.5f};
    const v4i sign = {INT32_MIN, INT32_MIN, INT32_MIN, INT32_MIN};
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        v4f v = v4f_load(in + i) * hi;
        v = v4f_select(v > hi, hi, v);
        v = v4f_select(v < lo, lo, v);
        /* NaN compares false both ways and would pass through; the mixer
         * never makes one, but keep the conversion defined. */
        v = v4f_select(v == v, v, half - half);
        v += (v4f)(((v4i)v & sign) | (v4i)half);
        v4s s = __builtin_convertvector(__builtin_convertvector(v, v4i), v4s);
        memcpy(out + i, &s, sizeof(s));
    }
    for (; i < n; i++)
        out[i] = in[i] == in[i] ? to_s16_1(in[i]) : 0;
}

void kern_to_s16_dup2(const float *restrict in, int16_t *restrict out, size_t n)
{
    const v4f hi = {32767.0f, 32767.0f, 32767.0f, 32767.0f};
    const v4f lo = -hi;
    const v4f half = {0.5f, 0.5f, 0.5f, 0.5f};
    const v4i sign = {INT32_MIN, INT32_MIN, INT32_MIN, INT32_MIN};
    const v4u low16 = {0xffff, 0xffff, 0xffff, 0xffff};
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        v4f v = v4f_load(in + i) * hi;
        v = v4f_select(v > hi, hi, v);
        v = v4f_select(v < lo, lo, v);
        v = v4f_select(v == v, v, half - half);
        v += (v4f)(((v4i)v & sign) | (v4i)half);
        v4u u = (v4u)__builtin_convertvector(v, v4i) & low16;
        u |= u << 16; /* the same 16 bits in both halves: byte order does not matter */
        memcpy(out + 2 * i, &u, sizeof(u));
    }
    for (; i < n; i++)
        out[2 * i] = out[2 * i + 1] = in[i] == in[i] ? to_s16_1(in[i]) : 0;
}
#endif

void kern_fir_absmax(float *restrict peak, const float *x, const float *c, int taps, size_t n)
{
    const v4i absmask = {0x7fffffff, 0x7fffffff, 0x7fffffff, 0x7fffffff};
    size_t i = 0;
    /* Sixteen outputs at a time in four accumulators: each output's sum
     * is still formed tap by tap in the same order (the same float
     * result), but four chains of additions run side by side instead of
     * one waiting on each addition before it. */
    for (; i + 16 <= n; i += 16) {
        v4f a0 = {0, 0, 0, 0}, a1 = a0, a2 = a0, a3 = a0;
        for (int k = 0; k < taps; k++) {
            const v4f ck = {c[k], c[k], c[k], c[k]};
            const float *xk = x + i + k;
            a0 = a0 + ck * v4f_load(xk);
            a1 = a1 + ck * v4f_load(xk + 4);
            a2 = a2 + ck * v4f_load(xk + 8);
            a3 = a3 + ck * v4f_load(xk + 12);
        }
        v4f acc[4] = {a0, a1, a2, a3};
        for (int q = 0; q < 4; q++) {
            v4f a = (v4f)((v4i)acc[q] & absmask), p = v4f_load(peak + i + 4 * q);
            p = v4f_select(a > p, a, p);
            memcpy(peak + i + 4 * q, &p, sizeof(p));
        }
    }
    for (; i + 4 <= n; i += 4) {
        v4f acc = {0, 0, 0, 0};
        for (int k = 0; k < taps; k++) {
            const v4f ck = {c[k], c[k], c[k], c[k]};
            acc = acc + ck * v4f_load(x + i + k);
        }
        v4f a = (v4f)((v4i)acc & absmask), p = v4f_load(peak + i);
        p = v4f_select(a > p, a, p);
        memcpy(peak + i, &p, sizeof(p));
    }
    for (; i < n; i++) {
        float acc = 0.0f;
        for (int k = 0; k < taps; k++)
            acc += c[k] * x[i + k];
        float a = acc < 0.0f ? -acc : acc;
        peak[i] = a > peak[i] ? a : peak[i];
    }
}

void kern_min(float *restrict out, const float *a, const float *b, size_t n)
{
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        v4f va = v4f_load(a + i), vb = v4f_load(b + i);
        v4f r = v4f_select(vb < va, vb, va);
        memcpy(out + i, &r, sizeof(r));
    }
    for (; i < n; i++)
        out[i] = b[i] < a[i] ? b[i] : a[i];
}

double kern_sumsq(const float *v, size_t n)
{
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        s0 += (double)v[i] * v[i];
        s1 += (double)v[i + 1] * v[i + 1];
        s2 += (double)v[i + 2] * v[i + 2];
        s3 += (double)v[i + 3] * v[i + 3];
    }
    for (; i < n; i++)
        s0 += (double)v[i] * v[i];
    return (s0 + s1) + (s2 + s3);
}

void kern_dup2(const float *restrict in, float *restrict out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = in[i];
        out[2 * i + 1] = in[i];
    }
}

void kern_from_s16(const int16_t *restrict in, float *restrict out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = (float)in[i] * (1.0f / 32768.0f);
}
