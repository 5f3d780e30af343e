/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * utf8.h — the little UTF-8 asanavox needs: validation, counting characters
 * and cutting between them.  Widths are counted in code points (what the
 * session format calls a column), not in terminal cells.
 * Pure functions; any thread.
 */
#ifndef ASANAVOX_UTF8_H
#define ASANAVOX_UTF8_H

#include <stddef.h>

/* Check that `s[0..len)` is well-formed UTF-8 (no overlongs, surrogates or
 * code points past U+10FFFF).  Returns len when valid, else the byte
 * offset of the first bad sequence. */
size_t utf8_validate(const char *s, size_t len);

/* Number of code points in the first `len` bytes of valid UTF-8 `s`. */
size_t utf8_count(const char *s, size_t len);

/* Bytes in the first `n` code points of the NUL-terminated UTF-8 `s` (all
 * of it when it is shorter): cutting there never splits a character. */
size_t utf8_prefix(const char *s, size_t n);

/* The longest prefix of the NUL-terminated UTF-8 `s` that has at most
 * `max` bytes and ends between two characters (for "%.*s" into a fixed
 * buffer). */
size_t utf8_cut(const char *s, size_t max);

/* Code points in the NUL-terminated UTF-8 `s`. */
size_t utf8_width(const char *s);

#endif
