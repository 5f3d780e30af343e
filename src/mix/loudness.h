/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * loudness.h — per-clip loudness and a prediction of a whole session's
 * integrated loudness, without mixing it.  Internal to src/mix.
 *
 * EBU R128 integrated loudness is the mean energy of 400 ms blocks (every
 * 100 ms) after two gates: blocks below -70 LUFS are dropped, then blocks
 * more than 10 LU below the mean of the rest.  A session is mostly silence
 * and short cues, so how much of it passes the gates depends on how the
 * cues are laid out.  To land on the target anyway, the mixer measures each
 * distinct clip once — a profile of its K-weighted energy every 10 ms,
 * with libebur128 — and then lays the profiles out on the timeline's 100 ms
 * grid, adding energies (clips that overlap are uncorrelated), and gates
 * the blocks as R128 does.  The limiter is modelled too, at the same 10 ms
 * resolution (its gain per bin from the bin's peak, with its release), so
 * a clip whose peaks it will hold down gets the gain that makes it reach
 * its loudness anyway.  That gives the session's loudness to within a few
 * tenths of a LU before a single block is mixed, so the mixer can stream
 * from the first block with the right gain.  Memory is a ring of
 * 100 ms bins as long as the longest clip, and a histogram of block
 * loudness: it does not grow with the session.
 */
#ifndef ASANAVOX_MIX_LOUDNESS_H
#define ASANAVOX_MIX_LOUDNESS_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

/* A mono clip in consecutive bins of bin_seconds (10 ms, rounded down to
 * whole frames): K-weighted mean square and sample peak per bin. */
struct loud_profile {
    float *ms;
    float *peak;
    size_t n;
    double bin_seconds;
};

/* Profile of `n` frames at `rate`.  libebur128's ebur128_init() rewrites
 * the library's static tables on every call, so threads that profile at
 * the same time pass a shared `init_lock` (NULL: none needed).  Returns 0
 * or AV_ENOMEM. */
int loud_profile(const float *s, size_t n, int rate, pthread_mutex_t *init_lock,
                 struct loud_profile *out);
void loud_profile_free(struct loud_profile *p);

/* Names the way loud_profile() measures ("v1"): change it with the
 * measurement, so stored profiles (clipstore.h) are made again. */
const char *loud_profile_version(void);

/* The limiter as seen at the profile's resolution: for the clip scaled by
 * `gain`, the gain the mixer's limiter (ceiling `ceiling`, linear; 0 for
 * none) applies in each bin, into env[0 .. p->n). */
void loud_limit_env(const struct loud_profile *p, double gain, double ceiling, float *env);

/* Integrated loudness (LUFS, one channel) of the clip scaled by `gain` and
 * limited as loud_limit_env() says, looped to two seconds when shorter,
 * with the gates of EBU R128.  -HUGE_VAL for silence.  `env` is scratch
 * of p->n floats. */
double loud_clip_lufs(const struct loud_profile *p, double gain, double ceiling, float *env);

/* The gain that brings the clip to `target` LUFS after limiting (within
 * 0.02 LU when it can be reached; the limiter may not let it), clamped to
 * -60 .. +40 dB.  1.0 for a silent clip.  `env` is scratch as above. */
double loud_solve_gain(const struct loud_profile *p, double target, double ceiling, float *env);

struct loud_predict;

/* `longest_seconds`: no clip added is longer.  `channels`: the output's
 * (each carries the same signal).  Returns 0, AV_EINVAL or AV_ENOMEM. */
int loud_predict_create(double longest_seconds, int channels, struct loud_predict **out);
void loud_predict_destroy(struct loud_predict *p);

/* A clip with profile `prof`, scaled by `gain` and by the limiter's
 * per-bin gains `env` (NULL: none), starting at `start` seconds.  Calls
 * must come in order of start. */
void loud_predict_add(struct loud_predict *p, double start, const struct loud_profile *prof,
                      double gain, const float *env);

/* Integrated loudness (LUFS) of everything added; -HUGE_VAL for silence. */
double loud_predict_finish(struct loud_predict *p);

#endif
