/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_spares.c — the mixer's recycled buffers (src/mix/spares.h): a
 * buffer given back is handed out again, best fit first, cut down when
 * much larger and grown when too small (contents kept, as realloc
 * promises), within the bounds of number and bytes; small buffers are not
 * kept.  ASan and valgrind check that nothing leaks or is used twice.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "asanavox/error.h"
#include "mix/spares.h"

enum { KIB = 1024 };

static void reuse_best_fit(void **state)
{
    (void)state;
    struct spares s;
    assert_int_equal(spares_init(&s), AV_OK);
    unsigned char *a = spares_take(&s, 300 * KIB), *b = spares_take(&s, 600 * KIB);
    assert_non_null(a);
    assert_non_null(b);
    memset(a, 1, 300 * KIB);
    memset(b, 2, 600 * KIB);
    spares_put(&s, a, 300 * KIB);
    spares_put(&s, b, 600 * KIB);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.bytes, 900 * KIB);
    /* 280 KiB: the 300 KiB spare fits best and is close enough to keep. */
    unsigned char *c = spares_take(&s, 280 * KIB);
    assert_ptr_equal(c, a);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.bytes, 600 * KIB);
    /* 200 KiB: only the 600 KiB spare fits; it is cut down, its first
     * bytes kept. */
    unsigned char *d = spares_take(&s, 200 * KIB);
    assert_non_null(d);
    assert_int_equal(d[0], 2);
    assert_int_equal(d[200 * KIB - 1], 2);
    assert_int_equal(s.n, 0);
    assert_int_equal(s.bytes, 0);
    /* None left: a fresh buffer. */
    unsigned char *e = spares_take(&s, 200 * KIB);
    assert_non_null(e);
    memset(e, 3, 200 * KIB);
    spares_put(&s, c, 280 * KIB);
    spares_put(&s, d, 200 * KIB);
    spares_put(&s, e, 200 * KIB);
    /* 1 MiB, larger than every spare: the largest, grown, its bytes kept. */
    unsigned char *f = spares_take(&s, 1024 * KIB);
    assert_non_null(f);
    assert_int_equal(f[0], 1);
    assert_int_equal(f[280 * KIB - 1], 1);
    f[1024 * KIB - 1] = 9;
    assert_int_equal(s.n, 2);
    free(f); /* a spare may also be freed */
    spares_deinit(&s);
}

static void bounded(void **state)
{
    (void)state;
    struct spares s;
    assert_int_equal(spares_init(&s), AV_OK);
    /* Small buffers are not kept; neither is one past the byte bound. */
    spares_put(&s, malloc(KIB), KIB);
    assert_int_equal(s.n, 0);
    spares_put(&s, malloc(5 * KIB * KIB), 5 * KIB * KIB);
    assert_int_equal(s.n, 0);
    /* At most SPARES_MAX buffers and 2 MiB. */
    for (int i = 0; i < SPARES_MAX + 4; i++)
        spares_put(&s, malloc(200 * KIB), 200 * KIB);
    assert_int_equal(s.n, SPARES_MAX);
    assert_int_equal(s.bytes, (size_t)SPARES_MAX * 200 * KIB);
    spares_put(&s, malloc(3 * KIB * KIB), 3 * KIB * KIB);
    assert_int_equal(s.n, SPARES_MAX);
    spares_put(&s, NULL, 300 * KIB); /* ignored */
    spares_deinit(&s);
    /* Small takes are plain mallocs. */
    assert_int_equal(spares_init(&s), AV_OK);
    void *p = spares_take(&s, 0);
    assert_non_null(p);
    free(p);
    spares_deinit(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reuse_best_fit),
        cmocka_unit_test(bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
