/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * clipstore.h — what the mixer keeps between runs for each spoken clip of
 * a speech bank, in a persistent cache directory (filecache.h): the clip
 * peak-controlled and resampled to the output rate (so its key names
 * peakctl_version() too), and its loudness profile after speech's
 * peak control (peakctl.h) with that control's threshold; and the loudness
 * profile of each sound (bell, breath tone) it plays.  Internal to
 * src/mix.
 *
 * A warm run therefore neither resamples nor measures speech: as the mix
 * approaches a clip, its preparation reads the clip's small profile entry
 * (for its gain) and its samples at the output rate (a buffer the clip
 * owns and frees).  Both are pure functions of the clip's samples, which the
 * bank names by a 128-bit hash (speechbank.h), so the keys name every
 * input: that hash and length, the rates, and the version of the code that
 * made the entry (the resampler's, libsoxr's with the engine it runs on
 * this machine, and libebur128's).
 * Entries are checked by the file cache (length, checksum, whole key) and
 * here (their exact size); a corrupt or truncated one is a miss, is made
 * again and overwritten, and is never used.  Stored floats are the exact
 * floats computed, so a warm render is byte for byte a cold one.
 *
 * Threads: any; calls are serialized by a lock of the store's (the worker
 * and the mixer's thread both prepare clips).
 */
#ifndef ASANAVOX_MIX_CLIPSTORE_H
#define ASANAVOX_MIX_CLIPSTORE_H

#include <stddef.h>
#include <stdint.h>

#include "loudness.h"
#include "spares.h"

struct clipstore;
struct speech_clip;

/* Open (creating) `dir` as a store bounded to `max_bytes`.  Returns 0,
 * AV_EIO (the directory cannot be used: the mixer then works without a
 * store) or AV_ENOMEM. */
int clipstore_open(const char *dir, uint64_t max_bytes, struct clipstore **out);

/* Close it (trimming the directory to its bound if this run wrote to it).
 * Accepts NULL. */
void clipstore_close(struct clipstore *s);

/* The clip `c` at `rate`, peak-controlled (clipcache.c), exactly `frames`
 * floats, not yet gained or faded: *samples is malloc'd (taken from
 * `spares` when not NULL, spares.h) and the caller's.  Returns 0,
 * AV_ENOENT (a miss) or AV_ENOMEM. */
int clipstore_get_pcm(struct clipstore *s, const struct speech_clip *c, int rate, size_t frames,
                      struct spares *spares, float **samples);

/* Store the clip `c` resampled to `rate` (best effort: a failure only
 * costs the next run the resampling). */
void clipstore_put_pcm(struct clipstore *s, const struct speech_clip *c, int rate,
                       const float *samples, size_t frames);

/* The loudness profile of `c` as loud_profile() makes it at c->rate once
 * peakctl_apply() has held its peaks at *threshold (free it with
 * loud_profile_free()), and that threshold (analyze.c).  Returns 0,
 * AV_ENOENT or AV_ENOMEM. */
int clipstore_get_loud(struct clipstore *s, const struct speech_clip *c, struct loud_profile *p,
                       float *threshold);

/* Store them (best effort). */
void clipstore_put_loud(struct clipstore *s, const struct speech_clip *c,
                        const struct loud_profile *p, float threshold);

/* A sound's (a bell's, a breath tone's) profile is kept too, named by the
 * XXH3-128 hash of its `frames` float samples at the output rate `rate`
 * (clipstore_sound_id()), with its length and rate, so a warm run reads it
 * rather than measuring the sound again; a changed file has other samples
 * and so another entry.  Same returns as for speech. */
void clipstore_sound_id(const float *samples, size_t frames, uint64_t id[2]);
int clipstore_get_sound_loud(struct clipstore *s, const uint64_t id[2], size_t frames, int rate,
                             struct loud_profile *p);
void clipstore_put_sound_loud(struct clipstore *s, const uint64_t id[2], size_t frames, int rate,
                              const struct loud_profile *p);

#endif
