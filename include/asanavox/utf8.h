/*
 * utf8.h — the little UTF-8 the parser needs: validation and column counts.
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

#endif
