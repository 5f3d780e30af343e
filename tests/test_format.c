/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_format.c — every session example in docs/FORMAT.md (the fenced
 * blocks marked `yoga`) compiles without an error, in the memory env.
 * The reference is a contract with teachers: an example that no longer
 * compiles is a broken promise.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "fs_support.h"
#include "support.h"

static void every_example_compiles(void **state)
{
    (void)state;
    size_t len = 0;
    char *doc = (char *)slurp(TEST_SOURCE_DIR "/docs/FORMAT.md", &len);
    assert_non_null(doc);
    doc[len] = '\0'; /* slurp leaves one spare byte */
    const char *files[] = {"s/warm-up.yoga", "pose Neck rolls, 3 breaths\n", NULL};
    int blocks = 0;
    const char *p = doc;
    for (;;) {
        const char *open = strstr(p, "\n```yoga\n");
        if (!open)
            break;
        const char *body = open + 9;
        const char *close = strstr(body, "\n```");
        assert_non_null(close);
        size_t n = (size_t)(close - body) + 1;
        char *src = malloc(n + 1);
        assert_non_null(src);
        memcpy(src, body, n);
        src[n] = '\0';
        int line = 1;
        for (const char *q = doc; q < body; q++)
            line += *q == '\n';
        struct compiled c = compile_files(src, files, NULL);
        if (c.err || diag_errors(c.d)) {
            fprintf(stderr, "docs/FORMAT.md: the example at line %d does not compile:\n", line);
            dump_diag(c.d);
        }
        assert_int_equal(c.err, 0);
        assert_int_equal(diag_errors(c.d), 0);
        assert_non_null(c.tl);
        assert_true(c.tl->n_steps > 0);
        compiled_free(&c);
        free(src);
        blocks++;
        p = close;
    }
    /* The reference has an example for the whole file, the new constructs,
     * timed cues, flows, breathe, ramps and a timed savasana. */
    assert_true(blocks >= 7);
    free(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_example_compiles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
