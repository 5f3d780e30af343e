/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_core.c — the small core modules: diagnostics (format, caret,
 * suggestions, limit), UTF-8, arena, strbuf, error strings.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "asanavox/arena.h"
#include "asanavox/diag.h"
#include "asanavox/error.h"
#include "asanavox/escape.h"
#include "asanavox/fdio.h"
#include "asanavox/strbuf.h"
#include "asanavox/strlist.h"
#include "asanavox/utf8.h"

static char *print_to_string(const struct diag *d)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    diag_print(d, f);
    fclose(f);
    return buf;
}

static void diag_format(void **state)
{
    (void)state;
    struct diag *d = diag_create();
    const char line[] = "pose Cat, 6 breths";
    struct src_pos pos = {"s/flow.yoga", 12, 13, line, strlen(line)};
    diag_error(d, &pos, "unknown duration unit '%s'", "breths");
    struct src_pos whole = {.path = "big.yoga"};
    diag_warning(d, &whole, "file is odd");
    diag_error(d, NULL, "no position");
    char *out = print_to_string(d);
    assert_string_equal(out, "s/flow.yoga:12:13: error: unknown duration unit 'breths'\n"
                             "   12 | pose Cat, 6 breths\n"
                             "      |             ^\n"
                             "big.yoga: warning: file is odd\n"
                             "asanavox: error: no position\n");
    free(out);
    assert_int_equal(diag_errors(d), 2);
    assert_int_equal(diag_warnings(d), 1);
    diag_destroy(d);
    diag_destroy(NULL);
}

static void diag_caret_counts_characters(void **state)
{
    (void)state;
    struct diag *d = diag_create();
    const char line[] = "say caf\xC3\xA9\tx";
    struct src_pos pos = {"a.yoga", 1, 10, line, strlen(line)};
    diag_error(d, &pos, "here");
    char *out = print_to_string(d);
    /* The tab prints as one space so the caret (10th char) lines up. */
    assert_non_null(strstr(out, "    1 | say caf\xC3\xA9 x\n      |          ^\n"));
    free(out);
    diag_destroy(d);
}

static void diag_limit(void **state)
{
    (void)state;
    struct diag *d = diag_create();
    for (int i = 0; i < 25; i++)
        diag_error(d, NULL, "error %d", i);
    assert_true(diag_full(d));
    assert_int_equal(diag_errors(d), 25);
    assert_int_equal(diag_count(d), 20);
    char *out = print_to_string(d);
    assert_non_null(strstr(out, "5 more errors not shown"));
    free(out);
    diag_destroy(d);
}

static void suggestions(void **state)
{
    (void)state;
    static const char *const words[] = {"pose", "rest", "repeat", "silence", "include", NULL};
    assert_string_equal(diag_suggest("psoe", 4, words), "pose");
    assert_string_equal(diag_suggest("Pose", 4, words), "pose");
    assert_string_equal(diag_suggest("repat", 5, words), "repeat");
    assert_string_equal(diag_suggest("silense", 7, words), "silence");
    assert_null(diag_suggest("dance", 5, words));
    assert_null(diag_suggest("x", 1, words));
}

static void utf8(void **state)
{
    (void)state;
    assert_int_equal(utf8_validate("abc", 3), 3);
    assert_int_equal(utf8_validate("caf\xC3\xA9", 5), 5);
    assert_int_equal(utf8_validate("\xF0\x9F\x99\x82", 4), 4);  /* emoji */
    assert_int_equal(utf8_validate("a\xFF", 2), 1);
    assert_int_equal(utf8_validate("a\xC3", 2), 1);              /* truncated */
    assert_int_equal(utf8_validate("\xC0\xAF", 2), 0);           /* overlong */
    assert_int_equal(utf8_validate("\xED\xA0\x80", 3), 0);       /* surrogate */
    assert_int_equal(utf8_validate("\xF4\x90\x80\x80", 4), 0);   /* > U+10FFFF */
    assert_int_equal(utf8_count("caf\xC3\xA9!", 6), 5);
}

static void arena(void **state)
{
    (void)state;
    struct arena *a = arena_create();
    assert_non_null(a);
    char *s = arena_strdup(a, "hello");
    assert_string_equal(s, "hello");
    char *t = arena_strndup(a, "hello world", 5);
    assert_string_equal(t, "hello");
    char *p = arena_printf(a, "%d-%s", 42, "x");
    assert_string_equal(p, "42-x");
    /* A large block and many small ones; everything stays zeroed and apart. */
    unsigned char *big = arena_alloc(a, 1 << 20);
    assert_non_null(big);
    for (size_t i = 0; i < (1u << 20); i += 4096)
        assert_int_equal(big[i], 0);
    memset(big, 0xAB, 1 << 20);
    for (int i = 0; i < 10000; i++) {
        int *v = arena_alloc(a, sizeof(int) * 3);
        assert_non_null(v);
        assert_int_equal(v[0] | v[1] | v[2], 0);
        v[0] = i;
    }
    assert_string_equal(s, "hello");
    assert_true(arena_used(a) >= (1u << 20));
    arena_destroy(a);
    arena_destroy(NULL);
}

static void strbuf(void **state)
{
    (void)state;
    struct strbuf b;
    strbuf_init(&b);
    assert_string_equal(strbuf_str(&b), "");
    strbuf_puts(&b, "Child's pose");
    strbuf_printf(&b, ", %s side", "left");
    strbuf_putc(&b, '.');
    assert_string_equal(strbuf_str(&b), "Child's pose, left side.");
    strbuf_clear(&b);
    for (int i = 0; i < 1000; i++)
        strbuf_puts(&b, "abc");
    assert_int_equal(b.len, 3000);
    assert_false(strbuf_failed(&b));
    strbuf_deinit(&b);
}

