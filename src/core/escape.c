/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * escape.c — showing untrusted text without letting it drive the terminal
 * (escape.h).  Small enough to write here: no Debian library offers
 * "escape C0/C1 controls but keep UTF-8".
 */
#include "asanavox/escape.h"

#include <string.h>

#include "asanavox/utf8.h"

/* The next character of s[0..len): its length in bytes, and the escape to
 * show instead (written into esc, which holds 8 bytes + NUL), or 0 in
 * *esc_len when it is shown as it is. */
static size_t next_char(const unsigned char *s, size_t len, char esc[16], size_t *esc_len)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char c = s[0];
    *esc_len = 0;
    if (c < 0x20 || c == 0x7f) {
        memcpy(esc, "\\x", 2);
        esc[2] = hex[c >> 4];
        esc[3] = hex[c & 15];
        *esc_len = 4;
        return 1;
    }
    if (c < 0x80)
        return 1;
    size_t n = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 1;
    if (n == 1 || n > len || utf8_validate((const char *)s, n) != n) {
        memcpy(esc, "\\x", 2);
        esc[2] = hex[c >> 4];
        esc[3] = hex[c & 15];
        *esc_len = 4;
        return 1;
    }
    if (n == 2 && c == 0xC2 && s[1] < 0xA0) { /* U+0080..U+009F: C1 */
        memcpy(esc, "\\u00", 4);
        esc[4] = hex[s[1] >> 4];
        esc[5] = hex[s[1] & 15];
        *esc_len = 6;
    }
    return n;
}

void esc_write(FILE *f, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        char esc[16];
        size_t el;
        size_t n = next_char(p + i, len - i, esc, &el);
        if (el)
            fwrite(esc, 1, el, f);
        else
            fwrite(p + i, 1, n, f);
        i += n;
    }
}

void esc_fputs(FILE *f, const char *s)
{
    if (s)
        esc_write(f, s, strlen(s));
}

char *esc_str(char *buf, size_t size, const char *s)
{
    if (!size)
        return buf;
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    size_t len = strlen((const char *)p), i = 0, o = 0;
    while (i < len) {
        char esc[16];
        size_t el;
        size_t n = next_char(p + i, len - i, esc, &el);
        const char *out = el ? esc : (const char *)p + i;
        size_t on = el ? el : n;
        if (o + on >= size)
            break;
        memcpy(buf + o, out, on);
        o += on;
        i += n;
    }
    buf[o] = '\0';
    return buf;
}

size_t esc_extra_width(const char *s, size_t len, size_t chars)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, extra = 0;
    for (size_t k = 0; k < chars && i < len; k++) {
        char esc[16];
        size_t el;
        size_t n = next_char(p + i, len - i, esc, &el);
        if (el)
            extra += el - 1;
        i += n;
    }
    return extra;
}
