/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_liveout.c — the live-output engine (liveout.h) without a device:
 * liveout_render() is called here as a sound card's callback would, with
 * chosen buffer sizes.  Expected samples come from the documented
 * envelopes (30 ms pause fade, 5 ms skip fade) computed here from scratch,
 * not from the engine's own code: straight copies, underruns, the pause
 * fade and the clock standing still, jumps with their fade and mark ids,
 * the prebuffer after a jump, latency, the end, and a two-thread run in
 * which every frame must come out once, in order.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "asanavox/error.h"
#include "asanavox/liveout.h"

enum { RATE = 1000 }; /* 1 frame = 1 ms: the fades are 30 and 5 frames */

static struct liveout *make(int channels, size_t resume)
{
    struct liveout_config cfg = {
        .rate = RATE, .channels = channels, .ring_seconds = 1.0, .resume_frames = resume};
    struct liveout *lo = NULL;
    assert_int_equal(liveout_create(&cfg, &lo), AV_OK);
    assert_non_null(lo);
    return lo;
}

static void put_const(struct liveout *lo, float v, size_t frames)
{
    float *b = malloc(frames * sizeof(float));
    assert_non_null(b);
    for (size_t i = 0; i < frames; i++)
        b[i] = v;
    assert_int_equal(liveout_write(lo, b, frames), frames);
    free(b);
}

static void test_config(void **state)
{
    (void)state;
    struct liveout *lo = NULL;
    struct liveout_config bad = {.rate = RATE, .channels = 3, .ring_seconds = 1.0};
    assert_int_equal(liveout_create(&bad, &lo), AV_EINVAL);
    bad.channels = 1;
    bad.ring_seconds = 0.0;
    assert_int_equal(liveout_create(&bad, &lo), AV_EINVAL);
    assert_null(lo);
    liveout_destroy(NULL);
}

/* Gain 1, not paused: the frames come out as they went in, and the clock
 * counts them. */
static void test_copy_and_clock(void **state)
{
    (void)state;
    struct liveout *lo = make(2, 0);
    float in[2 * 100], out[2 * 64];
    for (size_t i = 0; i < 200; i++)
        in[i] = (float)i / 256.0f - 0.3f;
    assert_int_equal(liveout_write(lo, in, 100), 100);
    assert_int_equal(liveout_buffered(lo), 100);
    assert_false(liveout_render(lo, out, 64));
    assert_memory_equal(out, in, sizeof(out));
    assert_int_equal(liveout_position(lo, NULL), 64);
    assert_int_equal(liveout_buffered(lo), 36);
    liveout_destroy(lo);
}

/* The ring runs dry: silence, and an underrun counted once audio has been
 * playing (the silence before the first frames is not one). */
static void test_underrun(void **state)
{
    (void)state;
    struct liveout *lo = make(1, 0);
    float out[100];
    struct liveout_stats st;
    assert_false(liveout_render(lo, out, 100));
    liveout_stats(lo, &st);
    assert_int_equal(st.underruns, 0);
    put_const(lo, 0.5f, 50);
    memset(out, 0x7f, sizeof(out));
    assert_false(liveout_render(lo, out, 100));
    for (size_t i = 0; i < 100; i++)
        assert_true(out[i] == (i < 50 ? 0.5f : 0.0f));
    assert_false(liveout_render(lo, out, 100));
    for (size_t i = 0; i < 100; i++)
        assert_true(out[i] == 0.0f);
    liveout_stats(lo, &st);
    assert_int_equal(st.underruns, 1);
    assert_int_equal(st.callbacks, 3);
    assert_int_equal(st.frames_out, 300);
    assert_int_equal(st.max_frames, 100);
    assert_int_equal(liveout_position(lo, NULL), 50);
    liveout_destroy(lo);
}

/* Pause: a linear fade to silence over 30 ms (the envelope steps before
 * each frame), then silence without taking frames; resume fades back in. */
