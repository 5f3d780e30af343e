/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_ring.c — the lock-free SPSC ring (ring.h): capacity, wrap-around,
 * partial reads and writes, zero-copy peeking, discarding, and a two-thread
 * stress test in which every frame must arrive once, in order, intact.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "asanavox/error.h"
#include "asanavox/ring.h"

static void fill(float *v, size_t frames, int ch, float first)
{
    for (size_t i = 0; i < frames; i++)
        for (int c = 0; c < ch; c++)
            v[i * (size_t)ch + (size_t)c] = first + (float)i + (float)c * 0.25f;
}

static void test_init(void **state)
{
    (void)state;
    struct ring r;
    assert_int_equal(ring_init(&r, 0, 2), AV_EINVAL);
    ring_deinit(&r);
    assert_int_equal(ring_init(&r, 10, 0), AV_EINVAL);
    ring_deinit(&r);
    assert_int_equal(ring_init(&r, 1000, 2), AV_OK);
    assert_int_equal(r.frames, 1024); /* a power of two */
    assert_int_equal(ring_space(&r), 1024);
    assert_int_equal(ring_available(&r), 0);
    ring_deinit(&r);
    ring_deinit(&r); /* twice is fine */
}

static void test_full_and_empty(void **state)
{
    (void)state;
    struct ring r;
    assert_int_equal(ring_init(&r, 8, 2), AV_OK);
    float in[20 * 2], out[20 * 2];
    fill(in, 20, 2, 1.0f);
    assert_int_equal(ring_write(&r, in, 20), 8); /* only what fits */
    assert_int_equal(ring_space(&r), 0);
    assert_int_equal(ring_write(&r, in, 1), 0);
    assert_int_equal(ring_available(&r), 8);
    assert_int_equal(ring_read(&r, out, 20), 8);
    assert_memory_equal(out, in, 8 * 2 * sizeof(float));
    assert_int_equal(ring_read(&r, out, 1), 0);
    assert_int_equal(ring_available(&r), 0);
    assert_int_equal(ring_space(&r), 8);
    ring_deinit(&r);
}

static void test_wrap(void **state)
{
    (void)state;
    struct ring r;
    assert_int_equal(ring_init(&r, 8, 1), AV_OK);
    float in[64], out[64];
    fill(in, 64, 1, 0.0f);
    /* Move the positions around the buffer many times with odd sizes; the
     * values read must be 0, 1, 2, ... in order. */
    float next = 0.0f, expect = 0.0f;
    for (int round = 0; round < 500; round++) {
        size_t k = (size_t)(round % 7) + 1;
        float block[8];
        for (size_t i = 0; i < k; i++)
            block[i] = next + (float)i;
        next += (float)ring_write(&r, block, k);
        size_t got = ring_read(&r, out, (size_t)(round % 5) + 1);
        for (size_t i = 0; i < got; i++)
            assert_true(out[i] == expect + (float)i);
        expect += (float)got;
        assert_true(ring_available(&r) == (size_t)(next - expect));
    }
    assert_true(expect > 1000.0f); /* many times around */
    /* Exact check across a wrap: write 6, read 6, write 6 (wraps), read 6. */
    ring_deinit(&r);
    assert_int_equal(ring_init(&r, 8, 1), AV_OK);
    assert_int_equal(ring_write(&r, in, 6), 6);
    assert_int_equal(ring_read(&r, out, 6), 6);
    assert_int_equal(ring_write(&r, in + 10, 6), 6);
    const float *a, *b;
    size_t na, nb;
    assert_int_equal(ring_peek(&r, 100, &a, &na, &b, &nb), 6);
    assert_int_equal(na, 2); /* frames 6 and 7 of the buffer */
    assert_int_equal(nb, 4); /* then from its start */
    assert_true(a[0] == in[10] && a[1] == in[11]);
    assert_true(b[0] == in[12] && b[3] == in[15]);
    ring_advance(&r, 3);
    assert_int_equal(ring_read(&r, out, 10), 3);
    assert_true(out[0] == in[13] && out[2] == in[15]);
    ring_deinit(&r);
}

