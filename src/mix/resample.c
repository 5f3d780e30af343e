/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * resample.c — speech from the voice's rate to the output rate
 * (mix_resample_s16() in mixer.h): libsamplerate in parallel segments, and
 * an exact half-band 2x step of our own for upsampling.  Any thread.
 */
#include <limits.h>
#include <math.h>
#include <samplerate.h>
#include <stdlib.h>
#include <string.h>

#include "asanavox/error.h"
#include "asanavox/mixer.h"
#include "dsp/kernels.h"
#include "mixer_internal.h"

static const double PI = 3.14159265358979323846;

enum {
    RS_SEGMENTS = 4,     /* resampling: segments run as channels */
    RS_CONTEXT = 64,     /* input frames of context around a segment */
};

static long gcd_l(long a, long b)
{
    while (b) {
        long t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* Run libsamplerate over `frames` interleaved frames of `ch` channels,
 * writing up to `cap` frames; returns the frames made or -1. */
static long src_run(const float *in, long frames, int ch, double ratio, float *out, long cap)
{
    int e = 0;
    SRC_STATE *st = src_new(SRC_SINC_MEDIUM_QUALITY, ch, &e);
    if (!st)
        return -1;
    long used = 0, made = 0;
    while (made < cap) {
        SRC_DATA d = {
            .data_in = in + used * ch,
            .data_out = out + made * ch,
            .input_frames = frames - used,
            .output_frames = cap - made,
            .end_of_input = 1,
            .src_ratio = ratio,
        };
        if (src_process(st, &d) != 0) {
            src_delete(st);
            return -1;
        }
        used += d.input_frames_used;
        made += d.output_frames_gen;
        if (d.output_frames_gen == 0)
            break;
    }
    src_delete(st);
    return made;
}

/*
 * libsamplerate's converters cost about the same per frame for four
 * channels as for one, so a long clip is cut into RS_SEGMENTS segments
 * that are converted together as the channels of one stream.  Segment
 * boundaries fall on input frames that are multiples of P = in/gcd(in,out),
 * where the output grid lines up exactly (P input frames make Q output
 * frames), and each segment carries C >= RS_CONTEXT frames of its
 * neighbours on both sides (also a multiple of P) so the filter sees the
 * real signal; the context's output is cut away.  The result equals a
 * one-piece conversion up to float rounding, and is itself deterministic.
 */
static int resample_direct(const float *in, size_t n, int in_rate, int out_rate, float *out,
                           size_t out_frames)
{
    if (n == 0 || out_frames == 0) {
        if (out_frames)
            memset(out, 0, out_frames * sizeof(*out));
        return AV_OK;
    }
    double ratio = (double)out_rate / (double)in_rate;
    if (!src_is_valid_ratio(ratio) || n > (size_t)LONG_MAX / 8 ||
        out_frames > (size_t)LONG_MAX / 8)
        return AV_EINVAL;
    if (in_rate == out_rate) {
        size_t k = n < out_frames ? n : out_frames;
        memcpy(out, in, k * sizeof(*out));
        if (k < out_frames)
            memset(out + k, 0, (out_frames - k) * sizeof(*out));
        return AV_OK;
    }
    long g = gcd_l(in_rate, out_rate);
    size_t P = (size_t)(in_rate / g), Q = (size_t)(out_rate / g);
    size_t C = (RS_CONTEXT + P - 1) / P * P;
    size_t seg = n / RS_SEGMENTS / P * P;
    int k = seg >= 4 * C && seg > 0 ? RS_SEGMENTS : 1;

    size_t s[RS_SEGMENTS + 1], a[RS_SEGMENTS], b[RS_SEGMENTS];
    size_t len = 0;
    for (int q = 0; q < k; q++)
        s[q] = (size_t)q * seg;
    s[k] = n;
    for (int q = 0; q < k; q++) {
        a[q] = q ? s[q] - C : 0;
        b[q] = q + 1 < k ? s[q + 1] + C : n;
        if (b[q] - a[q] > len)
            len = b[q] - a[q];
    }
    size_t cap = (size_t)((double)len * ratio) + 64;
    float *fin = calloc(len * (size_t)k, sizeof(float));
    float *fout = malloc(cap * (size_t)k * sizeof(float));
    if (!fin || !fout) {
        free(fin);
        free(fout);
        return AV_ENOMEM;
    }
    for (int q = 0; q < k; q++)
        for (size_t i = a[q]; i < b[q]; i++)
            fin[(i - a[q]) * (size_t)k + (size_t)q] = in[i];
    long made = src_run(fin, (long)len, k, ratio, fout, (long)cap);
    free(fin);
    if (made < 0) {
        free(fout);
        return AV_ENOMEM;
    }
    for (int q = 0; q < k; q++) {
        size_t j0 = s[q] / P * Q;
        size_t j1 = q + 1 < k ? s[q + 1] / P * Q : out_frames;
        if (j1 > out_frames)
            j1 = out_frames;
        size_t off = (s[q] - a[q]) / P * Q;
        for (size_t j = j0; j < j1; j++) {
            size_t t = off + (j - j0);
            out[j] = t < (size_t)made ? fout[t * (size_t)k + (size_t)q] : 0.0f;
        }
    }
    free(fout);
    return AV_OK;
}

/*
 * Upsampling by two or more starts with an exact 2x step of our own: a
 * symmetric half-band FIR (HB_TAPS per side, Kaiser-windowed sinc), which
 * keeps the input samples as they are and computes the ones between, four
 * at a time (22050 -> 44100; that is all for 44.1 kHz output).
 * libsamplerate (SINC_MEDIUM_QUALITY, 90 % bandwidth) then converts from
 * the doubled rate, so its own cut lies near 20 kHz and the half-band
 * filter alone shapes the top of the speech band: -0.4 dB at 10 kHz,
 * -1.6 dB at 10.5 kHz (bench/resample_response.c).  Converting 22050 ->
 * 48000 directly with MEDIUM_QUALITY would cut at 9.9 kHz, and
 * BEST_QUALITY costs several times more.
 */
enum { HB_TAPS = 16 };

static double bessel_i0(double x)
{
    double sum = 1.0, term = 1.0;
    for (int k = 1; k < 40; k++) {
        term *= (x / (2.0 * k)) * (x / (2.0 * k));
        sum += term;
    }
    return sum;
}

/* out[2k] = in[k], out[2k+1] between in[k] and in[k+1]; `in` has HB_TAPS
 * zeros before in[0] and after in[n-1]. */
static void upsample2(const float *in, size_t n, float *out, size_t out_frames)
{
    float g[HB_TAPS];
    double sum = 0.0;
    const double beta = 8.0;
    for (int j = 0; j < HB_TAPS; j++) {
        double d = j + 0.5; /* distance from the new sample to its neighbours */
        double r = d / (HB_TAPS + 0.5);
        double w = bessel_i0(beta * sqrt(1.0 - r * r)) / bessel_i0(beta);
        double v = sin(PI * d) / (PI * d) * w;
        g[j] = (float)v;
        sum += 2.0 * v;
    }
    for (int j = 0; j < HB_TAPS; j++)
        g[j] = (float)(g[j] / sum);
    enum { CHUNK = 1024 };
    float acc[CHUNK];
    for (size_t k0 = 0; k0 < n; k0 += CHUNK) {
        size_t len = n - k0 < CHUNK ? n - k0 : CHUNK;
        memset(acc, 0, len * sizeof(float));
        for (int j = 0; j < HB_TAPS; j++)
            kern_madd2(acc, in + k0 - j, in + k0 + 1 + j, g[j], len);
        for (size_t k = 0; k < len; k++) {
            size_t o = 2 * (k0 + k);
            if (o < out_frames)
                out[o] = in[k0 + k];
            if (o + 1 < out_frames)
                out[o + 1] = acc[k];
        }
    }
    for (size_t o = 2 * n; o < out_frames; o++)
        out[o] = 0.0f;
}

const char *mix_resample_version(void)
{
    return "resample v1: 2x half-band 16 taps Kaiser 8, SRC_SINC_MEDIUM_QUALITY, 4 segments";
}

int mix_resample_s16(const int16_t *in, size_t n, int in_rate, int out_rate, float *out,
                     size_t out_frames)
{
    if (in_rate <= 0 || out_rate <= 0 || (n && !in) || (out_frames && !out))
        return AV_EINVAL;
    if (n > (size_t)LONG_MAX / 8 || out_frames > (size_t)LONG_MAX / 8)
        return AV_EINVAL;
    /* The input as float, with HB_TAPS zeros on each side for upsample2(). */
    float *f = calloc(n + 2 * HB_TAPS, sizeof(float));
    if (!f)
        return AV_ENOMEM;
    for (size_t i = 0; i < n; i++)
        f[HB_TAPS + i] = (float)in[i] * (1.0f / 32768.0f);
    int err;
    if (n == 0 || out_frames == 0 || out_rate < 2 * in_rate) {
        err = resample_direct(f + HB_TAPS, n, in_rate, out_rate, out, out_frames);
    } else {
        /* Exactly 2x first, then libsamplerate from twice the input rate:
         * its filter then cuts near the double rate's Nyquist frequency,
         * far above the speech band, and the half-band step sets the
         * response (-0.4 dB at 10 kHz for a 22.05 kHz clip). */
        size_t n2 = 2 * n;
        float *mid = malloc(n2 * sizeof(float));
        err = mid ? AV_OK : AV_ENOMEM;
        if (!err) {
            upsample2(f + HB_TAPS, n, mid, n2);
            err = resample_direct(mid, n2, 2 * in_rate, out_rate, out, out_frames);
        }
        free(mid);
    }
    free(f);
    return err;
}
