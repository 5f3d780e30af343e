/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * resample.c — the program's one sample-rate converter (resample.h):
 * libsoxr, called once per signal.
 *
 * Why libsoxr: speech clips (espeak-ng's 22.05 kHz, 48 kHz out) are most
 * of a cold render's resampling, and libsamplerate's SINC_MEDIUM_QUALITY
 * took 39 % of a cold 30-minute render's CPU.  On 600 s of 22.05 kHz
 * noise to 48 kHz, one thread: libsamplerate SINC_MEDIUM 5.9 s,
 * SINC_FASTEST 2.9 s; libsoxr HQ 0.24-0.29 s, VHQ 0.40-0.45 s.
 *
 * The configuration: SOXR_HQ (20-bit precision, linear phase) with its
 * pass band widened from 91.3 % to 95 % of the lower rate's Nyquist
 * frequency, which costs nothing measurable (0.286 against 0.290 s above)
 * and keeps a 22.05 kHz clip's top octave: 0.00 dB at 10 kHz, -0.01 dB at
 * 10.5 kHz, -90 dB at 11 kHz (bench/resample_response.c); issue 13 asked
 * for -3 dB at or above 10 kHz.  VHQ only deepens the stop band
 * (-104 -> -138 dB), far under a 16-bit output's floor, for 1.6 times the
 * time.  One thread (soxr_runtime_spec(1)) and float in and out (no
 * dither) make the output a function of the input alone.
 *
 * Each call creates a converter (its design costs about 75 us, small
 * beside the conversion of a clip of a second or more), feeds it the
 * input in pieces of S_PIECE frames, flushes and deletes it.  soxr's
 * output frames depend only on the input it has, not on how the input is
 * cut, so this gives soxr_oneshot()'s bytes (test_mixer compares them)
 * while soxr's FIFOs stay the size of a piece instead of the whole clip:
 * under main()'s 128 KiB mmap threshold they come from malloc's heap and
 * are reused, where clip-sized ones were mapped, faulted in page by page
 * and unmapped again for every clip of a cold render.  It stops as soon
 * as `out` is full; frames past the converter's own count are zero.
 */
#include "dsp/resample.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pthread.h>
#include <soxr.h>

#include "asanavox/error.h"
#include "dsp/kernels.h"

static const double PASSBAND_END = 0.95; /* of the lower rate's Nyquist */

static soxr_quality_spec_t quality(void)
{
    soxr_quality_spec_t q = soxr_quality_spec(SOXR_HQ, 0);
    q.passband_end = PASSBAND_END;
    return q;
}

bool dsp_resample_rates_ok(int in_rate, int out_rate)
{
    if (in_rate <= 0 || out_rate <= 0)
        return false;
    int64_t a = in_rate, b = out_rate;
    return a <= b * DSP_RESAMPLE_MAX_RATIO && b <= a * DSP_RESAMPLE_MAX_RATIO;
}

/* Input frames per soxr_process() call: small enough that soxr's FIFOs
 * stay well under the mmap threshold, large enough that the calls cost
 * nothing.  soxr's output copy reads 8 bytes at a time, 4 past the end of
 * a buffer whose last float it writes (valgrind: an invalid read in
 * soxr_output()), so the last S_TAIL frames go through a buffer of ours
 * with room to spare. */
enum { S_PIECE = 4096, S_TAIL = 64 };

/* A converter from `in_rate` to `out_rate` of mono `type` to float, in
 * the configuration above; NULL when soxr cannot make one. */
static soxr_t converter(int in_rate, int out_rate, soxr_datatype_t type)
{
    soxr_io_spec_t io = soxr_io_spec(type, SOXR_FLOAT32_I);
    io.flags |= SOXR_NO_DITHER;
    soxr_quality_spec_t q = quality();
    soxr_runtime_spec_t rt = soxr_runtime_spec(1);
    soxr_error_t e = NULL;
    soxr_t s = soxr_create(in_rate, out_rate, 1, &e, &io, &q, &rt);
    if (s && e) {
        soxr_delete(s);
        s = NULL;
    }
    return s;
}

/* Convert `n` frames of `in` (soxr type `type`, `size` bytes a frame) into
 * exactly `out_frames` frames of `out`. */
static int stream(const void *in, soxr_datatype_t type, size_t size, size_t n, int in_rate,
                  int out_rate, float *out, size_t out_frames)
{
    soxr_t s = converter(in_rate, out_rate, type);
    /* With rates checked and buffers given, soxr fails only for lack of
     * memory (its errors are strings, not codes). */
    if (!s)
        return AV_ENOMEM;
    soxr_error_t e = NULL;
    float tail[2 * S_TAIL];
    size_t fed = 0, made = 0;
    while (made < out_frames) {
        size_t ilen = n - fed < S_PIECE ? n - fed : S_PIECE;
        size_t room = out_frames - made, odone = 0;
        bool direct = room > S_TAIL;
        e = soxr_process(s, ilen ? (const void *)((const char *)in + fed * size) : NULL, ilen,
                         NULL, direct ? out + made : tail, direct ? room - S_TAIL : room, &odone);
        if (e)
            break;
        if (!direct)
            memcpy(out + made, tail, odone * sizeof(float));
        fed += ilen;
        made += odone;
        if (!ilen && !odone)
            break; /* flushed */
    }
    soxr_delete(s);
    if (e)
        return AV_ENOMEM;
    if (made < out_frames)
        memset(out + made, 0, (out_frames - made) * sizeof(*out));
    return AV_OK;
}

static void copy_f32(float *out, const void *in, size_t n)
{
    memcpy(out, in, n * sizeof(*out));
}

static void copy_s16(float *out, const void *in, size_t n)
{
    kern_from_s16(in, out, n);
}

/* The two public entry points differ only in the input's sample type:
 * converted through soxr when the rates differ, else copied (as floats),
 * and in either case padded with zeros to out_frames. */
static int resample_any(const void *in, soxr_datatype_t type, size_t size, size_t n, int in_rate,
                        int out_rate, float *out, size_t out_frames,
                        void (*copy)(float *, const void *, size_t))
{
    if (!dsp_resample_rates_ok(in_rate, out_rate) || (n && !in) || (out_frames && !out))
        return AV_EINVAL;
    if (out_frames == 0)
        return AV_OK;
    size_t made = 0;
    if (n && in_rate != out_rate)
        return stream(in, type, size, n, in_rate, out_rate, out, out_frames);
    if (n) {
        made = n < out_frames ? n : out_frames;
        copy(out, in, made);
    }
    if (made < out_frames)
        memset(out + made, 0, (out_frames - made) * sizeof(*out));
    return AV_OK;
}

int dsp_resample(const float *in, size_t n, int in_rate, int out_rate, float *out,
                 size_t out_frames)
{
    return resample_any(in, SOXR_FLOAT32_I, sizeof(float), n, in_rate, out_rate, out, out_frames,
                        copy_f32);
}

int dsp_resample_s16(const int16_t *in, size_t n, int in_rate, int out_rate, float *out,
                     size_t out_frames)
{
    return resample_any(in, SOXR_INT16_I, sizeof(int16_t), n, in_rate, out_rate, out, out_frames,
                        copy_s16);
}

static char version[96];
static pthread_once_t version_once = PTHREAD_ONCE_INIT;

/* soxr names its engine only on a live converter: make one (48 -> 44.1
 * kHz: the engine depends on the precision and the machine, not on the
 * rates) and ask. */
static void make_version(void)
{
    soxr_t s = converter(48000, 44100, SOXR_FLOAT32_I);
    snprintf(version, sizeof(version), "%s %s HQ passband %.3f", soxr_version(),
             s ? soxr_engine(s) : "unknown-engine", PASSBAND_END);
    soxr_delete(s);
}

const char *dsp_resample_version(void)
{
    pthread_once(&version_once, make_version);
    return version;
}