static void test_pause_fade(void **state)
{
    (void)state;
    struct liveout *lo = make(1, 0);
    float out[100];
    put_const(lo, 0.5f, 300);
    liveout_set_paused(lo, true);
    assert_false(liveout_render(lo, out, 100));
    for (size_t i = 0; i < 100; i++) {
        double env = 1.0 - (double)(i + 1) / 30.0;
        double want = i < 30 ? 0.5 * (env > 0 ? env : 0) : 0.0;
        assert_true(fabs(out[i] - want) < 1e-5);
    }
    assert_true(liveout_silent(lo));
    assert_int_equal(liveout_position(lo, NULL), 30);
    /* The clock stands still while paused. */
    assert_false(liveout_render(lo, out, 100));
    assert_int_equal(liveout_position(lo, NULL), 30);
    for (size_t i = 0; i < 100; i++)
        assert_true(out[i] == 0.0f);
    liveout_set_paused(lo, false);
    assert_false(liveout_render(lo, out, 100));
    assert_false(liveout_silent(lo));
    for (size_t i = 0; i < 100; i++) {
        double env = (double)(i + 1) / 30.0;
        double want = 0.5 * (env < 1 ? env : 1);
        assert_true(fabs(out[i] - want) < 1e-5);
    }
    assert_int_equal(liveout_position(lo, NULL), 130);
    liveout_destroy(lo);
}

/* A jump: the old audio fades out over 5 ms, the rest of it is dropped,
 * the clock restarts at the mark's frame and its id comes back. */
static void test_mark_jump(void **state)
{
    (void)state;
    struct liveout *lo = make(1, 0);
    float out[50];
    liveout_mark(lo, 0, 1);
    put_const(lo, 0.25f, 100);
    assert_false(liveout_render(lo, out, 10));
    unsigned id = 0;
    assert_int_equal(liveout_position(lo, &id), 10);
    assert_int_equal(id, 1);
    liveout_mark(lo, 5000, 7);
    put_const(lo, 0.75f, 100);
    assert_false(liveout_render(lo, out, 50));
    /* Old audio: gains 0.8, 0.6, 0.4, 0.2 and then 0 (5 frames). */
    for (size_t i = 0; i < 50; i++) {
        double g = 1.0 - 0.2 * (double)(i + 1);
        assert_true(fabs(out[i] - 0.25 * (g > 0 ? g : 0)) < 1e-5);
    }
    assert_false(liveout_render(lo, out, 50));
    for (size_t i = 0; i < 50; i++)
        assert_true(out[i] == 0.75f);
    assert_int_equal(liveout_position(lo, &id), 5050);
    assert_int_equal(id, 7);
    liveout_destroy(lo);
}

/* After a jump, play on only when the prebuffer is queued; waiting is
 * silence, not an underrun. */
static void test_resume_frames(void **state)
{
    (void)state;
    struct liveout *lo = make(1, 60);
    float out[100];
    liveout_mark(lo, 100, 2);
    put_const(lo, 0.5f, 40);
    assert_false(liveout_render(lo, out, 100));
    for (size_t i = 0; i < 100; i++)
        assert_true(out[i] == 0.0f);
    put_const(lo, 0.5f, 40);
    assert_false(liveout_render(lo, out, 100));
    for (size_t i = 0; i < 100; i++)
        assert_true(out[i] == (i < 80 ? 0.5f : 0.0f));
    struct liveout_stats st;
    liveout_stats(lo, &st);
    assert_int_equal(st.underruns, 0);
    assert_int_equal(liveout_position(lo, NULL), 180);
    liveout_destroy(lo);
}

/* While playing, the position heard lags the frames taken by the latency,
 * but never reaches back before the last jump. */
static void test_latency(void **state)
{
    (void)state;
    struct liveout *lo = make(1, 0);
    float out[100];
    liveout_set_latency(lo, 30);
    liveout_mark(lo, 1000, 1);
    put_const(lo, 0.1f, 200);
    assert_false(liveout_render(lo, out, 20));
    assert_int_equal(liveout_position(lo, NULL), 1000);
    assert_false(liveout_render(lo, out, 80));
    assert_int_equal(liveout_position(lo, NULL), 1070);
    liveout_destroy(lo);
}

