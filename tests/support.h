/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * support.h — helpers shared by the cmocka tests (header-only).
 *
 * Include after <cmocka.h>.  Sessions are compiled in memory
 * (compile_env_memory) so the compiler tests need no files or espeak-ng.
 */
#ifndef ASANAVOX_TEST_SUPPORT_H
#define ASANAVOX_TEST_SUPPORT_H

#include <stdio.h>
#include <string.h>

#include "asanavox/compile.h"
#include "asanavox/diag.h"
#include "asanavox/error.h"
#include "asanavox/timeline.h"

#define RATE 48000
/* Speech length in the memory env, in frames at RATE. */
#define SPEECH(text) ((int64_t)(strlen(text) + 4) * RATE / 14)
#define SECS(s) ((int64_t)((s) * RATE))

struct compiled {
    struct diag *d;
    struct timeline *tl;
    int err;
};

/* Compile `src` as "s/main.yoga", with extra files (path, text) pairs
 * ending in NULL. */
static inline struct compiled compile_files(const char *src, const char *const *extra,
                                            const struct compile_options *o)
{
    struct mem_file files[48];
    size_t n = 0;
    files[n++] = (struct mem_file){"s/main.yoga", src, strlen(src)};
    for (; extra && extra[0] && n < 48; extra += 2)
        files[n++] = (struct mem_file){extra[0], extra[1], strlen(extra[1])};
    struct mem_fs fs = {files, n, 2.0};
    struct compile_env env;
    compile_env_memory(&env, &fs);
    struct compiled c = {.d = diag_create()};
    assert_non_null(c.d);
    c.err = compile_session("s/main.yoga", o, &env, c.d, &c.tl);
    return c;
}

static inline struct compiled compile_str(const char *src)
{
    return compile_files(src, NULL, NULL);
}

static inline void compiled_free(struct compiled *c)
{
    diag_destroy(c->d);
    timeline_destroy(c->tl);
}

/* Print diagnostics (visible when a test fails). */
static inline void dump_diag(const struct diag *d)
{
    diag_print(d, stderr);
}

/* The index of the first diagnostic of `level` that contains `needle`, or -1. */
static inline int find_diag(const struct diag *d, enum diag_level level, const char *needle)
{
    for (size_t i = 0; i < diag_count(d); i++) {
        const struct diag_entry *e = diag_get(d, i);
        if (e->level == level && strstr(e->message, needle))
            return (int)i;
    }
    return -1;
}

/* Assert there is an error at line:col whose message contains `needle`. */
#define assert_error_at(d, line_, col_, needle)                                                  \
    do {                                                                                          \
        int i_ = find_diag((d), DIAG_ERROR, (needle));                                            \
        if (i_ < 0)                                                                               \
            dump_diag(d);                                                                         \
        assert_true(i_ >= 0);                                                                     \
        assert_int_equal(diag_get((d), (size_t)i_)->line, (line_));                               \
        assert_int_equal(diag_get((d), (size_t)i_)->col, (col_));                                 \
    } while (0)

#define assert_clean(c)                                                                          \
    do {                                                                                          \
        if ((c).err || diag_count((c).d))                                                         \
            dump_diag((c).d);                                                                     \
        assert_int_equal((c).err, 0);                                                             \
        assert_int_equal(diag_count((c).d), 0);                                                   \
        assert_non_null((c).tl);                                                                  \
    } while (0)

#endif
