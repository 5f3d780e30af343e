/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * parse_internal.h — what the parts of the session parser share: the
 * parser's state, the source line, positions and the ERR/WARN macros, the
 * small text helpers, and the functions one part calls in another.
 * Private to src/session/; the public interface is asanavox/session.h.
 *
 * parse.c reads the lines and builds the tree; parse_header.c parses
 * header lines, parse_step.c step lines, parse_cue.c the cue lines under
 * a step.  One parse runs on one thread.
 */
#ifndef ASANAVOX_PARSE_INTERNAL_H
#define ASANAVOX_PARSE_INTERNAL_H

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asanavox/arena.h"
#include "asanavox/error.h"
#include "asanavox/phrases.h"
#include "asanavox/session.h"
#include "asanavox/utf8.h"

/* The header names (parse_header.c) and the cue words (parse_cue.c), both
 * NULL-terminated, for find_word() and suggestions. */
extern const char *const parse_header_names[];
extern const char *const parse_cue_names[];

/* One source line after comment stripping: content is line[begin..end). */
struct line {
    const char *text;  /* start of the line in the session's copy */
    size_t len;        /* without the line ending */
    int number;
    size_t begin, end; /* content: indentation skipped, comment and trailing
                          space removed */
    int indent;        /* indentation in columns (tabs to multiples of 8) */
};

struct frame {
    struct node *node;   /* the repeat, or NULL for the top level */
    struct node **tail;  /* where the next sibling goes */
};

struct parser {
    struct session *s;
    struct arena *a;
    struct diag *d;
    struct frame stack[SESSION_MAX_NESTING + 1];
    int depth;
    struct node *block;  /* pose or rest whose cue lines may follow */
    int block_indent;
    struct cue **cue_tail;
    int last_indent;     /* indentation of the last step line */
    enum node_kind last_kind;
    struct node *cur;    /* the step the current line made, if any */
    bool seen_step;
    bool oom;
    bool in_phrases;     /* lines indented under `phrases:` are entries */
    int phrases_indent;
    struct phrase_line **phrase_tail;
};

/* --- positions and diagnostics ------------------------------------------ */

static inline struct src_pos pos_at(const struct parser *p, const struct line *l, size_t off)
{
    struct src_pos pos = {
        .path = p->s->path,
        .line = l->number,
        .col = (int)utf8_count(l->text, off < l->len ? off : l->len) + 1,
        .text = l->text,
        .text_len = l->len,
    };
    return pos;
}

#define ERR(p, l, off, ...)                                                                       \
    do {                                                                                          \
        struct src_pos pos_ = pos_at((p), (l), (off));                                            \
        diag_error((p)->d, &pos_, __VA_ARGS__);                                                   \
    } while (0)

#define WARN(p, l, off, ...)                                                                      \
    do {                                                                                          \
        struct src_pos pos_ = pos_at((p), (l), (off));                                            \
        diag_warning((p)->d, &pos_, __VA_ARGS__);                                                 \
    } while (0)

/* --- small text helpers -------------------------------------------------- */

static inline bool is_space(char c) { return c == ' ' || c == '\t'; }

static inline size_t skip_ws(const char *t, size_t i, size_t end)
{
    while (i < end && is_space(t[i]))
        i++;
    return i;
}

static inline size_t trim_end(const char *t, size_t begin, size_t end)
{
    while (end > begin && is_space(t[end - 1]))
        end--;
    return end;
}

/* Copy t[b..e) into the arena, turning "\#" into "#" and runs of spaces and
 * tabs into one space. */
static inline const char *text_dup(struct parser *p, const char *t, size_t b, size_t e)
{
    char *out = arena_alloc(p->a, e - b + 1);
    if (!out) {
        p->oom = true;
        return "";
    }
    size_t n = 0;
    for (size_t i = b; i < e; i++) {
        char c = t[i];
        if (c == '\\' && i + 1 < e && t[i + 1] == '#')
            continue;
        if (is_space(c)) {
            if (n > 0 && out[n - 1] == ' ')
                continue;
            c = ' ';
        }
        out[n++] = c;
    }
    out[n] = '\0';
    return out;
}

