/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * render.c — mixer → sink, one block at a time (render.h).
 *
 * Two threads: the caller's mixes blocks into RING buffers, and
 * a writer thread (workq.h) hands them to the sink (16-bit conversion, encoding and
 * the write system calls), so mixing and writing overlap.  Blocks travel as
 * one channel (every channel carries the same signal) and the sink makes
 * the channels, which halves the work of the 16-bit conversion.  The ring holds
 * RING blocks; memory does not depend on the session's length.  Blocks are
 * written in order, so the output is the same as with one thread.  With
 * render_run_opening() the first RING blocks are mixed before the sink
 * exists and held in the ring, then handed over in order once it is open:
 * the same bytes, later (with at_once the sink is asked for first, and
 * before_finish gives the caller a last word before sink_finish()).
 */
#include "asanavox/render.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

#include "asanavox/error.h"
#include "asanavox/mixer.h"
#include "asanavox/sink.h"
#include "asanavox/thread.h"
#include "asanavox/workq.h"

enum { RING = RENDER_HELD_BLOCKS };

struct block {
    float *buf;          /* RENDER_BLOCK_FRAMES frames of one channel */
    size_t frames;
    int err;             /* of its write */
};

/* The blocks in flight and what the writer reports (under the queue's
 * lock: `err`, `written`). */
struct writer {
    struct workq q;
    struct sink *sink;
    struct block blocks[RING];
    _Atomic bool failed; /* a write failed: the rest is skipped */
    int err;
    int64_t written;
};

/* The writer thread's job: hand one block to the sink. */
static void write_block(void *ctx, void *job)
{
    struct writer *w = ctx;
    struct block *b = job;
    b->err = atomic_load(&w->failed) ? AV_OK : sink_write_mono(w->sink, b->buf, b->frames);
}

static void block_done(void *ctx, void *job)
{
    struct writer *w = ctx;
    struct block *b = job;
    w->written += (int64_t)b->frames;
    if (b->err && !w->err) {
        w->err = b->err;
        atomic_store(&w->failed, true);
    }
}

/* Report progress once the total is known (with a stream, once the
 * compile has ended). */
static void report(const struct render_progress *progress, const struct mixer *m,
                   int64_t written)
{
    int64_t total = mixer_duration(m);
    if (progress && progress->fn && total != INT64_MAX)
        progress->fn(progress->ctx, written, total);
}

/* Both entry points: with `open`, the sink comes from it once RING blocks
 * are mixed (held in the ring until then, in order from slot 0) or the
 * mix has ended. */
static int run(struct mixer *m, struct sink *s, const struct render_open *open,
               const volatile sig_atomic_t *stop, const struct render_progress *progress)
{
    struct writer w = {.sink = s};
    int err = AV_OK;
    for (int i = 0; i < RING; i++) {
        w.blocks[i].buf = malloc(RENDER_BLOCK_FRAMES * sizeof(float)); /* one channel */
        if (!w.blocks[i].buf)
            err = AV_ENOMEM;
    }
    if (!err)
        err = workq_start(&w.q, RING, write_block, block_done, &w);
    if (err)
        goto out;

    size_t slot = 0, held = 0;
    bool ended = false;
    for (;;) {
        if (av_stop_raised(stop)) {
            err = AV_EINTERRUPTED;
            break;
        }
        if (!w.sink && (held == RING || ended || (open && open->at_once))) {
            /* The writer reads w.sink only in jobs pushed after this. */
            err = open->fn(open->ctx, &w.sink);
            for (size_t i = 0; !err && i < held; i++)
                err = workq_push(&w.q, &w.blocks[i]); /* the ring is empty: no wait */
            held = 0;
            if (err || ended)
                break;
            if (av_stop_raised(stop)) {
                err = AV_EINTERRUPTED;
                break;
            }
        }
        if (w.sink) {
            /* Wait for a free block (the oldest; blocks are written in
             * order) and report progress meanwhile. */
            workq_lock(&w.q);
            while (workq_pending_locked(&w.q) == RING && !w.err)
                workq_wait_locked(&w.q);
            int werr = w.err;
            int64_t written = w.written;
            workq_unlock(&w.q);
            if (werr)
                break;
            report(progress, m, written);
        }
        size_t got = 0;
        err = mixer_read_mono(m, w.blocks[slot].buf, RENDER_BLOCK_FRAMES, &got);
        if (err)
            break;
        if (got == 0) {
            if (w.sink)
                break;
            ended = true; /* the sink first, for the blocks held */
            continue;
        }
        w.blocks[slot].frames = got;
        if (w.sink) {
            err = workq_push(&w.q, &w.blocks[slot]); /* there is room: no wait */
            if (err)
                break;
        } else {
            held++;
        }
        slot = (slot + 1) % RING;
    }
    /* Interrupted or failed: the output is void, the blocks waiting are
     * dropped; else the writer writes them all. */
    workq_stop(&w.q, err != AV_OK);
    if (!err)
        err = w.err;
    if (!err && av_stop_raised(stop))
        err = AV_EINTERRUPTED;
    if (!err && open && open->before_finish)
        err = open->before_finish(open->ctx, w.sink);
    if (!err) {
        report(progress, m, w.written);
        err = sink_finish(w.sink);
    }

out:
    for (int i = 0; i < RING; i++)
        free(w.blocks[i].buf);
    return err;
}

int render_run(struct mixer *m, struct sink *s, const volatile sig_atomic_t *stop,
               const struct render_progress *progress)
{
    return run(m, s, NULL, stop, progress);
}

int render_run_opening(struct mixer *m, const struct render_open *open,
                       const volatile sig_atomic_t *stop, const struct render_progress *progress)
{
    return run(m, NULL, open, stop, progress);
}
