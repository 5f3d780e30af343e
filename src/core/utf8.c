/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * utf8.c — UTF-8 validation, counting and cutting (utf8.h).  By hand: these
 * are a few lines each, and the C library's multibyte functions depend on
 * the process locale, which asanavox does not set.
 */
#include "asanavox/utf8.h"

#include <stdint.h>

size_t utf8_validate(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        unsigned char c = p[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n;
        uint32_t cp, min;
        if ((c & 0xE0) == 0xC0) {
            n = 2, cp = c & 0x1F, min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            n = 3, cp = c & 0x0F, min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            n = 4, cp = c & 0x07, min = 0x10000;
        } else {
            return i;
        }
        if (len - i < n)
            return i;
        for (size_t k = 1; k < n; k++) {
            if ((p[i + k] & 0xC0) != 0x80)
                return i;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return i;
        i += n;
    }
    return len;
}

size_t utf8_count(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            n++;
    return n;
}

size_t utf8_prefix(const char *s, size_t n)
{
    size_t i = 0;
    while (s[i] && n) {
        i++;
        while ((s[i] & 0xC0) == 0x80)
            i++;
        n--;
    }
    return i;
}

size_t utf8_cut(const char *s, size_t max)
{
    size_t n = 0;
    while (n < max && s[n])
        n++;
    /* Back off over the continuation bytes of a character that does not
     * fit whole. */
    if (s[n] && n > 0) {
        size_t k = n;
        while (k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80)
            k--;
        n = k;
    }
    return n;
}

size_t utf8_width(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += (*s & 0xC0) != 0x80;
    return n;
}
