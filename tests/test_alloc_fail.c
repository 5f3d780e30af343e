/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_alloc_fail.c — every allocation failure inside mixer_create() is
 * reported as AV_ENOMEM and leaks nothing.
 *
 * This binary is linked with -Wl,--wrap for malloc, calloc, realloc and
 * free (tests/CMakeLists.txt), so every allocation asanavox_core makes
 * goes through the wrappers below: they keep the set of live blocks and
 * can make the Nth allocation fail.  The test makes the 1st, 2nd, ...
 * allocation of mixer_create() fail in turn, until it succeeds, and checks
 * that each failure leaves no block behind.  (Libraries such as libebur128
 * allocate through their own, unwrapped calls; only our code is counted.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asanavox/arena.h"
#include "asanavox/error.h"
#include "asanavox/mixer.h"
#include "asanavox/timeline.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t k, size_t n);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t k, size_t n);
void *__wrap_realloc(void *p, size_t n);
void __wrap_free(void *p);

/* ---- the tracking allocator -------------------------------------------- */

enum { SLOTS = 1 << 16 };
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static void *live[SLOTS];
static size_t n_live;
static bool tracking;
static long calls, fail_at; /* fail_at: 1-based, 0 = never */

static size_t slot_of(const void *p)
{
    return (size_t)(((uintptr_t)p >> 4) * 2654435761u) & (SLOTS - 1);
}

static void track(void *p)
{
    if (!p)
        return;
    size_t i = slot_of(p);
    while (live[i])
        i = (i + 1) & (SLOTS - 1);
    live[i] = p;
    n_live++;
}

/* Remove p if tracked (linear probing with backward-shift deletion). */
static void untrack(void *p)
{
    if (!p)
        return;
    size_t i = slot_of(p);
    while (live[i] && live[i] != p)
        i = (i + 1) & (SLOTS - 1);
    if (!live[i])
        return;
    live[i] = NULL;
    n_live--;
    for (size_t j = (i + 1) & (SLOTS - 1); live[j]; j = (j + 1) & (SLOTS - 1)) {
        void *q = live[j];
        live[j] = NULL;
        size_t k = slot_of(q);
        while (live[k])
            k = (k + 1) & (SLOTS - 1);
        live[k] = q;
    }
}

/* Whether this allocation is the one to fail. */
static bool should_fail(void)
{
    return tracking && fail_at && ++calls == fail_at;
}

void *__wrap_malloc(size_t n)
{
    pthread_mutex_lock(&lock);
    void *p = should_fail() ? NULL : __real_malloc(n);
    if (tracking)
        track(p);
    pthread_mutex_unlock(&lock);
    return p;
}

void *__wrap_calloc(size_t k, size_t n)
{
    pthread_mutex_lock(&lock);
    void *p = should_fail() ? NULL : __real_calloc(k, n);
    if (tracking)
        track(p);
    pthread_mutex_unlock(&lock);
    return p;
}

void *__wrap_realloc(void *old, size_t n)
{
    pthread_mutex_lock(&lock);
    void *p = should_fail() ? NULL : __real_realloc(old, n);
    if (p && tracking) {
        untrack(old);
        track(p);
    }
    pthread_mutex_unlock(&lock);
    return p;
}

void __wrap_free(void *p)
{
    pthread_mutex_lock(&lock);
    untrack(p);
    __real_free(p);
    pthread_mutex_unlock(&lock);
}

static void arm(long n)
{
    pthread_mutex_lock(&lock);
    memset(live, 0, sizeof(live));
    n_live = 0;
    calls = 0;
    fail_at = n;
    tracking = true;
    pthread_mutex_unlock(&lock);
}

static size_t disarm(void)
{
    pthread_mutex_lock(&lock);
    tracking = false;
    size_t n = n_live;
    pthread_mutex_unlock(&lock);
    return n;
}

/* ---- a small session with a fake source ---------------------------------- */

enum { RATE = 48000 };

static int fake(void *ctx, const char *what, int rate, float **samples, size_t *frames)
{
    (void)ctx;
    (void)rate;
    size_t n = (size_t)atoi(what + 2) * 100;
    float *s = malloc(n * sizeof(float));
    if (!s)
        return AV_ENOMEM;
    for (size_t i = 0; i < n; i++)
        s[i] = (float)((i % 100) / 100.0 - 0.5) * 0.5f;
    *samples = s;
    *frames = n;
    return AV_OK;
}

static struct timeline *make_tl(void)
{
    static const char *const what[] = {"s 100", "b 30", "s 200", "s 100", "t 50", "b 30"};
    static const enum tl_event_kind kind[] = {TL_SPEECH, TL_BELL, TL_SPEECH,
                                              TL_SPEECH, TL_BREATH, TL_BELL};
    const size_t n = sizeof(what) / sizeof(what[0]);
    struct timeline *tl = calloc(1, sizeof(*tl));
    assert_non_null(tl);
    tl->arena = arena_create();
    tl->rate = RATE;
    tl->title = "alloc";
    tl->about = "";
    tl->events = calloc(n, sizeof(struct tl_event));
    assert_non_null(tl->events);
    tl->n_events = n;
    for (size_t i = 0; i < n; i++) {
        struct tl_event *e = &tl->events[i];
        e->kind = kind[i];
        e->start = (int64_t)i * RATE;
        e->end = e->clip_end = e->start + RATE / 2;
        char *w = arena_strdup(tl->arena, what[i]);
        if (kind[i] == TL_SPEECH)
            e->text = w;
        else
            e->sound = w;
    }
    tl->duration = (int64_t)n * RATE + RATE;
    return tl;
}

static void run(bool background)
{
    struct timeline *tl = make_tl();
    struct mixer_source src = {NULL, fake, fake};
    struct mixer_options o;
    mixer_options_init(&o);
    o.source = &src;
    o.background = background;
    long n;
    for (n = 1; n < 10000; n++) {
        struct mixer *m = NULL;
        arm(n);
        int err = mixer_create(tl, NULL, &o, &m);
        if (err == AV_OK) {
            float buf[2 * 1024];
            size_t got;
            (void)mixer_read(m, buf, 1024, &got);
            mixer_destroy(m);
        }
        size_t left = disarm();
        if (err == AV_OK && calls < n)
            break; /* no allocation failed: every path was tried */
        if (err != AV_OK && err != AV_ENOMEM)
            fail_msg("allocation %ld failed: mixer_create returned %d", n, err);
        if (left)
            fail_msg("allocation %ld failed: %zu block(s) leaked", n, left);
    }
    assert_true(n > 5);
    assert_true(n < 10000);
    timeline_destroy(tl);
}

static void test_mixer_create_foreground(void **state)
{
    (void)state;
    run(false);
}

static void test_mixer_create_background(void **state)
{
    (void)state;
    run(true);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mixer_create_foreground),
        cmocka_unit_test(test_mixer_create_background),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