/* The end: what is queued plays, then render reports completion. */
static void test_end(void **state)
{
    (void)state;
    struct liveout *lo = make(1, 0);
    float out[100];
    put_const(lo, 0.5f, 30);
    liveout_end(lo);
    assert_false(liveout_drained(lo));
    assert_true(liveout_render(lo, out, 100));
    for (size_t i = 0; i < 100; i++)
        assert_true(out[i] == (i < 30 ? 0.5f : 0.0f));
    assert_true(liveout_drained(lo));
    assert_int_equal(liveout_position(lo, NULL), 30);
    liveout_destroy(lo);
}

/* Once render has completed the stream (PortAudio stops calling it after
 * paComplete), a late mark — `n` or `p` in the last moments — must not
 * undo the end: the session ended normally, the device did not fail. */
static void test_mark_after_end(void **state)
{
    (void)state;
    struct liveout *lo = make(1, 0);
    float out[100];
    put_const(lo, 0.5f, 30);
    liveout_end(lo);
    assert_true(liveout_render(lo, out, 100));
    assert_true(liveout_drained(lo));
    liveout_mark(lo, 0, 9);
    put_const(lo, 0.5f, 10);
    assert_true(liveout_drained(lo));
    liveout_destroy(lo);
}

/* The live gain moves smoothly (20 ms time constant) and is capped at 4. */
static void test_gain(void **state)
{
    (void)state;
    struct liveout *lo = make(1, 0);
    float out[200];
    put_const(lo, 0.1f, 400);
    liveout_set_gain(lo, 0.5f);
    assert_false(liveout_render(lo, out, 200));
    /* After t ms the gain is 0.5 + 0.5 * exp(-t / 20). */
    for (size_t i = 0; i < 200; i += 10) {
        double g = 0.5 + 0.5 * exp(-(double)(i + 1) / 20.0);
        assert_true(fabs(out[i] - 0.1 * g) < 1e-4);
    }
    liveout_set_gain(lo, 100.0f);
    assert_false(liveout_render(lo, out, 200));
    assert_true(fabs(out[199] - 0.4) < 1e-3);
    liveout_destroy(lo);
}

/* A producer thread writes numbered frames while this thread renders with
 * varying buffer sizes: every frame arrives once, in order (a data race
 * here is what the ThreadSanitizer build looks for). */
enum { TOTAL = 200000 };

static void *producer(void *arg)
{
    struct liveout *lo = arg;
    float buf[257];
    size_t next = 0;
    while (next < TOTAL) {
        size_t n = 1 + next % 257;
        if (n > TOTAL - next)
            n = TOTAL - next;
        for (size_t i = 0; i < n; i++)
            buf[i] = (float)(next + i + 1);
        size_t k = liveout_write(lo, buf, n);
        next += k;
        if (k < n)
            sched_yield();
    }
    liveout_end(lo);
    return NULL;
}

static void test_two_threads(void **state)
{
    (void)state;
    struct liveout_config cfg = {.rate = 48000, .channels = 1, .ring_seconds = 0.05};
    struct liveout *lo = NULL;
    assert_int_equal(liveout_create(&cfg, &lo), AV_OK);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, producer, lo), 0);
    float out[512];
    size_t expect = 1, calls = 0;
    bool done = false;
    while (!done) {
        size_t n = 1 + (calls++ * 37) % 512;
        done = liveout_render(lo, out, n);
        for (size_t i = 0; i < n; i++) {
            if (out[i] == 0.0f)
                continue;
            assert_true(out[i] == (float)expect);
            expect++;
        }
        if (!done)
            sched_yield();
    }
    assert_int_equal(expect, TOTAL + 1);
    assert_int_equal(liveout_position(lo, NULL), TOTAL);
    pthread_join(t, NULL);
    liveout_destroy(lo);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config),         cmocka_unit_test(test_copy_and_clock),
        cmocka_unit_test(test_underrun),       cmocka_unit_test(test_pause_fade),
        cmocka_unit_test(test_mark_jump),      cmocka_unit_test(test_resume_frames),
        cmocka_unit_test(test_latency),        cmocka_unit_test(test_end),
        cmocka_unit_test(test_mark_after_end), cmocka_unit_test(test_gain),
        cmocka_unit_test(test_two_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
