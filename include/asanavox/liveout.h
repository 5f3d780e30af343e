/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * liveout.h — the live-output engine: what happens between the producer
 * that mixes a session and a sound card's real-time callback, without the
 * sound card.
 *
 * The engine owns a lock-free SPSC ring (ring.h) of interleaved float
 * frames, the marks that say which session frame the next written frame
 * is, the envelopes (pause fade, skip fade before a jump, smoothed live
 * gain) and the audio clock.  liveout_render() is the whole body of an
 * output callback: PortAudio's callback in src/sink/portaudio.c calls it
 * and nothing else, and the tests call it directly with any buffer size,
 * so underruns, pauses, seeks, marks and the end are tested without a
 * device.
 *
 * Positions.  Each frame written belongs to the session frame that follows
 * the last liveout_mark() (the first frame written after
 * liveout_mark(lo, F, id) is frame F).  A mark also drops every frame
 * queued before it, after a 5 ms fade-out so a jump never clicks.
 * liveout_render() counts the frames it takes from the ring, so
 * liveout_position() is the audio clock: where in the session the sound
 * card is, never derived from wall time.  While paused, render fades out
 * over 30 ms and then returns silence without taking frames, so the clock
 * stands still.
 *
 * The end.  After liveout_end(), render plays what is queued and then
 * reports completion (returns true, once); from then on the engine is
 * drained for good: a later mark does not undo it (the stream behind the
 * callback has stopped).
 *
 * Threads (like miniaudio's notes):
 *   producer   liveout_write(), liveout_space(), liveout_mark(),
 *              liveout_end(): ONE thread.
 *   callback   liveout_render(), liveout_device_underflow(): ONE thread,
 *              real-time safe (no allocation, locks, I/O or waiting).
 *   any        the rest: atomic reads and writes.
 * liveout_create()/liveout_destroy() and liveout_set_latency() before the
 * callback starts (or after it stopped) only.
 */
#ifndef ASANAVOX_LIVEOUT_H
#define ASANAVOX_LIVEOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct liveout;

struct liveout_config {
    int rate;               /* frames per second */
    int channels;           /* 1 or 2 */
    double ring_seconds;    /* the ring's size, 0.05 to 60 */
    size_t resume_frames;   /* queued before playing on after a jump (and at
                               the start); at most half the ring.  Waiting
                               for them is silence, not an underrun. */
};

struct liveout_stats {
    int64_t frames_out;      /* frames rendered (silence too) */
    int64_t first_audio_ns;  /* CLOCK_MONOTONIC when the first frame from
                                the ring was rendered, or 0 */
    unsigned underruns;      /* renders that found the ring dry */
    unsigned device_underflows; /* liveout_device_underflow() calls */
    int64_t callbacks;       /* liveout_render() calls */
    int64_t callback_ns;     /* time spent in them */
    int max_frames;          /* largest render */
};

/* Make an engine (empty ring, not paused, gain 1, clock at 0).  Returns 0,
 * AV_EINVAL (bad config, or this machine's atomics are not lock-free, so
 * the callback could block) or AV_ENOMEM. */
int liveout_create(const struct liveout_config *cfg, struct liveout **out);

/* Free it.  Accepts NULL. */
void liveout_destroy(struct liveout *lo);

/* Before the callback starts: the device's output latency in frames, by
 * which liveout_position() lags the frames rendered while playing. */
void liveout_set_latency(struct liveout *lo, int64_t frames);

/* Producer: frames liveout_write() can take now. */
size_t liveout_space(const struct liveout *lo);

/* Producer: copy up to `frames` interleaved frames into the ring; returns
 * how many it took (fewer when the ring is full).  Never waits. */
size_t liveout_write(struct liveout *lo, const float *interleaved, size_t frames);

/* Producer: the next frame written is session frame `frame`; frames queued
 * before now are dropped (faded out first).  `id` comes back from
 * liveout_position() once render has made the jump. */
void liveout_mark(struct liveout *lo, int64_t frame, unsigned id);

/* Producer: nothing more will be written (until the next mark). */
void liveout_end(struct liveout *lo);

/* Callback: fill `out` with `frames` interleaved frames (silence where
 * there is nothing to play).  Returns true when everything up to
 * liveout_end() has been rendered: the stream is complete. */
bool liveout_render(struct liveout *lo, float *out, size_t frames);

/* Callback: the device reported an output underflow. */
void liveout_device_underflow(struct liveout *lo);

/* Any thread: frames queued in the ring. */
size_t liveout_buffered(const struct liveout *lo);

/* Any thread: pause (fade out, then silence; the clock stops) or resume. */
void liveout_set_paused(struct liveout *lo, bool paused);

/* Any thread: the live gain (linear, 0..4; others are ignored or capped),
 * reached smoothly (20 ms). */
void liveout_set_gain(struct liveout *lo, float gain);

/* Any thread: the session frame being heard now and the id of the last
 * mark render has applied (NULL: not wanted). */
int64_t liveout_position(const struct liveout *lo, unsigned *mark_id);

/* Any thread: paused and faded out to silence. */
bool liveout_silent(const struct liveout *lo);

/* Any thread: render has completed the stream (see "The end"). */
bool liveout_drained(const struct liveout *lo);

/* Any thread: the counters so far. */
void liveout_stats(const struct liveout *lo, struct liveout_stats *st);

#endif