static inline bool word_is(const char *t, size_t b, size_t e, const char *w)
{
    size_t n = strlen(w);
    return e - b == n && !strncmp(t + b, w, n);
}

static inline int find_word(const char *const *list, const char *t, size_t b, size_t e)
{
    for (int k = 0; list[k]; k++)
        if (word_is(t, b, e, list[k]))
            return k;
    return -1;
}

/* A plain name for an include or a sound: letters, digits, '-', '_' and
 * '.', not starting with '.', so it can never leave its directory. */
static inline bool plain_name(const char *t, size_t b, size_t e)
{
    if (b == e || e - b > 128 || t[b] == '.')
        return false;
    for (size_t i = b; i < e; i++) {
        unsigned char c = (unsigned char)t[i];
        if (!(isalnum(c) || c == '-' || c == '_' || c == '.'))
            return false;
        if (c == '.' && i + 1 < e && t[i + 1] == '.')
            return false;
    }
    return true;
}

/* A whole number at t[b..e) (saturating at 100000).  Returns the offset of
 * the first byte that is not a digit: e when the whole span is a number,
 * b when there is none. */
static inline size_t scan_number(const char *t, size_t b, size_t e, long *out)
{
    long v = 0;
    size_t i = b;
    while (i < e && isdigit((unsigned char)t[i])) {
        if (v < 100000)
            v = v * 10 + (t[i] - '0');
        i++;
    }
    *out = v;
    return i;
}

/* "all", "none" or a number of breaths, for `prompts:` and `, prompts N`. */
static inline bool parse_prompts(struct parser *p, const struct line *l, size_t b, size_t e,
                          int32_t *out)
{
    long k;
    size_t i;
    if (word_is(l->text, b, e, "all")) {
        *out = INT32_MAX;
    } else if (word_is(l->text, b, e, "none")) {
        *out = 0;
    } else if ((i = scan_number(l->text, b, e, &k)) == b || i != e) {
        ERR(p, l, i == b ? b : i, "prompts is a number of breaths, 'all' or 'none'");
        return false;
    } else {
        *out = (int32_t)k;
    }
    return true;
}

/* --- parse.c (the tree) --------------------------------------------------- */

/* A new step of `kind` at line `l`, appended to the innermost list; it
 * becomes the current step and ends any open cue block.  NULL (p->oom set)
 * when out of memory. */
struct node *parse_new_node(struct parser *p, enum node_kind kind, const struct line *l);

/* The lines indented deeper than `l` are now cue lines of step `n`. */
void parse_open_block(struct parser *p, struct node *n, const struct line *l);

/* Parse a duration at t[b..e) for `what`, reporting errors at the right
 * column.  Returns false on error. */
bool parse_take_duration(struct parser *p, const struct line *l, size_t b, size_t e,
                         unsigned allowed, bool allow_zero, const char *what,
                         struct duration *out, struct src_pos *where);

/* --- parse_header.c (headers) --------------------------------------------- */

/* Header line `l`, whose name (header `which` of parse_header_names) ends
 * at `name_end`: checked and stored in the session. */
void parse_header(struct parser *p, const struct line *l, size_t name_end, int which);

/* "  key: text" under `phrases:`: one catalog entry replaced. */
void parse_phrase(struct parser *p, const struct line *l);

/* --- parse_step.c (steps) ------------------------------------------------- */

/* "pose", "flow" or "breathe", for messages. */
const char *parse_kind_word(enum node_kind kind);

/* A step line: the keyword, then that step's own syntax. */
void parse_step(struct parser *p, const struct line *l);

/* --- parse_cue.c (cue lines) ---------------------------------------------- */

/* Check the {placeholders} in text t[b..e): each must be known.  Reports
 * the first unknown one with a suggestion; returns false then. */
bool parse_check_placeholders(struct parser *p, const struct line *l, size_t b, size_t e);

/* A cue line under the open block (p->block). */
void parse_cue(struct parser *p, const struct line *l);

#endif
