/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * diag.c — collecting and printing diagnostics, `path:line:col: error: ...` (diag.h).
 */
#include "asanavox/diag.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "asanavox/escape.h"
#include "asanavox/utf8.h"

enum { DIAG_MAX_ERRORS = 20, DIAG_MAX_WARNINGS = 100 };

struct diag {
    struct diag_entry *entries;
    size_t n, cap;
    int errors, warnings;
};

struct diag *diag_create(void)
{
    return calloc(1, sizeof(struct diag));
}

void diag_destroy(struct diag *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n; i++) {
        free(d->entries[i].path);
        free(d->entries[i].message);
        free(d->entries[i].source);
    }
    free(d->entries);
    free(d);
}

static char *dup_n(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

void diag_add(struct diag *d, enum diag_level level, const struct src_pos *pos,
              const char *fmt, ...)
{
    if (level == DIAG_ERROR) {
        if (d->errors++ >= DIAG_MAX_ERRORS)
            return;
    } else if (d->warnings++ >= DIAG_MAX_WARNINGS) {
        return;
    }
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 8;
        struct diag_entry *e = realloc(d->entries, cap * sizeof(*e));
        if (!e)
            return;
        d->entries = e;
        d->cap = cap;
    }
    struct diag_entry e = {.level = level};
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (len < 0)
        return;
    e.message = malloc((size_t)len + 1);
    if (!e.message)
        return;
    va_start(ap, fmt);
    vsnprintf(e.message, (size_t)len + 1, fmt, ap);
    va_end(ap);
    if (pos) {
        e.path = pos->path ? dup_n(pos->path, strlen(pos->path)) : NULL;
        e.line = pos->line;
        e.col = pos->col;
        if (pos->text)
            e.source = dup_n(pos->text, pos->text_len);
    }
    d->entries[d->n++] = e;
}

int diag_errors(const struct diag *d) { return d->errors; }
int diag_warnings(const struct diag *d) { return d->warnings; }
bool diag_full(const struct diag *d) { return d->errors >= DIAG_MAX_ERRORS; }
size_t diag_count(const struct diag *d) { return d->n; }

const struct diag_entry *diag_get(const struct diag *d, size_t i)
{
    return i < d->n ? &d->entries[i] : NULL;
}

/* Whether entry a (of file rank ra) goes before b (rank rb) in file order. */
static bool entry_before(const struct diag_entry *a, size_t ra, const struct diag_entry *b,
                         size_t rb)
{
    if (ra != rb)
        return ra < rb;
    if (ra == SIZE_MAX)
        return false;
    if (a->line != b->line)
        return a->line < b->line;
    return a->col < b->col;
}

void diag_sort(struct diag *d, size_t from)
{
    if (from >= d->n)
        return;
    size_t n = d->n - from;
    /* A file's rank is where it first appears; entries without a file rank
     * last.  Computed before sorting, as sorting moves the entries. */
    size_t *rank = malloc(n * sizeof(*rank));
    if (!rank)
        return; /* out of memory: they stay in the order found */
    for (size_t i = 0; i < n; i++) {
        const struct diag_entry *e = &d->entries[from + i];
        rank[i] = SIZE_MAX;
        for (size_t k = 0; e->path && k <= i; k++) {
            const char *p = d->entries[from + k].path;
            if (p && !strcmp(p, e->path)) {
                rank[i] = k;
                break;
            }
        }
    }
    /* Insertion sort: the entries are few (at most 20 errors and 100
     * warnings) and mostly in order already. */
    for (size_t i = 1; i < n; i++) {
        struct diag_entry e = d->entries[from + i];
        size_t r = rank[i], j = i;
        while (j > 0 && entry_before(&e, r, &d->entries[from + j - 1], rank[j - 1])) {
            d->entries[from + j] = d->entries[from + j - 1];
            rank[j] = rank[j - 1];
            j--;
        }
        d->entries[from + j] = e;
        rank[j] = r;
    }
    free(rank);
}

/* Print the source line with tabs turned into single spaces and control
 * characters escaped (escape.h), so the caret (placed by character count,
 * plus the width the escapes add) lines up under the column it points at
 * and the line cannot drive the terminal. */
static void print_source(const struct diag_entry *e, FILE *f)
{
    if (!e->source || e->line <= 0)
        return;
    size_t len = strlen(e->source);
    char *line = dup_n(e->source, len);
    if (!line)
        return;
    for (char *p = line; *p; p++)
        if (*p == '\t')
            *p = ' ';
    fprintf(f, "%5d | ", e->line);
    esc_write(f, line, len);
    fprintf(f, "\n      | ");
    size_t pad = e->col > 1 ? (size_t)(e->col - 1) : 0;
    pad += esc_extra_width(line, len, pad);
    free(line);
    for (size_t i = 0; i < pad; i++)
        fputc(' ', f);
    fprintf(f, "^\n");
}

void diag_print(const struct diag *d, FILE *f)
{
    for (size_t i = 0; i < d->n; i++) {
        const struct diag_entry *e = &d->entries[i];
        const char *lvl = e->level == DIAG_ERROR ? "error" : "warning";
        /* Paths and messages quote the session's text: escaped. */
        if (e->path) {
            esc_fputs(f, e->path);
            if (e->line > 0)
                fprintf(f, ":%d:%d", e->line, e->col);
        } else {
            fputs("asanavox", f);
        }
        fprintf(f, ": %s: ", lvl);
        esc_fputs(f, e->message);
        fputc('\n', f);
        print_source(e, f);
    }
    if (d->errors > DIAG_MAX_ERRORS)
        fprintf(f, "asanavox: %d more errors not shown\n", d->errors - DIAG_MAX_ERRORS);
}

/* Optimal-string-alignment distance (Levenshtein plus adjacent
 * transpositions, so "psoe" is one edit from "pose"), case-insensitive, on
 * short ASCII words; words over 32 bytes are never "close". */
static int edit_distance(const char *a, size_t la, const char *b)
{
    size_t lb = strlen(b);
    if (la > 32 || lb > 32)
        return 99;
    int d[34][34];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = (int)i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        int ca = tolower((unsigned char)a[i - 1]);
        for (size_t j = 1; j <= lb; j++) {
            int cb = tolower((unsigned char)b[j - 1]);
            int best = d[i - 1][j - 1] + (ca != cb);
            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) &&
                tolower((unsigned char)a[i - 2]) == cb && d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    }
    return d[la][lb];
}

const char *diag_suggest(const char *word, size_t len, const char *const *words)
{
    const char *best = NULL;
    int best_d = 99;
    for (const char *const *w = words; *w; w++) {
        int dist = edit_distance(word, len, *w);
        if (dist < best_d) {
            best_d = dist;
            best = *w;
        }
    }
    /* One edit for short words, two for longer ones, never more than half
     * the word: "pse" is not a typo of "pose" worth suggesting from "x". */
    int allowed = len <= 4 ? 1 : 2;
    if (best && best_d <= allowed && (size_t)best_d * 2 < len + 1)
        return best;
    return NULL;
}
