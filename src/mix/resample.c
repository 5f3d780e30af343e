/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * resample.c — speech from the voice's rate to the output rate
 * (mix_resample_s16() in mixer.h).  Any thread.
 *
 * The conversion itself is libsoxr (src/dsp/resample.c, shared with sound
 * files), chosen for speed and response: on 600 s of 22.05 kHz audio to
 * 48 kHz, one thread, libsoxr HQ took 0.24-0.29 s where libsamplerate's
 * SINC_MEDIUM_QUALITY took 5.9 s (39 % of a cold 30-minute render's CPU
 * went to it), and a 22.05 kHz clip keeps 0.00 dB at 10 kHz and -0.01 dB
 * at 10.5 kHz, better than issue 13's minimum (-3 dB at or above 10 kHz),
 * which libsamplerate MEDIUM met only behind a 2x half-band step of our
 * own.  One call converts the whole clip, so the output is one
 * conversion's, aligned with the input (no delay), and padded with
 * silence or cut to exactly the planned length.
 */
#include <stdlib.h>

#include "asanavox/error.h"
#include "asanavox/mixer.h"
#include "dsp/resample.h"
#include "mixer_internal.h"

const char *mix_resample_version(void)
{
    /* v2: one soxr conversion of the whole clip (v1 was libsamplerate
     * after a 2x half-band step, in segments).  The converter's own name
     * is part of the key too (clipstore.c). */
    return "resample v2: one conversion";
}

int mix_resample_s16(const int16_t *in, size_t n, int in_rate, int out_rate, float *out,
                     size_t out_frames)
{
    /* dsp_resample_s16() checks the rates and pointers. */
    return dsp_resample_s16(in, n, in_rate, out_rate, out, out_frames);
}
