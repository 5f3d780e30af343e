/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * peakctl.h — gentle peak control for the voice role (internal to src/mix).
 *
 * espeak-ng's speech is peaky: at the speech target (-16 LUFS) its peaks
 * reach 3 to 5.6 dB above the master limiter's ceiling (-1.5 dBTP), so the
 * master limiter used to act on almost every cue.  Each speech clip is
 * therefore limited on its own, once, when the mixer analyses it: its
 * true peaks are held at most PEAKCTL_SPEECH_PLR_DB above its own
 * integrated loudness.  At the speech target that is -2.5 dBTP, 1 dB under
 * the master ceiling, which is left as a safety net for overlaps (a bell
 * under a cue) and for louder --voice-volume settings.
 *
 * The gain is smooth: a 5 ms look-ahead hold, a 5 ms moving-average attack
 * and a PEAKCTL_RELEASE_MS release, the master limiter's own detector and
 * envelope (limiter.h) run over the clip alone.  It only ever lowers the
 * plosives and stressed vowels that stick out; the clip's loudness drops a
 * few tenths of a LU, which the mixer's gain, measured after this
 * control, makes up (the search for the threshold accounts for it).
 *
 * These functions are pure functions of their input, so a clip comes out
 * the same whenever and on whichever thread it is prepared.
 */
#ifndef ASANAVOX_MIX_PEAKCTL_H
#define ASANAVOX_MIX_PEAKCTL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "loudness.h"

/* Speech's largest peak-to-loudness ratio after peak control, dB. */
#define PEAKCTL_SPEECH_PLR_DB 13.5
/* Release of the gain towards 1, ms: long enough not to pump within a
 * syllable, short enough to let the next word through untouched. */
#define PEAKCTL_RELEASE_MS 80.0

/* Whether a speech clip of a voice at `native_rate`, played at `out_rate`,
 * is controlled at its own rate and then resampled (the mixer's cheaper
 * way: 2.2 times fewer samples for espeak-ng at 48 kHz), rather than
 * resampled and then controlled at the output rate.  The detector's 4x
 * interpolation under-reads a signal near its Nyquist frequency (a tone at
 * 95 % of it gets 8.4 values per period: up to 0.6 dB low), and
 * resampling down cuts the band the peaks were held in.  Measured on the
 * 60 cues of bench/voice_cues.txt, the true peak at the output rate
 * (libebur128) over the threshold: espeak-ng's default voice (22.05 kHz)
 * at 44.1, 48 and 96 kHz at most 0.066, 0.097 and 0.098 dB (but for two
 * cues over it at their own rate already), at 16 kHz 0.33 dB; flite's kal16
 * (16 kHz, strong near 8 kHz) at 48 kHz 0.71 dB.  So: a voice at 22.05 kHz
 * or more, never resampled down.  The price: on all 563 distinct English
 * cues of the library (espeak-ng; 562 controlled, one is silent), at
 * their own rate every one ends at most 0.008 dB over the threshold, but
 * resampled to 48 kHz 10 end more than 0.1 dB over it, at most 0.26 dB
 * (peakctl 6; controlled at 48 kHz, at most 0.08 dB): the promise above
 * is 0.1 dB at the clip's own rate, 0.3 dB at the output rate.  Any
 * thread. */
#define PEAKCTL_NATIVE_MIN_RATE 22050
static inline bool peakctl_at_native(int native_rate, int out_rate)
{
    return native_rate >= PEAKCTL_NATIVE_MIN_RATE && out_rate >= native_rate;
}

/* Names this control and its settings, for the keys of stored profiles
 * that were measured after it (clipstore.h). */
const char *peakctl_version(void);

/* The threshold (linear true peak, in the clip's own scale) that leaves
 * the mono speech clip s[0 .. n) at `rate`, once peakctl_apply() has
 * held its peaks there, with its true peak PEAKCTL_SPEECH_PLR_DB (within
 * 0.1 dB) above its integrated loudness (loudness.h, as the mixer
 * measures clips) — after the control, not before: limiting lowers the
 * loudness too, so the threshold is searched for (usually one pass of
 * the control over a copy, guided by a model of it at the profile's
 * resolution; the loudness after each pass is derived as peakctl_speech()
 * says, without measuring again).  *threshold is 0 (no control) for a clip
 * that is silent or whose true peak (as the control's detector reads it)
 * is already within the ratio.  s is not changed.
 * `init_lock` as for loud_profile().  Any thread.  Returns 0 or
 * AV_ENOMEM. */
int peakctl_speech_threshold(const float *s, size_t n, int rate, pthread_mutex_t *init_lock,
                             float *threshold);

/* peakctl_speech_threshold(), and then the control applied to s in place
 * (the samples peakctl_apply() with *threshold gives), and *prof its
 * loudness profile after the control (loudness.h; for a clip left as it
 * is, loud_profile() of it).  The profile of the controlled clip is
 * derived from the clip's own, measured once with libebur128, and the gain
 * the control applies (peakctl.c says how, and how close it comes to
 * measuring again).  The control is written into s as the search goes,
 * so on error s may be partly controlled (callers then drop it); *prof is
 * empty.  Any thread.  Returns 0 or AV_ENOMEM. */
int peakctl_speech(float *s, size_t n, int rate, pthread_mutex_t *init_lock, float *threshold,
                   struct loud_profile *prof);

/* Hold the true peaks of the mono clip s[0 .. n) at `rate` at or below
 * `threshold` (linear; 0 or less: leave the clip as it is), in place.  The
 * clip keeps its length and timing (the look-ahead reads ahead in the
 * clip; nothing is delayed).  Any thread.  Returns 0 or AV_ENOMEM (then
 * the clip is unchanged). */
int peakctl_apply(float *s, size_t n, int rate, float threshold);

#endif
