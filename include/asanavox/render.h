/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * render.h — a whole session, block by block, from the mixer into a sink.
 *
 * `asanavox render` is: compile, mixer_create(), sink_open() on the file,
 * render_run(), and on any failure sink_destroy() without finishing, which
 * leaves nothing at the target (with a streamed compile: mixer_create() on
 * its header, and render_run_opening(), which opens the file once the
 * timeline is whole).  Memory stays that of a ring of blocks: nothing is
 * accumulated.
 */
#ifndef ASANAVOX_RENDER_H
#define ASANAVOX_RENDER_H

#include <signal.h>
#include <stdbool.h>
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

/* The sink, for a render that starts mixing before it can be opened (a
 * streamed compile: the file's header holds the length and the chapters,
 * known once the timeline is whole).  fn() is called once, on the calling
 * thread, when the blocks render_run_opening() holds are full or the mix
 * has ended, whichever comes first (or at once, with at_once), and may wait meanwhile (e.g. with
 * mixer_stream_prefetch()); it sets *s to the open sink, or returns an
 * error, which render_run_opening() returns (not called when the mix
 * fails first). */
struct render_open {
    int (*fn)(void *ctx, struct sink **s);
    void *ctx;
    bool at_once;  /* call fn() before the first block is mixed (a WAV
                      file opened with no length yet, sink.h) */
    /* Called, if not NULL, on the calling thread once every block is
     * written and before sink_finish(), e.g. to give the sink its
     * chapters (sink_set_tags()); its error is returned (the sink is then
     * not finished). */
    int (*before_finish)(void *ctx, struct sink *s);
};

/* render_run() with the sink from `open`: up to RENDER_HELD_BLOCKS blocks
 * are mixed before it is asked for.  The progress starts once the
 * mixer's duration is known.  Returns what render_run() returns, or
 * open's error. */
int render_run_opening(struct mixer *m, const struct render_open *open,
                       const volatile sig_atomic_t *stop, const struct render_progress *progress);

/* How many blocks render_run_opening() mixes before it needs the sink:
 * about 5.5 s at 48 kHz, 1 MiB. */
#define RENDER_HELD_BLOCKS 16

#endif
