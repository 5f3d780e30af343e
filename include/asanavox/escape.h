/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * escape.h — text from session files, made safe to show on a terminal.
 *
 * Session files are shared, so their text may carry terminal escape
 * sequences (ESC, OSC, CSI...).  Everything we echo from them goes through
 * these functions, which keep well-formed UTF-8 as it is but show each C0
 * control (U+0000..U+001F, tab included), DEL and each C1 control
 * (U+0080..U+009F) as a visible escape: "\x1b", "\x7f", "\u009b".  Bytes
 * that are not well-formed UTF-8 are shown as "\xNN" too (a lone 0x9b is
 * CSI to an 8-bit terminal).  Pure functions; any thread.
 */
#ifndef ASANAVOX_ESCAPE_H
#define ASANAVOX_ESCAPE_H

#include <stddef.h>
#include <stdio.h>

/* Write s[0..len) to f, escaped as above. */
void esc_write(FILE *f, const char *s, size_t len);

/* esc_write() of a NUL-terminated string (NULL writes nothing). */
void esc_fputs(FILE *f, const char *s);

/* The escaped form of `s` in buf (`size` bytes, always NUL-terminated;
 * cut at a character boundary when it does not fit).  Returns buf. */
char *esc_str(char *buf, size_t size, const char *s);

/* How many more columns than code points the escaped form of the first
 * `chars` code points of s[0..len) takes (0 when nothing is escaped), for
 * lining up a caret under an echoed line. */
size_t esc_extra_width(const char *s, size_t len, size_t chars);

#endif
