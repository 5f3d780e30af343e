/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * parse.c — session text to a tree of steps (session.h).
 *
 * The parser works line by line.  Each line is first checked for the
 * things that make a file untrustworthy (NUL bytes, bad UTF-8, excessive
 * length); a bad line is reported and skipped, and parsing goes on so that
 * one run of `check` shows every problem.
 *
 * Structure comes from two things only: `repeat`/`end` pairs (a stack) and
 * the cue lines under a `pose`, `flow`, `breathe`, `rest` or `silence`,
 * which are the lines indented deeper than it.  Inside such a block no
 * keyword is recognised, so a cue may start with any word ("Rest your
 * forehead on the mat.").  A cue line's head — the text before the first
 * ':' followed by a space — names its kind: a cue word (`inhale:`), a timed
 * form (`at 1:00:`, `30s left:`, `every 5 min:`, `countdown:`) or, in a
 * flow, `hold 5 breaths:`; the timed forms need a digit where the time goes,
 * so "at ease: ..." stays a plain line.
 *
 * A step line with an error is marked `bad`; the compiler leaves it out
 * but still checks the rest of the file.
 */
#include "parse_internal.h"

/* --- the tree ------------------------------------------------------------ */

struct node *parse_new_node(struct parser *p, enum node_kind kind, const struct line *l)
{
    struct node *n = arena_alloc(p->a, sizeof(*n));
    if (!n) {
        p->oom = true;
        return NULL;
    }
    n->kind = kind;
    n->pos = pos_at(p, l, l->begin);
    struct frame *f = &p->stack[p->depth];
    *f->tail = n;
    f->tail = &n->next;
    p->seen_step = true;
    p->last_indent = l->indent;
    p->last_kind = kind;
    p->block = NULL;
    p->cur = n;
    return n;
}

void parse_open_block(struct parser *p, struct node *n, const struct line *l)
{
    p->block = n;
    p->block_indent = l->indent;
    p->cue_tail = &n->cues;
}

/* Parse a duration at t[b..e) for `what`, reporting errors at the right
 * column.  Returns false on error. */
bool parse_take_duration(struct parser *p, const struct line *l, size_t b, size_t e,
                         unsigned allowed, bool allow_zero, const char *what,
                         struct duration *out, struct src_pos *where)
{
    b = skip_ws(l->text, b, e);
    e = trim_end(l->text, b, e);
    if (b == e) {
        ERR(p, l, b, "%s needs a duration, e.g. '%s'", what,
            allowed & (1u << DUR_BREATHS) ? "6 breaths" : "30s");
        return false;
    }
    char msg[160];
    size_t off;
    const char *err = duration_parse(l->text + b, e - b, allowed, out, &off, msg, sizeof msg);
    if (err) {
        ERR(p, l, b + off, "%s", err);
        return false;
    }
    if (!allow_zero && ((out->unit == DUR_TIME && out->ms == 0) ||
                        (out->unit != DUR_TIME && out->count == 0))) {
        ERR(p, l, b, "%s must last longer than zero", what);
        return false;
    }
    if (where)
        *where = pos_at(p, l, b);
    return true;
}

static void parse_line(struct parser *p, const struct line *l)
{
    const char *t = l->text;
    if (p->in_phrases) {
        if (l->indent > p->phrases_indent) {
            parse_phrase(p, l);
            return;
        }
        p->in_phrases = false;
    }
    /* Cue lines of the open pose or rest. */
    if (p->block && l->indent > p->block_indent) {
        parse_cue(p, l);
        return;
    }
    p->block = NULL;
    /* "name:" at the start is a header (or a misplaced cue). */
    size_t ne = l->begin;
    while (ne < l->end && (isalpha((unsigned char)t[ne]) || t[ne] == '_' || t[ne] == '-'))
        ne++;
    if (ne > l->begin && ne < l->end && t[ne] == ':') {
        int h = find_word(parse_header_names, t, l->begin, ne);
        if (h >= 0) {
            parse_header(p, l, ne, h);
            return;
        }
        if (find_word(parse_cue_names, t, l->begin, ne) >= 0) {
            ERR(p, l, l->begin, "cue line outside a pose: '%.*s:' belongs indented under a 'pose'",
                (int)(ne - l->begin), t + l->begin);
            return;
        }
        const char *sug = diag_suggest(t + l->begin, ne - l->begin, parse_header_names);
        if (sug)
            ERR(p, l, l->begin, "unknown header '%.*s:' (did you mean '%s:'?)",
                (int)(ne - l->begin), t + l->begin, sug);
        else
            ERR(p, l, l->begin, "unknown header '%.*s:'", (int)(ne - l->begin), t + l->begin);
        return;
    }
    int errors = diag_errors(p->d);
    p->cur = NULL;
    parse_step(p, l);
    if (p->cur && diag_errors(p->d) > errors)
        p->cur->bad = true;
}

/* Split a raw line into indentation, content and comment.  Returns false
 * when the line has nothing to parse. */
static bool scan_line(struct line *l)
{
    const char *t = l->text;
    size_t i = 0;
    int col = 0;
    while (i < l->len && is_space(t[i])) {
        col = t[i] == '\t' ? (col / 8 + 1) * 8 : col + 1;
        i++;
    }
    size_t e = i;
    while (e < l->len) {
        if (t[e] == '#' && !(e > 0 && t[e - 1] == '\\'))
            break;
        e++;
    }
    e = trim_end(t, i, e);
    l->begin = i;
    l->end = e;
    l->indent = col;
    return e > i;
}

static const char *dir_of(struct arena *a, const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return ".";
    if (slash == path)
        return "/";
    return arena_strndup(a, path, (size_t)(slash - path));
}

int session_parse(const char *path, const char *data, size_t len, struct diag *d,
                  struct session **out)
{
    struct arena *a = arena_create();
    struct session *s = a ? arena_alloc(a, sizeof(*s)) : NULL;
    if (!s)
        goto fail;
    s->arena = a;
    s->path = arena_strdup(a, path);
    s->dir = s->path ? dir_of(a, s->path) : NULL;
    if (!s->path || !s->dir)
        goto fail;
    s->pace_value = (struct pace){.ms = {4000, 0, 6000, 0}, .to = {4000, 0, 6000, 0}};
    s->prompts_value = 3;
    s->gap_ms = 1000;

    struct parser p = {.s = s, .a = a, .d = d};
    p.stack[0].tail = &s->steps;

    if (len > SESSION_MAX_FILE_BYTES) {
        struct src_pos pos = {.path = s->path};
        diag_error(d, &pos, "file is larger than 1 MiB (%zu bytes); is it really a session?", len);
        *out = s;
        return AV_OK;
    }
    char *buf = arena_strndup(a, data, len);
    if (!buf)
        goto fail;
    size_t off = 0;
    if (len >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3))
        off = 3;
    int number = 0;
    while (off < len && !p.oom && !diag_full(d)) {
        number++;
        const char *nl = memchr(buf + off, '\n', len - off);
        size_t end = nl ? (size_t)(nl - buf) : len;
        struct line l = {.text = buf + off, .len = end - off, .number = number};
        off = nl ? end + 1 : len;
        if (l.len > 0 && l.text[l.len - 1] == '\r')
            l.len--;
        if (l.len > SESSION_MAX_LINE_BYTES) {
            l.len = SESSION_MAX_LINE_BYTES; /* show a prefix only */
            l.len -= l.len - utf8_validate(l.text, l.len);
            ERR(&p, &l, l.len, "line is longer than %d bytes", SESSION_MAX_LINE_BYTES);
            continue;
        }
        const char *nul = memchr(l.text, '\0', l.len);
        if (nul) {
            size_t at = (size_t)(nul - l.text);
            l.len = at; /* the caret line must not print past the NUL */
            ERR(&p, &l, at, "NUL byte in the file; session files are text");
            continue;
        }
        size_t bad = utf8_validate(l.text, l.len);
        if (bad != l.len) {
            size_t shown = l.len;
            l.len = bad; /* print only the valid prefix of the line */
            ERR(&p, &l, bad, "invalid UTF-8 (byte 0x%02X); session files are UTF-8",
                (unsigned char)l.text[bad]);
            (void)shown;
            continue;
        }
        if (!scan_line(&l))
            continue;
        parse_line(&p, &l);
    }
    if (p.oom)
        goto fail;
    for (int k = p.depth; k > 0; k--) {
        struct node *r = p.stack[k].node;
        diag_error(d, &r->pos, "'repeat' without 'end'");
    }
    *out = s;
    return AV_OK;
fail:
    arena_destroy(a);
    return AV_ENOMEM;
}

void session_destroy(struct session *s)
{
    if (s)
        arena_destroy(s->arena);
}
