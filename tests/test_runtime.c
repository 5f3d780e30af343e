/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_runtime.c — the small shared helpers of src/core: the clock text,
 * deadlines on the monotonic clock (the PortAudio sink's wait for room
 * used the wall clock before), and the worker queue (order, capacity,
 * helping, dropping, draining).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "asanavox/clock.h"
#include "asanavox/error.h"
#include "asanavox/workq.h"

static void test_clock_text(void **state)
{
    (void)state;
    char b[32];
    av_clock_text(0, 48000, b, sizeof b);
    assert_string_equal(b, "0:00");
    av_clock_text(48000 * 59 + 47999, 48000, b, sizeof b);
    assert_string_equal(b, "0:59");
    av_clock_text(8000 * 605, 8000, b, sizeof b);
    assert_string_equal(b, "10:05");
    av_clock_text((int64_t)44100 * 3725, 44100, b, sizeof b);
    assert_string_equal(b, "1:02:05");
    av_clock_text(1000, 0, b, sizeof b);
    assert_string_equal(b, "0:00");
}

static void test_deadline_is_monotonic(void **state)
{
    (void)state;
    struct timespec mono;
    clock_gettime(CLOCK_MONOTONIC, &mono);
    struct timespec d = av_deadline_after(1500000000L); /* 1.5 s */
    int64_t ahead = ((int64_t)d.tv_sec - mono.tv_sec) * 1000000000 + (d.tv_nsec - mono.tv_nsec);
    assert_true(ahead >= 1500000000L && ahead < 1600000000L);
    assert_true(d.tv_nsec >= 0 && d.tv_nsec < 1000000000L);
    int64_t now = av_now_ns();
    assert_true(now >= (int64_t)mono.tv_sec * 1000000000 + mono.tv_nsec);
}

/* ---- the worker queue ---- */

struct log {
    int order[1000];
    _Atomic int n;     /* jobs run */
    int done;          /* jobs done (under the queue's lock) */
    _Atomic int slow;  /* job 0 waits while set */
};

static void run_job(void *ctx, void *job)
{
    struct log *l = ctx;
    int id = (int)(intptr_t)job;
    while (id == 0 && atomic_load(&l->slow))
        sched_yield();
    int k = atomic_fetch_add(&l->n, 1);
    l->order[k] = id;
}

static void done_job(void *ctx, void *job)
{
    (void)job;
    struct log *l = ctx;
    l->done++;
}

static void test_workq_order(void **state)
{
    (void)state;
    static struct log l;
    memset(&l, 0, sizeof l);
    struct workq q;
    assert_int_equal(workq_start(&q, 0, run_job, done_job, &l), AV_OK);
    for (int i = 0; i < 1000; i++) /* beyond the first ring: it grows */
        assert_int_equal(workq_push(&q, (void *)(intptr_t)i), AV_OK);
    workq_drain(&q);
    assert_int_equal(atomic_load(&l.n), 1000);
    workq_lock(&q);
    assert_int_equal(l.done, 1000);
    assert_int_equal(workq_pending_locked(&q), 0);
    workq_unlock(&q);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(l.order[i], i);
    workq_stop(&q, false);
}

/* A capped queue holds at most `cap` jobs queued or running; a job taken
 * is no longer queued; a helper runs the oldest queued job itself;
 * stopping with drop skips the rest. */
static void test_workq_cap_help_drop(void **state)
{
    (void)state;
    static struct log l;
    memset(&l, 0, sizeof l);
    atomic_store(&l.slow, 1);
    struct workq q;
    assert_int_equal(workq_start(&q, 3, run_job, done_job, &l), AV_OK);
    for (int i = 0; i < 3; i++)
        assert_int_equal(workq_push(&q, (void *)(intptr_t)i), AV_OK);
    workq_lock(&q);
    while (q.running == 0) /* job 0 taken by the worker, and held there */
        workq_wait_locked(&q);
    assert_int_equal(workq_pending_locked(&q), 3);
    assert_false(workq_queued_locked(&q, (void *)(intptr_t)0)); /* taken */
    assert_true(workq_queued_locked(&q, (void *)(intptr_t)1));
    assert_true(workq_queued_locked(&q, (void *)(intptr_t)2));
    assert_true(workq_help_locked(&q)); /* job 1, on this thread */
    assert_int_equal(workq_pending_locked(&q), 2);
    assert_false(workq_queued_locked(&q, (void *)(intptr_t)1));
    assert_true(workq_queued_locked(&q, (void *)(intptr_t)2));
    workq_unlock(&q);
    assert_int_equal(atomic_load(&l.n), 1);
    assert_int_equal(l.order[0], 1);
    atomic_store(&l.slow, 0);
    workq_drain(&q);
    assert_int_equal(atomic_load(&l.n), 3);

    /* drop: job 10 runs (held), 11 and 12 are dropped */
    atomic_store(&l.slow, 1);
    assert_int_equal(workq_push(&q, (void *)(intptr_t)0), AV_OK);
    assert_int_equal(workq_push(&q, (void *)(intptr_t)11), AV_OK);
    assert_int_equal(workq_push(&q, (void *)(intptr_t)12), AV_OK);
    workq_lock(&q);
    while (q.running == 0)
        workq_wait_locked(&q);
    q.quit = true; /* what workq_stop() does first, */
    q.drop = true; /* set while job 0 still runs */
    workq_unlock(&q);
    atomic_store(&l.slow, 0);
    workq_stop(&q, true);
    assert_int_equal(atomic_load(&l.n), 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clock_text),
        cmocka_unit_test(test_deadline_is_monotonic),
        cmocka_unit_test(test_workq_order),
        cmocka_unit_test(test_workq_cap_help_drop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
