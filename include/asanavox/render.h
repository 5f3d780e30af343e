/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * render.h — a whole session, block by block, from the mixer into a sink.
 *
 * `asanavox render` is: compile, mixer_create(), sink_open() on the file,
 * render_run(), and on any failure sink_destroy() without finishing, which
 * leaves nothing at the target.  Memory stays that of one block: nothing is
 * accumulated.
 */
#ifndef ASANAVOX_RENDER_H
#define ASANAVOX_RENDER_H

#include <signal.h>
#include <stdint.h>

struct mixer;
struct sink;

/* Called after every block with the frames written so far and the total. */
struct render_progress {
    void (*fn)(void *ctx, int64_t done, int64_t total);
    void *ctx;
};

/* The limiter's ceiling for Ogg Vorbis and MP3, dBTP.  Lossy encoders
 * raise peaks (measured here: up to 1.2 dB for MP3 of a mono render at
 * -1.5), so those get more room to stay under -1 dBTP when decoded. */
#define RENDER_LOSSY_CEILING_DBTP (-3.0)

/* Frames per block that render_run() moves at a time. */
#define RENDER_BLOCK_FRAMES 16384

/* Read every remaining frame from `m`, write it to `s` (open, with the
 * mixer's rate and channels) and finish the sink.  Before each block
 * *stop is checked (a flag a signal handler sets; `stop` may be NULL): when
 * it is nonzero, returns AV_EINTERRUPTED without finishing the sink.
 * `progress` may be NULL.  Returns 0, AV_EINTERRUPTED, AV_ENOMEM, a mixer
 * error (AV_EVOICE, AV_ESOUND, ...) or a sink error (AV_EIO and the like;
 * sink_message() then says why).  After a failure the caller destroys the
 * sink, which discards what was written.  Main thread (signal flag). */
int render_run(struct mixer *m, struct sink *s, const volatile sig_atomic_t *stop,
               const struct render_progress *progress);

#endif
