/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * resample.h — sample-rate conversion of a whole mono float signal, for
 * speech (src/mix/resample.c) and sound files (src/sound/sound.c): libsoxr,
 * one configuration for the whole program, so a signal converts to the
 * same bytes wherever it is converted.  Internal to src/.
 *
 * The output is aligned with the input (output frame j is the signal at
 * input time j * in_rate / out_rate: no delay) and has exactly the length
 * the caller asks for.  Threads: any, and any number at once; nothing is
 * shared between calls.
 */
#ifndef ASANAVOX_DSP_RESAMPLE_H
#define ASANAVOX_DSP_RESAMPLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest ratio of rates, either way, that dsp_resample() converts: 256,
 * far beyond any sound file or output rate in use, which bounds the
 * filters' size (a 1 Hz WAV cannot be converted). */
#define DSP_RESAMPLE_MAX_RATIO 256

/* True when dsp_resample() converts from `in_rate` to `out_rate`: both
 * positive and their ratio within DSP_RESAMPLE_MAX_RATIO either way. */
bool dsp_resample_rates_ok(int in_rate, int out_rate);

/* Convert the `n` frames of `in` at `in_rate` to exactly `out_frames`
 * frames of `out` at `out_rate`.  The converter's own count is
 * round(n * out_rate / in_rate), give or take a frame; frames past it are
 * zero, and frames it makes past `out_frames` are dropped.  Nothing is
 * written past out[out_frames - 1].  Equal rates copy.  The same input
 * always gives the same bytes (one thread, no dither).  Returns 0,
 * AV_EINVAL (rates not dsp_resample_rates_ok(), or a NULL buffer with a
 * non-zero length) or AV_ENOMEM. */
int dsp_resample(const float *in, size_t n, int in_rate, int out_rate, float *out,
                 size_t out_frames);

/* dsp_resample() of 16-bit input (each sample s read as s / 32768, which
 * is exact in a float, so the bytes are dsp_resample()'s of that float
 * signal), fed to the converter in pieces: no float copy of the input and
 * no converter buffers the size of the signal, so a clip's conversion
 * touches few pages beyond `out`.  Any thread; the same returns as
 * dsp_resample(). */
int dsp_resample_s16(const int16_t *in, size_t n, int in_rate, int out_rate, float *out,
                     size_t out_frames);

/* Names the converter and its configuration, e.g. "libsoxr-0.1.3 cr32s
 * HQ passband 0.95": the library's version and the engine it chose for
 * this machine (its SIMD code differs in the last bits).  Stored output
 * is keyed by it (src/mix/clipstore.c).  A static string. */
const char *dsp_resample_version(void);

#endif
