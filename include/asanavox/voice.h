/*
 * voice.h — speech from espeak-ng, in-process, cached per text.
 *
 * espeak-ng keeps its state in globals, so a process creates ONE voice, at
 * most once (espeak-ng 1.51 hangs when it is initialised a second time in
 * the same process), and only one thread may use it.  A voice synthesizes
 * each distinct text once and keeps the samples (16-bit mono at espeak-ng's
 * native rate, 22050 Hz) until voice_destroy() or until the voice or speed
 * changes; it never evicts.
 *
 * Determinism: espeak-ng carries some state from one utterance to the next,
 * so the same text can come out a few samples longer or shorter depending
 * on what was spoken before.  A fresh process that synthesizes the same
 * texts in the same order gets identical samples.  That is why clips are
 * never dropped and synthesized again: `plan` and `render` both synthesize
 * every text once, in timeline order, during compilation, and so agree to
 * the sample.
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
 * the default for.  espeak-ng's klatt4 variant of en-us: measured clearer
 * than plain en-us by an offline recognizer (docs/QUALITY.md). */
#define VOICE_DEFAULT "en-us+klatt4"
#define VOICE_DEFAULT_LANGUAGE "en-us"

struct voice_clip {
    const int16_t *samples; /* mono, at voice_native_rate(); owned by the voice */
    size_t frames;
};

/* Initialise espeak-ng (data from its default location) and create the
 * voice.  Returns 0, AV_ENOMEM, or AV_EVOICE when espeak-ng cannot start
 * (missing espeak-ng-data) or when another voice exists already. */
int voice_create(struct voice **out);

/* Terminate espeak-ng and free every cached clip.  Accepts NULL. */
void voice_destroy(struct voice *v);

/* Select the espeak-ng voice (e.g. "en-us") and speed (words per minute,
 * 80..450).  Drops the cache when either changes.  Returns 0, AV_EINVAL
 * for a speed out of range, or AV_EVOICE when espeak-ng has no such voice. */
int voice_configure(struct voice *v, const char *name, int speed);

/* espeak-ng's output rate in frames per second. */
int voice_native_rate(const struct voice *v);

/* Synthesize `text` (UTF-8) with the configured voice, or return the cached
 * clip.  Leading and trailing silence is trimmed to a short fixed margin.
 * *out stays valid until voice_destroy(), voice_clear_cache() or the next
 * voice_configure() that changes something.  Returns 0, AV_ENOMEM,
 * AV_ELIMIT (the text
 * takes longer than VOICE_MAX_CLIP_SECONDS: synthesis stops there),
 * AV_EINTERRUPTED (the stop flag was raised; synthesis stops within one
 * block of samples) or AV_EVOICE. */
int voice_synth(struct voice *v, const char *text, const struct voice_clip **out);

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
 * call into the voice.  Returns 0.  The voice's thread only. */
int voice_list(struct voice *v, void (*fn)(void *ctx, const struct voice_info *info), void *ctx);
/* Poll *stop (set by a signal handler) during synthesis; NULL for never.
 * The pointer must outlive its use. */
void voice_set_stop(struct voice *v, const volatile sig_atomic_t *stop);

/* Forget every cached clip, for a caller that holds no clip pointers any
 * more (e.g. `check` between sessions). */
void voice_clear_cache(struct voice *v);

/* Number of distinct texts synthesized and cached so far. */
size_t voice_cache_count(const struct voice *v);

#endif
