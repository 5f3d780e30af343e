/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * spares.h — sample buffers the mixer recycles: a clip's buffer dropped
 * from the clip cache, or a worker's read of a speech clip, kept for the
 * next clip instead of being unmapped and mapped afresh.
 *
 * main() sets glibc's mmap threshold to 128 KiB so that memory stays flat
 * in a session's length; every buffer of a clip (192 KiB per second at
 * 48 kHz) is then a mapping of its own, whose pages are faulted in one by
 * one (cleared and charged) when it is first written, and whose unmapping
 * interrupts the other threads' CPUs to flush their TLBs.  A handful of
 * spares, bounded in number and bytes, takes most of that away from a
 * cold render, where every clip is prepared once and dropped soon after.
 *
 * Every buffer here is plain malloc'd memory: one taken may be freed
 * with free() instead of being put back.  Any thread.
 */
#ifndef ASANAVOX_MIX_SPARES_H
#define ASANAVOX_MIX_SPARES_H

#include <pthread.h>
#include <stddef.h>

enum { SPARES_MAX = 8 };

struct spares {
    pthread_mutex_t lock;
    size_t n, bytes;
    struct {
        void *buf;
        size_t cap; /* bytes it holds at least */
    } v[SPARES_MAX];
};

/* Returns 0 or AV_ENOMEM. */
int spares_init(struct spares *s);

/* Free every spare.  No other thread may use `s` any more. */
void spares_deinit(struct spares *s);

/* A buffer of at least `bytes` bytes (malloc'd, contents undefined): the
 * smallest spare that holds them (cut down to `bytes` when it is much
 * larger, so that a long-held clip wastes no memory), else the largest
 * grown to them (glibc moves a mapping's pages without copying), else a
 * fresh one.  NULL when out of memory. */
void *spares_take(struct spares *s, size_t bytes);

/* Give back `buf` (malloc'd, holding at least `bytes` bytes; NULL is
 * ignored): kept while the spares stay within their bounds, else freed.
 * Buffers under the mmap threshold are freed at once: malloc reuses
 * those without faults. */
void spares_put(struct spares *s, void *buf, size_t bytes);

#endif
