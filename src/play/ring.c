/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * ring.c — the lock-free SPSC frame ring (ring.h).
 */
#include "asanavox/ring.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "asanavox/error.h"

enum { MAX_FRAMES = 1 << 24 }; /* 16 Mi frames: 5.8 minutes at 48 kHz */

int ring_init(struct ring *r, size_t min_frames, int channels)
{
    memset(r, 0, sizeof(*r));
    atomic_init(&r->write_pos, 0);
    atomic_init(&r->read_pos, 0);
    if (min_frames == 0 || min_frames > MAX_FRAMES || channels < 1 || channels > 8 ||
        !atomic_is_lock_free(&r->write_pos) || !atomic_is_lock_free(&r->read_pos))
        return AV_EINVAL;
    size_t n = 1;
    while (n < min_frames)
        n <<= 1;
    r->buf = calloc(n * (size_t)channels, sizeof(float));
    if (!r->buf)
        return AV_ENOMEM;
    r->frames = n;
    r->mask = n - 1;
    r->channels = channels;
    return AV_OK;
}

void ring_deinit(struct ring *r)
{
    free(r->buf);
    r->buf = NULL;
    r->frames = r->mask = 0;
}

/* ---- producer ------------------------------------------------------------ */

size_t ring_space(const struct ring *r)
{
    size_t w = atomic_load_explicit(&r->write_pos, memory_order_relaxed);
    size_t rd = atomic_load_explicit(&r->read_pos, memory_order_acquire);
    return r->frames - (w - rd);
}

size_t ring_write(struct ring *r, const float *src, size_t frames)
{
    size_t w = atomic_load_explicit(&r->write_pos, memory_order_relaxed);
    size_t rd = atomic_load_explicit(&r->read_pos, memory_order_acquire);
    size_t space = r->frames - (w - rd);
    if (frames > space)
        frames = space;
    if (frames == 0)
        return 0;
    const size_t ch = (size_t)r->channels;
    size_t at = w & r->mask;
    size_t first = r->frames - at < frames ? r->frames - at : frames;
    memcpy(r->buf + at * ch, src, first * ch * sizeof(float));
    if (frames > first)
        memcpy(r->buf, src + first * ch, (frames - first) * ch * sizeof(float));
    /* Publish: the consumer that sees the new position sees the samples. */
    atomic_store_explicit(&r->write_pos, w + frames, memory_order_release);
    return frames;
}

size_t ring_write_position(const struct ring *r)
{
    return atomic_load_explicit(&r->write_pos, memory_order_relaxed);
}

/* ---- consumer ------------------------------------------------------------ */

size_t ring_available(const struct ring *r)
{
    size_t w = atomic_load_explicit(&r->write_pos, memory_order_acquire);
    size_t rd = atomic_load_explicit(&r->read_pos, memory_order_relaxed);
    return w - rd;
}

size_t ring_buffered(const struct ring *r)
{
    size_t w = atomic_load_explicit(&r->write_pos, memory_order_acquire);
    size_t rd = atomic_load_explicit(&r->read_pos, memory_order_acquire);
    return w - rd <= r->frames ? w - rd : 0;
}

size_t ring_peek(const struct ring *r, size_t frames, const float **a, size_t *na,
                 const float **b, size_t *nb)
{
    size_t w = atomic_load_explicit(&r->write_pos, memory_order_acquire);
    size_t rd = atomic_load_explicit(&r->read_pos, memory_order_relaxed);
    size_t avail = w - rd;
    if (frames > avail)
        frames = avail;
    const size_t ch = (size_t)r->channels;
    size_t at = rd & r->mask;
    size_t first = r->frames - at < frames ? r->frames - at : frames;
    *a = r->buf + at * ch;
    *na = first;
    *b = r->buf;
    *nb = frames - first;
    return frames;
}

void ring_advance(struct ring *r, size_t frames)
{
    size_t rd = atomic_load_explicit(&r->read_pos, memory_order_relaxed);
    /* Release: the producer that sees the space sees that we are done
     * reading the samples in it. */
    atomic_store_explicit(&r->read_pos, rd + frames, memory_order_release);
}

size_t ring_read(struct ring *r, float *dst, size_t frames)
{
    const float *a, *b;
    size_t na, nb;
    size_t n = ring_peek(r, frames, &a, &na, &b, &nb);
    const size_t ch = (size_t)r->channels;
    if (na)
        memcpy(dst, a, na * ch * sizeof(float));
    if (nb)
        memcpy(dst + na * ch, b, nb * ch * sizeof(float));
    ring_advance(r, n);
    return n;
}

size_t ring_read_position(const struct ring *r)
{
    return atomic_load_explicit(&r->read_pos, memory_order_relaxed);
}

size_t ring_discard_to(struct ring *r, size_t pos)
{
    size_t w = atomic_load_explicit(&r->write_pos, memory_order_acquire);
    size_t rd = atomic_load_explicit(&r->read_pos, memory_order_relaxed);
    size_t ahead = pos - rd;   /* how far pos is past what we have read */
    if (ahead == 0 || ahead > w - rd)
        return 0;              /* already read, or (wrapped) behind us */
    atomic_store_explicit(&r->read_pos, pos, memory_order_release);
    return ahead;
}
