/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * voice.h — speech from espeak-ng, cached per text in memory and on disk.
 *
 * Independence: the samples of a text depend only on espeak-ng (its version
 * and data), the voice, the speed and the text, never on what was spoken
 * before.  espeak-ng 1.51 carries state from one utterance to the next in
 * globals no API resets, so it runs in a helper process and every text is
 * spoken by a fresh fork of a freshly configured copy (src/voice/server.h).
 * `plan`, `render`, `play` and `list` therefore agree to the sample in any
 * order, and clips can be kept on disk and shared between runs.
 *
 * Caches: a voice keeps every clip it has returned (16-bit mono at
 * espeak-ng's native rate, 22050 Hz) until voice_destroy() or until the
 * voice or speed changes; it never evicts.  With voice_use_cache() it also
 * looks clips up in, and adds them to, a persistent cache directory
 * (filecache.h): a run that finds all its texts there never starts
 * espeak-ng.
 *
 * Threads: only one thread may use a voice.  voice_create() forks the
 * helper, so call it while the process still has one thread.  Several
 * voices may exist at once and one after another (each has its own
 * helper).
 *
 * Lengths at another rate: a clip of n native frames lasts exactly
 * voice_frames_at(n, native, rate) = ceil(n * rate / native) frames at
 * `rate`.  The compiler plans with that number and the mixer resamples to
 * exactly that many frames, so `plan` and `render` agree to the sample.
 */
#ifndef ASANAVOX_VOICE_H
#define ASANAVOX_VOICE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

/* No clip is longer than this (the compiler's SESSION_MAX_CLIP_MS). */
#define VOICE_MAX_CLIP_SECONDS 120

struct voice;

/* The voice a session without voice: speaks with, and the language it is
 * the default for.  espeak-ng's klatt2 variant of en-us (at
 * VOICE_DEFAULT_SPEED): of espeak-ng's variants and speeds, the one an
 * offline recognizer understood best, well ahead of plain en-us
 * (docs/QUALITY.md, "Choosing the default English voice"). */
#define VOICE_DEFAULT "en-us+klatt2"
#define VOICE_DEFAULT_LANGUAGE "en-us"
/* The speed (words per minute) the default voice speaks at when neither
 * the session (speed:) nor the command line (--speed) sets one: the
 * recognizer measured it clearer at this rate than at 150, and clearer
 * still against plain en-us (docs/QUALITY.md).  Every other voice
 * defaults to 150. */
#define VOICE_DEFAULT_SPEED 170

struct voice_clip {
    const int16_t *samples; /* mono, at voice_native_rate(); owned by the voice */
    size_t frames;
};

/* Create a voice and fork its espeak-ng helper (espeak-ng itself starts,
 * in the helper, at the first voice_configure() that the disk cache cannot
 * answer).  Returns 0, AV_ENOMEM, or AV_EVOICE when the helper cannot be
 * forked. */
int voice_create(struct voice **out);

/* Stop the helper and free every cached clip.  Accepts NULL. */
void voice_destroy(struct voice *v);

/* Have espeak-ng speak `steps` nice levels below this process, for work
 * whose own threads consume the speech as it comes (render: preparing
 * and mixing the clips).  At equal priority the speech ran well ahead of
 * the clips it fed and the mix then finished alone on one core; lower, it
 * takes what the mix leaves, which is everything while the mix waits for
 * it (30-min cold render: median 0.474 s at equal priority, 0.432 s at
 * +10, 0.448 s at +5, 0.434 s at +19; 7 alternated runs each).  Not for
 * play, whose speech must come on time on a busy machine.  Call before
 * the first voice_configure().  Returns 0, or AV_EINVAL when the system
 * does not allow it (speech keeps this process's priority). */
int voice_lower_priority(struct voice *v, int steps);

/* Use the directory `dir` as a persistent cache of clips (and of the voice
 * names espeak-ng accepts), bounded to `max_bytes`; it is created if
 * missing.  Call at most once, before the first voice_configure().
 * Returns 0, AV_EIO (the directory cannot be used; the voice still works
 * without it), AV_EINVAL (called twice) or AV_ENOMEM. */
int voice_use_cache(struct voice *v, const char *dir, uint64_t max_bytes);

/* Select the espeak-ng voice (e.g. "en-us", or a language it lists such as
 * "en-gb") and speed (words per minute, 80..450).  Drops the memory cache
 * when either changes.  Returns 0, AV_EINVAL for a speed out of range, or
 * AV_EVOICE when espeak-ng has no such voice or cannot start. */
int voice_configure(struct voice *v, const char *name, int speed);

/* espeak-ng's output rate in frames per second; 0 before the first
 * successful voice_configure(). */
int voice_native_rate(const struct voice *v);

/* The clip of `text` (UTF-8) with the configured voice: from memory, from
 * the disk cache, or synthesized (and then stored in both).  Leading and
 * trailing silence is trimmed to a short fixed margin.
 * *out stays valid until voice_destroy(), voice_clear_cache() or the next
 * voice_configure() that changes something.  Returns 0, AV_ENOMEM,
 * AV_ELIMIT (the text takes longer than VOICE_MAX_CLIP_SECONDS: synthesis
 * stops there), AV_EINTERRUPTED (the stop flag was raised: the wait for
 * espeak-ng ends within 50 ms, and the helper is dropped, so every later
 * synthesis fails too) or AV_EVOICE. */
int voice_synth(struct voice *v, const char *text, const struct voice_clip **out);

/* Ask ahead for the clip of `text`, so that espeak-ng speaks it while the
 * caller does something else: when the clip is in memory or on disk,
 * *frames is its length in native frames (from the disk entry's size: a
 * damaged entry is found, and the text spoken, only by voice_synth());
 * otherwise *frames is -1 and the text is queued to the helper, which
 * speaks queued texts several at once (one per CPU) in the order they were
 * asked for.  No samples are read or kept here.  A later voice_synth() of
 * a queued text waits only for the texts queued before it.  Clips do not
 * depend on the order (see the top of this file).
 * flite voices queue nothing (a text on disk still has its length):
 * flite speaks in this process, on demand, one text at a time (its
 * voices draw on rand(), seeded before each text on the calling
 * thread's own state: src/voice/rand.c).
 * Returns 0, AV_ENOMEM, AV_EINTERRUPTED (the stop flag is raised) or
 * AV_EVOICE. */
int voice_prefetch(struct voice *v, const char *text, int64_t *frames);

/* Stop speaking the queued texts nobody asked for with voice_synth():
 * those not started are dropped, running ones killed; those already
 * spoken are kept as any other clip.  Called when a compile ends, and by
 * voice_configure() on a change. */
void voice_prefetch_end(struct voice *v);

/* Poll *stop (set by a signal handler) while waiting for speech; NULL for
 * never.  The pointer must outlive its use. */
void voice_set_stop(struct voice *v, const volatile sig_atomic_t *stop);

/* Forget every clip held in memory, for a caller that holds no clip
 * pointers any more (e.g. `check` between sessions).  The disk cache
 * keeps them. */
void voice_clear_cache(struct voice *v);

/* Forget the one clip of `text` held in memory (nothing if none), for a
 * caller that has stored it elsewhere and holds no pointer to it; the
 * clips answered ahead for other texts stay.  The disk cache keeps it. */
void voice_forget(struct voice *v, const char *text);

/* A string naming both engines, espeak-ng's version and its data and
 * flite's version and libraries (malloc'd; NULL when out of memory): two
 * runs with the same string speak every text alike, whichever engine a
 * voice names.  Part of every cache key that depends on speech (the
 * clips themselves are kept under their own engine's part of it).  It
 * sets espeak-ng's data path (a global): call it from one thread at a
 * time. */
char *voice_engine_stamp(void);

/* Length at `rate` of `frames` frames at `native` rate: ceil(frames*rate/native). */
int64_t voice_frames_at(size_t frames, int native, int rate);

/* One voice an engine offers, for voice_list(). */
struct voice_info {
    const char *engine;   /* "espeak-ng" or "flite" */
    const char *name;     /* what voice: and --voice take ("en-us", "flite:slt") */
    const char *language; /* the language it speaks ("en-us") */
};

/* Call fn(ctx, info) for every voice of both engines: espeak-ng's voices
 * (espeak-ng variants such as "+klatt4" can be appended to their names),
 * then flite's when flite is built in.  The strings live until the next
 * call into the voice.  Starts espeak-ng in this process to read its list
 * (it never speaks here).  Returns 0 or AV_EVOICE.  The voice's thread
 * only. */
int voice_list(struct voice *v, void (*fn)(void *ctx, const struct voice_info *info), void *ctx);

/* Number of distinct texts held in memory (since the last change of voice
 * or speed). */
size_t voice_cache_count(const struct voice *v);

/* Number of texts espeak-ng has spoken for this voice (misses of both
 * caches) since voice_create(). */
size_t voice_synth_count(const struct voice *v);

#endif