static void test_discard(void **state)
{
    (void)state;
    struct ring r;
    assert_int_equal(ring_init(&r, 16, 2), AV_OK);
    float in[16 * 2], out[16 * 2];
    fill(in, 16, 2, 100.0f);
    assert_int_equal(ring_write(&r, in, 5), 5);
    size_t mark = ring_write_position(&r);
    assert_int_equal(ring_write(&r, in + 5 * 2, 3), 3);
    /* Drop what came before the mark; the frames after it stay. */
    assert_int_equal(ring_discard_to(&r, mark), 5);
    assert_int_equal(ring_available(&r), 3);
    assert_int_equal(ring_read(&r, out, 3), 3);
    assert_memory_equal(out, in + 5 * 2, 3 * 2 * sizeof(float));
    /* A mark already passed does nothing. */
    assert_int_equal(ring_discard_to(&r, mark), 0);
    assert_int_equal(ring_read_position(&r), 8);
    ring_deinit(&r);
}

/* ---- two threads ------------------------------------------------------- */

enum { STRESS_FRAMES = 3000000, CH = 2 };

struct stress {
    struct ring r;
    int failures;
};

/* Frame i carries i (exactly representable as float up to 2^24) in the
 * first channel and -i in the second: torn or reordered copies show. */
static void *producer(void *arg)
{
    struct stress *s = arg;
    float block[97 * CH];
    size_t next = 0;
    unsigned seed = 12345;
    while (next < STRESS_FRAMES) {
        seed = seed * 1103515245u + 12345u;
        size_t want = 1 + (seed >> 16) % 97;
        if (want > STRESS_FRAMES - next)
            want = STRESS_FRAMES - next;
        for (size_t i = 0; i < want; i++) {
            block[i * CH] = (float)(next + i);
            block[i * CH + 1] = -(float)(next + i);
        }
        size_t done = 0;
        while (done < want) {
            size_t k = ring_write(&s->r, block + done * CH, want - done);
            done += k;
            if (!k)
                sched_yield();
        }
        next += want;
    }
    return NULL;
}

static void *consumer(void *arg)
{
    struct stress *s = arg;
    size_t expect = 0;
    unsigned seed = 777;
    float buf[131 * CH];
    while (expect < STRESS_FRAMES) {
        seed = seed * 1103515245u + 12345u;
        size_t want = 1 + (seed >> 16) % 131;
        size_t got;
        if (seed & 0x100) {
            got = ring_read(&s->r, buf, want);
            for (size_t i = 0; i < got; i++)
                if (buf[i * CH] != (float)(expect + i) || buf[i * CH + 1] != -(float)(expect + i))
                    s->failures++;
        } else {
            /* Zero-copy, as the audio callback reads. */
            const float *a, *b;
            size_t na, nb;
            got = ring_peek(&s->r, want, &a, &na, &b, &nb);
            for (size_t i = 0; i < got; i++) {
                const float *f = i < na ? a + i * CH : b + (i - na) * CH;
                if (f[0] != (float)(expect + i) || f[1] != -(float)(expect + i))
                    s->failures++;
            }
            ring_advance(&s->r, got);
        }
        expect += got;
        if (!got)
            sched_yield();
    }
    return NULL;
}

static void test_two_threads(void **state)
{
    (void)state;
    struct stress *s = calloc(1, sizeof(*s));
    assert_non_null(s);
    /* A small ring, so both sides often find it full or empty. */
    assert_int_equal(ring_init(&s->r, 256, CH), AV_OK);
    pthread_t p, c;
    assert_int_equal(pthread_create(&p, NULL, producer, s), 0);
    assert_int_equal(pthread_create(&c, NULL, consumer, s), 0);
    pthread_join(p, NULL);
    pthread_join(c, NULL);
    assert_int_equal(s->failures, 0);
    assert_int_equal(ring_available(&s->r), 0);
    assert_int_equal(ring_read_position(&s->r), (size_t)STRESS_FRAMES);
    ring_deinit(&s->r);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init),
        cmocka_unit_test(test_full_and_empty),
        cmocka_unit_test(test_wrap),
        cmocka_unit_test(test_discard),
        cmocka_unit_test(test_two_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
