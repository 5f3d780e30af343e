/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * strbuf.h — a growable NUL-terminated string.
 *
 * Embedded (strbuf_init/strbuf_deinit).  An allocation failure makes the
 * buffer "failed": later appends do nothing and strbuf_failed() says so, so
 * callers check once at the end instead of after every append.  Not
 * thread-safe.
 *
 * It holds bytes as well as text: strbuf_append() copies `n` bytes, NULs
 * included, and the NUL it keeps after them is not counted in `len`.  The
 * binary records of the summary cache (cli_summary.c) and the tag chunks
 * (tags.c) are built in one.  The caller may take `s` over (and free it)
 * instead of calling strbuf_deinit().
 */
#ifndef ASANAVOX_STRBUF_H
#define ASANAVOX_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

struct strbuf {
    char *s;     /* always NUL-terminated once anything was appended; may be NULL before */
    size_t len;
    size_t cap;
    bool failed;
};

void strbuf_init(struct strbuf *b);
void strbuf_deinit(struct strbuf *b);
void strbuf_clear(struct strbuf *b);
void strbuf_append(struct strbuf *b, const char *s, size_t n);
void strbuf_puts(struct strbuf *b, const char *s);
void strbuf_putc(struct strbuf *b, char c);
void strbuf_printf(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The contents ("" when empty). */
const char *strbuf_str(const struct strbuf *b);
bool strbuf_failed(const struct strbuf *b);

/* A new malloc'd string formatted as printf(3) would (caller frees), or NULL
 * when out of memory or the format fails.  For the one-off "a/b" and
 * "key=value" strings that would otherwise each size, malloc and snprintf. */
char *str_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
