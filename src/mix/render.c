/*
 * render.c — mixer → sink, one block at a time (render.h).
 *
 * Two threads: the caller's mixes blocks into a small ring of buffers, and
 * a writer thread hands them to the sink (16-bit conversion, encoding and
 * the write system calls), so mixing and writing overlap.  Blocks travel as
 * one channel (every channel carries the same signal) and the sink makes
 * the channels, which halves the work of the 16-bit conversion.  The ring holds
 * RING blocks; memory does not depend on the session's length.  Blocks are
 * written in order, so the output is the same as with one thread.
 */
#include "asanavox/render.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "asanavox/error.h"
#include "asanavox/mixer.h"
#include "asanavox/sink.h"
#include "asanavox/thread.h"

enum { RING = 16 };

struct ring {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    float *buf[RING];
    size_t frames[RING];
    size_t head, count;  /* filled blocks waiting for the writer */
    bool end;            /* no more blocks will come */
    bool abandon;        /* ...and those waiting are not wanted either */
    int err;             /* the writer's error */
    int64_t written;
    struct sink *sink;
};

static void *writer_main(void *arg)
{
    struct ring *r = arg;
    pthread_mutex_lock(&r->lock);
    for (;;) {
        while (!r->count && !r->end)
            pthread_cond_wait(&r->cond, &r->lock);
        if (!r->count || r->abandon)
            break;
        size_t i = r->head;
        pthread_mutex_unlock(&r->lock);
        int err = sink_write_mono(r->sink, r->buf[i], r->frames[i]);
        pthread_mutex_lock(&r->lock);
        r->head = (r->head + 1) % RING;
        r->count--;
        r->written += (int64_t)r->frames[i];
        pthread_cond_broadcast(&r->cond);
        if (err) {
            r->err = err;
            break;
        }
    }
    pthread_mutex_unlock(&r->lock);
    return NULL;
}

int render_run(struct mixer *m, struct sink *s, const volatile sig_atomic_t *stop,
               const struct render_progress *progress)
{
    const int64_t total = mixer_duration(m);
    struct ring r = {.sink = s};
    int err = AV_OK;
    for (int i = 0; i < RING; i++) {
        r.buf[i] = malloc(RENDER_BLOCK_FRAMES * sizeof(float)); /* one channel */
        if (!r.buf[i])
            err = AV_ENOMEM;
    }
    if (err)
        goto out;
    if (pthread_mutex_init(&r.lock, NULL) != 0) {
        err = AV_ENOMEM;
        goto out;
    }
    if (pthread_cond_init(&r.cond, NULL) != 0) {
        pthread_mutex_destroy(&r.lock);
        err = AV_ENOMEM;
        goto out;
    }
    pthread_t writer;
    if (av_thread_create(&writer, writer_main, &r) != 0) {
        pthread_cond_destroy(&r.cond);
        pthread_mutex_destroy(&r.lock);
        err = AV_ENOMEM;
        goto out;
    }

    size_t slot = 0;
    for (;;) {
        if (stop && *stop) {
            err = AV_EINTERRUPTED;
            break;
        }
        /* Wait for a free buffer (and report progress meanwhile). */
        pthread_mutex_lock(&r.lock);
        while (r.count == RING && !r.err)
            pthread_cond_wait(&r.cond, &r.lock);
        int werr = r.err;
        int64_t written = r.written;
        pthread_mutex_unlock(&r.lock);
        if (werr)
            break;
        if (progress && progress->fn)
            progress->fn(progress->ctx, written, total);
        size_t got = 0;
        err = mixer_read_mono(m, r.buf[slot], RENDER_BLOCK_FRAMES, &got);
        if (err || got == 0)
            break;
        pthread_mutex_lock(&r.lock);
        r.frames[slot] = got;
        r.count++;
        pthread_cond_broadcast(&r.cond);
        pthread_mutex_unlock(&r.lock);
        slot = (slot + 1) % RING;
    }
    pthread_mutex_lock(&r.lock);
    r.end = true;
    r.abandon = err != AV_OK; /* interrupted or failed: the output is void */
    pthread_cond_broadcast(&r.cond);
    pthread_mutex_unlock(&r.lock);
    pthread_join(writer, NULL);
    pthread_cond_destroy(&r.cond);
    pthread_mutex_destroy(&r.lock);
    if (!err)
        err = r.err;
    if (!err && stop && *stop)
        err = AV_EINTERRUPTED;
    if (!err) {
        if (progress && progress->fn)
            progress->fn(progress->ctx, r.written, total);
        err = sink_finish(s);
    }

out:
    for (int i = 0; i < RING; i++)
        free(r.buf[i]);
    return err;
}
