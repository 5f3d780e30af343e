/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * scratch.h — a thread's work buffers, kept from one clip to the next
 * (internal to src/mix).
 *
 * The clip workers' temporaries (a clip with silence around it, the
 * detector's values) are as long as the clip, so with main()'s 128 KiB
 * mmap threshold each was a fresh mapping whose pages were faulted in one
 * by one and cleared, then unmapped again: about a third of a cold
 * render's page faults.  A thread keeps its buffers here instead, each up
 * to SCRATCH_KEEP bytes (a longer one is freed when given back, so memory
 * stays bounded), and they are freed when the thread ends.
 *
 * Thread safety: each thread has its own; a buffer is used by the thread
 * that took it, between scratch_take() and scratch_give() of its slot.
 */
#ifndef ASANAVOX_MIX_SCRATCH_H
#define ASANAVOX_MIX_SCRATCH_H

#include <stddef.h>

enum {
    SCRATCH_SLOTS = 2,
    SCRATCH_KEEP = 2 << 20, /* bytes a slot keeps between uses */
};

/* Slot `slot`'s buffer, of at least `bytes` bytes, contents undefined.
 * NULL when out of memory. */
void *scratch_take(int slot, size_t bytes);

/* Done with slot `slot`'s buffer for now: kept when it is within
 * SCRATCH_KEEP, else freed. */
void scratch_give(int slot);

/* Free the calling thread's buffers now rather than when it ends
 * (mixer_destroy(): a mixer without workers prepared its clips on the
 * caller's thread, which may live on long after). */
void scratch_drop(void);

#endif
