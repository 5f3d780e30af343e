/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * diag.h — diagnostics: errors and warnings about a session file.
 *
 * A `struct diag` collects messages with their position (path, 1-based line
 * and column, counted in characters) and a copy of the source line, so they
 * can be printed as
 *
 *     path:line:col: error: message
 *        12 | pose Cat cow, 6 breths
 *           |                 ^
 *
 * It keeps at most `max_errors` errors (default 20); past that, further
 * errors are counted but not stored, and diag_full() turns true so callers
 * can stop early.  Warnings are kept up to the same limit.  Not thread-safe.
 */
#ifndef ASANAVOX_DIAG_H
#define ASANAVOX_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum diag_level { DIAG_WARNING, DIAG_ERROR };

struct diag_entry {
    enum diag_level level;
    char *path;     /* owned by the diag */
    int line, col;  /* 1-based; line 0 means "the whole file" */
    char *message;  /* owned */
    char *source;   /* the source line (owned), or NULL */
};

struct diag;

/* A position in a source file.  `text` points at the start of the line in
 * the caller's buffer (not necessarily NUL-terminated; `text_len` long). */
struct src_pos {
    const char *path;
    int line, col;
    const char *text;
    size_t text_len;
};

/* Create an empty collection.  NULL when out of memory. */
struct diag *diag_create(void);

/* Free it and every message.  Accepts NULL. */
void diag_destroy(struct diag *d);

/* Add an error or a warning at `pos` (printf-style).  Out of memory is
 * recorded as a failure to report: the error count still grows. */
void diag_add(struct diag *d, enum diag_level level, const struct src_pos *pos,
              const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#define diag_error(d, pos, ...) diag_add((d), DIAG_ERROR, (pos), __VA_ARGS__)
#define diag_warning(d, pos, ...) diag_add((d), DIAG_WARNING, (pos), __VA_ARGS__)

/* Errors added so far (including those past the limit). */
int diag_errors(const struct diag *d);
/* Warnings added so far. */
int diag_warnings(const struct diag *d);
/* True when the error limit is reached; parsing may stop. */
bool diag_full(const struct diag *d);

/* The stored entries, in the order added. */
size_t diag_count(const struct diag *d);
const struct diag_entry *diag_get(const struct diag *d, size_t i);

/* Put the entries from index `from` on in file order: by file (in the
 * order files first appear), then line and column; entries without a
 * position keep their order after those with one.  Stable. */
void diag_sort(struct diag *d, size_t from);

/* Print every stored entry to `f` in the format above, and a line saying
 * how many errors were not shown, if any. */
void diag_print(const struct diag *d, FILE *f);

/* The known word nearest to `word` by edit distance (case-insensitive), or
 * NULL when none is close enough to be a likely typo.  `words` ends with
 * NULL. */
const char *diag_suggest(const char *word, size_t len, const char *const *words);

#endif