/* Binary records (cli_summary.c, tags.c) go through strbuf too: NULs and
 * high bytes are kept, and `len` does not count the trailing NUL. */
static void strbuf_bytes(void **state)
{
    (void)state;
    struct strbuf b;
    strbuf_init(&b);
    const unsigned char rec[6] = {'R', 0, 0xff, 0x80, 0, 'x'};
    strbuf_append(&b, (const char *)rec, sizeof rec);
    strbuf_append(&b, (const char *)rec, sizeof rec);
    assert_int_equal(b.len, 12);
    assert_memory_equal(b.s, rec, sizeof rec);
    assert_memory_equal(b.s + 6, rec, sizeof rec);
    assert_int_equal(b.s[12], '\0');
    strbuf_deinit(&b);

    char *p = str_printf("%s, %s side", "Tree", "left");
    assert_string_equal(p, "Tree, left side");
    free(p);
    p = str_printf("%s", "");
    assert_string_equal(p, "");
    free(p);
}

static void strlist(void **state)
{
    (void)state;
    struct strlist l = {0};
    strlist_add(&l, strdup("sessions"));
    strlist_add(&l, strdup("sessions")); /* plain add keeps repeats */
    strlist_add_unique(&l, strdup("sounds"));
    strlist_add_unique(&l, strdup("sounds"));
    for (int i = 0; i < 20; i++) /* past the first growth */
        strlist_add_unique(&l, strdup(i % 2 ? "a" : "b"));
    assert_false(l.oom);
    assert_int_equal(l.n, 5);
    const char *want[] = {"sessions", "sessions", "sounds", "b", "a"};
    for (size_t i = 0; i < 5; i++)
        assert_string_equal(l.v[i], want[i]);
    assert_null(l.v[5]);
    assert_true(strlist_has(&l, "a"));
    assert_false(strlist_has(&l, "c"));
    strlist_add(&l, NULL); /* a failed strdup() of the caller's */
    assert_true(l.oom);
    assert_int_equal(l.n, 5);
    strlist_deinit(&l);
    assert_null(l.v);
    assert_int_equal(l.n, 0);
    assert_false(l.oom);
}

static void fdio(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    assert_int_equal(fdio_write_exact(p[1], "warrior", 7), 0);
    close(p[1]);
    char got[8] = {0};
    assert_int_equal(fdio_read_exact(p[0], got, 4), 0);
    assert_string_equal(got, "warr");
    /* Three bytes are left: asking for four is end of input, an error. */
    assert_int_equal(fdio_read_exact(p[0], got, 4), -1);
    close(p[0]);
    assert_int_equal(fdio_read_exact(-1, got, 1), -1);
    assert_int_equal(fdio_write_exact(-1, got, 1), -1);
    assert_int_equal(fdio_send_exact(-1, got, 1), -1);
}

static void error_strings(void **state)
{
    (void)state;
    assert_string_equal(av_strerror(AV_OK), "success");
    for (int e = AV_ENOMEM; e <= AV_ELINK; e++) {
        assert_non_null(av_strerror(e));
        assert_string_not_equal(av_strerror(e), "unknown error");
    }
    assert_string_equal(av_strerror(-7), "unknown error");
}

/* Control characters never reach the terminal raw; UTF-8 text does. */
static void escapes(void **state)
{
    (void)state;
    char buf[128];
    /* ESC, BEL, DEL, a C1 CSI (U+009B), an em dash, a stray 0xFF. */
    assert_string_equal(esc_str(buf, sizeof buf, "a\x1b]0;t\x07\x7f\xC2\x9B\xE2\x80\x94\xFF"),
                        "a\\x1b]0;t\\x07\\x7f\\u009b\xE2\x80\x94\\xff");
    assert_string_equal(esc_str(buf, sizeof buf, "caf\xC3\xA9\tx"), "caf\xC3\xA9\\x09x");
    /* Cut at a whole escape, never in the middle of one. */
    assert_string_equal(esc_str(buf, 6, "ab\x1b"), "ab");
    assert_int_equal(esc_extra_width("\x1b" "ab", 3, 2), 3);
    assert_int_equal(esc_extra_width("abc", 3, 3), 0);

    /* A diagnostic's message and source line come out escaped, the caret
     * still under the column it means. */
    struct diag *d = diag_create();
    const char line[] = "p\x1bse x";
    struct src_pos pos = {"e.yoga", 1, 4, line, strlen(line)};
    diag_error(d, &pos, "unknown keyword '%s'", "p\x1bse");
    char *out = print_to_string(d);
    assert_string_equal(out, "e.yoga:1:4: error: unknown keyword 'p\\x1bse'\n"
                             "    1 | p\\x1bse x\n"
                             "      |       ^\n");
    free(out);
    diag_destroy(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(diag_format), cmocka_unit_test(diag_caret_counts_characters),
        cmocka_unit_test(diag_limit),  cmocka_unit_test(suggestions),
        cmocka_unit_test(utf8),        cmocka_unit_test(arena),
        cmocka_unit_test(strbuf),      cmocka_unit_test(error_strings),
        cmocka_unit_test(strbuf_bytes), cmocka_unit_test(strlist),
        cmocka_unit_test(fdio),
        cmocka_unit_test(escapes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
