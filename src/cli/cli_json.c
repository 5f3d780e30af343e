/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cli_json.c — JSON string and number output for the commands' --json (cli_json.h).
 */
#include "cli_json.h"

void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    if (!s)
        s = "";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            /* JSON requires U+0000..U+001F escaped; DEL and the C1
             * controls (U+0080..U+009F, UTF-8 C2 80..C2 9F) are escaped
             * too, so that the output is safe to show on a terminal. */
            if (*p < 0x20 || *p == 0x7f) {
                fprintf(f, "\\u%04x", *p);
            } else if (*p == 0xC2 && p[1] >= 0x80 && p[1] < 0xA0) {
                fprintf(f, "\\u%04x", p[1]);
                p++;
            } else {
                fputc(*p, f);
            }
        }
    }
    fputc('"', f);
}

void json_seconds(FILE *f, int64_t frames, int rate)
{
    /* Microseconds are finer than a frame at any supported rate, so
     * round(seconds * rate) gives back the exact frame. */
    long long us = (long long)((frames * 1000000 + rate / 2) / rate);
    fprintf(f, "%lld.%06lld", us / 1000000, us % 1000000);
}
