/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * voicecache.h — the voice's entries in the persistent cache (filecache.h):
 * spoken clips, and the voice names espeak-ng accepted with their rates.
 * Internal to src/voice (voice.c).
 *
 * A clip's key is "speech", the stamp of the engine that spoke it, the
 * voice name, the speed and the text.  The stamp names the engine, its
 * version and the files its speech comes from: espeak-ng's stamp
 * (voicecache_espeak_stamp()) and flite's (flite_engine_stamp(), flite.h)
 * begin with the engine's name, and flite's voice names all begin with
 * "flite:", which espeak-ng's never do.  So a clip of one engine is never
 * taken for the other's, nor one voice's for another's.
 *
 * An entry is an int32 rate followed by the 16-bit samples.  The file
 * cache checks an entry's length, checksum and whole key; here an entry at
 * another rate, of an odd size or longer than VOICE_MAX_CLIP_SECONDS is a
 * miss too, so a damaged entry is spoken again, never played.
 *
 * Threads: those of the struct filecache passed in (one at a time).
 */
#ifndef ASANAVOX_VOICE_VOICECACHE_H
#define ASANAVOX_VOICE_VOICECACHE_H

#include <stddef.h>
#include <stdint.h>

struct filecache;

/* Which clips an entry belongs to: `stamp` (the engine), `name` (the
 * voice, as voice_configure() took it), `speed` and `rate` (the engine's
 * output rate for that voice, which every entry records). */
struct voicecache_voice {
    struct filecache *disk;
    const char *stamp;
    const char *name;
    int speed;
    int rate;
};

/* espeak-ng's version and its data (malloc'd; NULL when out of memory).
 * It sets espeak-ng's data path (a global): one thread at a time. */
char *voicecache_espeak_stamp(void);

/* The clip of `text`: 0 with *samples (malloc'd, the caller's) and
 * *frames, AV_ENOENT (a miss, or a damaged entry) or AV_ENOMEM. */
int voicecache_get(const struct voicecache_voice *cv, const char *text, int16_t **samples,
                   size_t *frames);

/* Only the length in frames of the clip of `text`, from the entry's size
 * (no samples are read, so a damaged entry is found only by
 * voicecache_get()): 0 with *frames, AV_ENOENT or AV_ENOMEM. */
int voicecache_peek(const struct voicecache_voice *cv, const char *text, int64_t *frames);

/* Keep the clip of `text` (best effort: a failure costs the next run the
 * synthesis, nothing else). */
void voicecache_put(const struct voicecache_voice *cv, const char *text, const int16_t *samples,
                    size_t frames);

/* The rate remembered for the voice cv->name of engine cv->stamp (speed
 * and rate unused): 0 with *rate, AV_ENOENT or AV_ENOMEM. */
int voicecache_known_voice(const struct voicecache_voice *cv, int *rate);

/* Remember that cv->name speaks at `rate` (best effort). */
void voicecache_remember_voice(const struct voicecache_voice *cv, int rate);

#endif
