/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * ambience.h — the ambient bed: a seamless loop under the whole session,
 * faded in and out, and ducked under every speech cue.  Internal to
 * src/mix.
 *
 * The bed (ocean, rain, drone: 16 s loops from tools/gen_sounds.c, or any
 * sound) repeats from the session's first frame to its last.  It fades in
 * over the first 4 s and out over the last 6 s (each at most a quarter of
 * the session), raised-cosine.
 *
 * Ducking.  The timeline says where every speech cue is, so the bed is not
 * ducked by a detector reacting to the voice but by an envelope computed
 * from the plan: AMB_DUCK_DB down from AMB_ATTACK_MS before a cue starts
 * (so the first syllable is already clear) until AMB_RELEASE_MS after it
 * ends, raised-cosine on both sides.  Cues closer together than attack plus
 * release are one ducked stretch, so the bed never pumps between the words
 * of a sentence or between the sentences of an announcement.  Like the
 * rest of the mix, the bed at a frame depends only on the frame, so
 * `render` and `play` (with its seeks) give the same samples.
 */
#ifndef ASANAVOX_MIX_AMBIENCE_H
#define ASANAVOX_MIX_AMBIENCE_H

#include <stddef.h>
#include <stdint.h>

struct timeline;
struct ambience;

#define AMB_DUCK_DB 12.0
enum { AMB_ATTACK_MS = 300, AMB_RELEASE_MS = 800, AMB_FADE_IN_MS = 4000, AMB_FADE_OUT_MS = 6000 };

/* Create the bed for `tl` from `loop` (loop_len > 0 mono frames at
 * tl->rate, malloc'd; the ambience takes it over, also on failure) at
 * linear gain `gain`.  `speech` lists the timeline's speech cues as
 * [start, end) frame pairs in start order (n_speech of them; copied).
 * Returns 0 or AV_ENOMEM / AV_EINVAL.  Any thread. */
int ambience_create(const struct timeline *tl, float *loop, size_t loop_len, float gain,
                    const int64_t (*speech)[2], size_t n_speech, struct ambience **out);

/* Free it.  Accepts NULL. */
void ambience_destroy(struct ambience *a);

/* Add the bed for frames [from, from + n) to dst. */
void ambience_add(const struct ambience *a, int64_t from, size_t n, float *dst);

/* The ducking gain (AMB_DUCK_DB down = 0.25, up = 1) at frame t. */
float ambience_duck(const struct ambience *a, int64_t t);

#endif
