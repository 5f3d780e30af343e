/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * workq.c — worker threads running queued jobs, taken in order (workq.h).
 */
#include "asanavox/workq.h"

#include <stdlib.h>
#include <string.h>

#include "asanavox/error.h"
#include "asanavox/thread.h"

/* Take the oldest job and run it; called and returns with the lock held. */
static void take_and_run(struct workq *q)
{
    void *job = q->jobs[q->head];
    q->head = (q->head + 1) % q->size;
    q->queued--;
    q->running++;
    pthread_cond_broadcast(&q->cond); /* taken: waiters may look */
    pthread_mutex_unlock(&q->lock);
    q->run(q->ctx, job);
    pthread_mutex_lock(&q->lock);
    if (q->done)
        q->done(q->ctx, job);
    q->running--;
    pthread_cond_broadcast(&q->cond);
}

static void *worker_main(void *arg)
{
    struct workq *q = arg;
    pthread_mutex_lock(&q->lock);
    for (;;) {
        while (!q->queued && !q->quit)
            pthread_cond_wait(&q->cond, &q->lock);
        if (!q->queued || (q->quit && q->drop))
            break;
        take_and_run(q);
    }
    pthread_mutex_unlock(&q->lock);
    return NULL;
}

int workq_start_pool(struct workq *q, size_t cap, size_t threads,
                     void (*run)(void *ctx, void *job), void (*done)(void *ctx, void *job),
                     void *ctx)
{
    memset(q, 0, sizeof(*q));
    if (threads < 1)
        threads = 1;
    if (threads > WORKQ_MAX_THREADS)
        threads = WORKQ_MAX_THREADS;
    q->run = run;
    q->done = done;
    q->ctx = ctx;
    q->cap = cap;
    q->size = cap ? cap : 64;
    q->jobs = malloc(q->size * sizeof(*q->jobs));
    if (!q->jobs)
        return AV_ENOMEM;
    if (pthread_mutex_init(&q->lock, NULL) != 0)
        goto fail_jobs;
    if (pthread_cond_init(&q->cond, NULL) != 0)
        goto fail_lock;
    for (; q->n_threads < threads; q->n_threads++)
        if (av_thread_create(&q->threads[q->n_threads], worker_main, q) != 0)
            break;
    if (!q->n_threads)
        goto fail_cond;
    /* Fewer workers than asked is still a working queue. */
    q->started = true;
    return AV_OK;
fail_cond:
    pthread_cond_destroy(&q->cond);
fail_lock:
    pthread_mutex_destroy(&q->lock);
fail_jobs:
    free(q->jobs);
    q->jobs = NULL;
    return AV_ENOMEM;
}

int workq_start(struct workq *q, size_t cap, void (*run)(void *ctx, void *job),
                void (*done)(void *ctx, void *job), void *ctx)
{
    return workq_start_pool(q, cap, 1, run, done, ctx);
}

void workq_stop(struct workq *q, bool drop)
{
    if (!q->started)
        return;
    pthread_mutex_lock(&q->lock);
    q->quit = true;
    q->drop = drop;
    pthread_cond_broadcast(&q->cond);
    pthread_mutex_unlock(&q->lock);
    for (size_t i = 0; i < q->n_threads; i++)
        pthread_join(q->threads[i], NULL);
    q->n_threads = 0;
    pthread_cond_destroy(&q->cond);
    pthread_mutex_destroy(&q->lock);
    free(q->jobs);
    q->jobs = NULL;
    q->started = false;
}

/* Double the ring (unlimited queues); called with the lock held. */
static int grow(struct workq *q)
{
    void **j = malloc(q->size * 2 * sizeof(*j));
    if (!j)
        return AV_ENOMEM;
    for (size_t i = 0; i < q->queued; i++)
        j[i] = q->jobs[(q->head + i) % q->size];
    free(q->jobs);
    q->jobs = j;
    q->head = 0;
    q->size *= 2;
    return AV_OK;
}

int workq_push(struct workq *q, void *job)
{
    pthread_mutex_lock(&q->lock);
    while (q->cap && q->queued + q->running >= q->cap)
        pthread_cond_wait(&q->cond, &q->lock);
    if (q->queued == q->size && grow(q)) {
        pthread_mutex_unlock(&q->lock);
        return AV_ENOMEM;
    }
    q->jobs[(q->head + q->queued) % q->size] = job;
    q->queued++;
    pthread_cond_broadcast(&q->cond);
    pthread_mutex_unlock(&q->lock);
    return AV_OK;
}

void workq_drain(struct workq *q)
{
    pthread_mutex_lock(&q->lock);
    while (q->queued || q->running)
        pthread_cond_wait(&q->cond, &q->lock);
    pthread_mutex_unlock(&q->lock);
}

void workq_lock(struct workq *q)
{
    pthread_mutex_lock(&q->lock);
}

void workq_unlock(struct workq *q)
{
    pthread_mutex_unlock(&q->lock);
}

void workq_wait_locked(struct workq *q)
{
    pthread_cond_wait(&q->cond, &q->lock);
}

size_t workq_pending_locked(const struct workq *q)
{
    return q->queued + q->running;
}

bool workq_help_locked(struct workq *q)
{
    if (!q->queued)
        return false;
    take_and_run(q);
    return true;
}

bool workq_queued_locked(const struct workq *q, const void *job)
{
    for (size_t i = 0; i < q->queued; i++)
        if (q->jobs[(q->head + i) % q->size] == job)
            return true;
    return false;
}
