/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * workq.h — worker threads running queued jobs, taken in order: the one
 * queue behind the mixer's clip workers, the render writer and the WAV
 * writer.
 *
 * A job is a caller's pointer.  run(ctx, job) runs without the queue's
 * lock, on the worker (or on a thread that helps, workq_help_locked());
 * then done(ctx, job), if given, runs under the lock and every waiter is
 * woken, so state that done() publishes can be waited for with
 * workq_wait_locked().  With one worker (workq_start()) jobs run one at a
 * time, in the order they were pushed; with a pool (workq_start_pool())
 * they are taken in that order and may finish in any.  Workers start with
 * every signal blocked (thread.h).
 *
 * Threads: workq_start()/workq_stop() by the owner; the rest by the owner
 * and the functions it gives (the queue is not for several producers
 * racing on capacity).
 */
#ifndef ASANAVOX_WORKQ_H
#define ASANAVOX_WORKQ_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

enum { WORKQ_MAX_THREADS = 8 };

struct workq {
    pthread_t threads[WORKQ_MAX_THREADS];
    size_t n_threads;        /* started workers */
    pthread_mutex_t lock;
    pthread_cond_t cond;     /* any change: queued, taken, done, quit */
    void (*run)(void *ctx, void *job);
    void (*done)(void *ctx, void *job);
    void *ctx;
    void **jobs;             /* ring of queued jobs */
    size_t size, head, queued;
    size_t running;          /* taken, not done yet */
    size_t cap;              /* queued + running at most; 0: no limit */
    bool quit, drop, started;
};

/* Start the worker.  `cap`: how many jobs may be queued or running at
 * once (workq_push() waits for room), 0 for no limit.  Returns 0 or
 * AV_ENOMEM (nothing to stop then). */
int workq_start(struct workq *q, size_t cap, void (*run)(void *ctx, void *job),
                void (*done)(void *ctx, void *job), void *ctx);

/* The same with `threads` workers (1 to WORKQ_MAX_THREADS) taking jobs
 * from the one queue in order; `run` must then be safe to call on several
 * threads at once (as it already must be when the owner helps,
 * workq_help_locked()).  Jobs may finish out of order.  Returns 0 or
 * AV_ENOMEM (nothing to stop then). */
int workq_start_pool(struct workq *q, size_t cap, size_t threads,
                     void (*run)(void *ctx, void *job), void (*done)(void *ctx, void *job),
                     void *ctx);

/* Let the workers finish: with `drop`, jobs not yet taken are dropped (the
 * running ones end first); without, every queued job runs.  Then join and
 * free.  Safe on a queue that was never started. */
void workq_stop(struct workq *q, bool drop);

/* Queue a job, waiting while the queue is at its cap.  Returns 0 or
 * AV_ENOMEM (an unlimited queue could not grow; the job was not queued). */
int workq_push(struct workq *q, void *job);

/* Wait until every queued job has been done. */
void workq_drain(struct workq *q);

/* The queue's lock, for reading what done() publishes. */
void workq_lock(struct workq *q);
void workq_unlock(struct workq *q);

/* With the lock held: sleep until something changes. */
void workq_wait_locked(struct workq *q);

/* With the lock held: jobs queued or running. */
size_t workq_pending_locked(const struct workq *q);

/* With the lock held: take the oldest queued job and run it on this
 * thread (the lock is dropped meanwhile); false when none is queued. */
bool workq_help_locked(struct workq *q);

/* With the lock held: whether `job` is queued (pushed, not yet taken). */
bool workq_queued_locked(const struct workq *q, const void *job);

#endif
