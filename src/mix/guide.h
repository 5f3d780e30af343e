/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * guide.h — breath guides: a seamless tone loop repeated over a whole
 * breath phase and shaped to it.  Internal to src/mix.
 *
 * The compiler gives every breath phase without a spoken prompt one event
 * that lasts the phase (timeline.h, enum tl_guide).  The mixer plays the
 * phase's tone (inhale, exhale or hold; generated as 4 s loops by
 * tools/gen_sounds.c) from the phase start, wrapping around the loop as
 * often as the phase needs, times an envelope that depends only on the
 * frame's place in the phase and the phase's length:
 *
 *   swell, inhale   sin^2 rising from silence to full over the phase;
 *   swell, exhale   full at the start, cos^2 falling to silence;
 *   swell, hold     a low level (-9 dB) held through the phase;
 *   tone            a steady level (-3 dB) through any phase (hold -9 dB).
 *
 * Both ends of every phase get a raised-cosine edge of 250 ms (at most a
 * quarter of the phase), so an inhale that ends at full level crossfades
 * into the exhale that starts there and nothing clicks.  Everything is a
 * pure function of the frame, so seeking and block sizes do not change the
 * result.  Any thread.
 */
#ifndef ASANAVOX_MIX_GUIDE_H
#define ASANAVOX_MIX_GUIDE_H

#include <stddef.h>
#include <stdint.h>

enum guide_shape { GUIDE_SWELL_IN, GUIDE_SWELL_OUT, GUIDE_SWELL_HOLD, GUIDE_TONE, GUIDE_TONE_HOLD };

/* The envelope (0..1) at frame `t` of a phase of `len` frames at `rate`;
 * 0 outside [0, len). */
float guide_envelope(enum guide_shape shape, int64_t t, int64_t len, int rate);

/* dst[i] += loop[(off + i) % loop_len] * guide_envelope(shape, off + i,
 * len, rate) for i < n.  `loop` holds loop_len > 0 frames. */
void guide_add(float *dst, const float *loop, size_t loop_len, int64_t off, size_t n, int64_t len,
               enum guide_shape shape, int rate);

#endif
