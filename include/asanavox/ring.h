/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * ring.h — a single-producer, single-consumer lock-free ring of audio frames.
 *
 * `play` moves audio from the thread that runs the mixer (the producer) to
 * the PortAudio callback (the consumer) through one of these.  The callback
 * is real-time code, so the consumer side never blocks, allocates or makes
 * a system call: it is a few atomic loads and stores and memcpy.
 *
 * Positions are counters of frames ever written (`write_pos`, stored only
 * by the producer) and ever read (`read_pos`, stored only by the consumer),
 * so the fill level is write_pos - read_pos and "empty" and "full" are never
 * ambiguous.  They are size_t and wrap around harmlessly: only differences
 * are used, and a difference never exceeds the capacity.  The producer
 * publishes frames with a release store of write_pos after copying them;
 * the consumer reads write_pos with an acquire load before touching them.
 * The consumer gives space back the same way with read_pos.  The two
 * counters live on separate cache lines, so the threads do not fight over
 * one line.
 *
 * Exactly one thread may call the producer functions and one (other)
 * thread the consumer functions, at any time; ring_init() and
 * ring_deinit() run while neither does.  The ring refuses to work on a
 * platform where size_t atomics are not lock-free.
 */
#ifndef ASANAVOX_RING_H
#define ASANAVOX_RING_H

#include <stdatomic.h>
#include <stddef.h>

struct ring {
    float *buf;               /* frames * channels floats */
    size_t frames;            /* capacity in frames, a power of two */
    size_t mask;              /* frames - 1 */
    int channels;
    /* The padding keeps the two counters on different cache lines (64
     * bytes) without asking malloc() for more than its usual alignment. */
    char pad0[64];
    _Atomic size_t write_pos; /* frames ever written (producer) */
    char pad1[64];
    _Atomic size_t read_pos;  /* frames ever read (consumer) */
    char pad2[64];
};

/* Make an empty ring of at least `min_frames` frames (rounded up to a power
 * of two) of `channels` interleaved floats.  Returns 0, AV_EINVAL (no
 * frames, channels not 1..8, too large, or atomics that are not lock-free
 * here) or AV_ENOMEM.  No other thread may use the ring yet. */
int ring_init(struct ring *r, size_t min_frames, int channels);

/* Free the buffer.  Accepts a ring that ring_init() zeroed or failed on.
 * Neither side may use the ring any more. */
void ring_deinit(struct ring *r);

/* Producer: frames that can be written now without overwriting unread ones. */
size_t ring_space(const struct ring *r);

/* Producer: copy up to `frames` frames from `src` into the ring, and return
 * how many were copied (fewer when it is nearly full; never blocks). */
size_t ring_write(struct ring *r, const float *src, size_t frames);

/* Producer: the write position (frames ever written). */
size_t ring_write_position(const struct ring *r);

/* Consumer: frames that can be read now. */
size_t ring_available(const struct ring *r);

/* Any thread: frames queued now, as seen by a third party (0 if the two
 * counters are caught mid-update in an inconsistent order). */
size_t ring_buffered(const struct ring *r);

/* Consumer: copy up to `frames` frames into `dst` and return how many (fewer
 * when the ring has fewer; never blocks). */
size_t ring_read(struct ring *r, float *dst, size_t frames);

/* Consumer, without copying: point *a at the first `*na` readable frames
 * and *b at the `*nb` after them that wrapped to the buffer's start (0 when
 * they did not), up to `frames` in all.  Returns *na + *nb.  The frames
 * stay valid until ring_advance() releases them. */
size_t ring_peek(const struct ring *r, size_t frames, const float **a, size_t *na,
                 const float **b, size_t *nb);

/* Consumer: release `frames` frames (at most ring_available()). */
void ring_advance(struct ring *r, size_t frames);

/* Consumer: the read position (frames ever read). */
size_t ring_read_position(const struct ring *r);

/* Consumer: drop every frame before write position `pos` (one the producer
 * reported with ring_write_position()); nothing happens when they are
 * already read.  Returns the frames dropped. */
size_t ring_discard_to(struct ring *r, size_t pos);

#endif
