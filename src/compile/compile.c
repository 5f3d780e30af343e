/*
 * compile.c — a parsed session to a timeline at exact frame positions.
 *
 * Three phases, each stopping the compile if it found errors:
 *
 *  1. parse the file (session.h);
 *  2. expand: walk the tree, splicing in includes, unrolling repeats and
 *     doubling `each side` poses, into a flat array of instances;
 *  3. lay out: walk the instances with a clock (`now`, in frames) and emit
 *     steps and events.  Lookahead is trivial on the flat array, which is
 *     what a rest needs to announce the pose after it.
 *
 * The timeline owns its strings (an arena); every distinct spoken text is
 * stored once (an intern table), which also caches its measured length, so
 * the thousandth "Breathe in." costs a hash lookup.
 *
 * Budgets: session files are untrusted, so every cost is counted as it is
 * incurred and the compile stops at the line that passes a budget
 * (session.h, FORMAT.md "Limits"): expansion work (an empty repeat pass
 * costs as much as a step), bytes and number of included files (each file
 * is read and parsed once, however often it is included), distinct spoken
 * text in bytes and in time, the length of one spoken text, events, and
 * the 24 hours, checked as the clock moves.  opts->stop is polled on the
 * way, so a signal ends even a long compile at once.
 */
#include "asanavox/compile.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asanavox/arena.h"
#include "asanavox/diag.h"
#include "asanavox/error.h"
#include "asanavox/session.h"
#include "asanavox/strbuf.h"

enum { DEFAULT_RATE = 48000, DEFAULT_SPEED = 150, DEFAULT_BELL_MS = 3000 };

/* One step after expansion. */
struct inst {
    const struct node *n;
    const struct session *s;
    enum tl_side side;
    bool second_side; /* the right side of an `each side` pose */
};

struct interned {
    const char *text; /* in the timeline arena */
    int64_t frames;   /* -1 until measured */
};

/* An included file, read and parsed once. */
struct inc_file {
    char *key;          /* canonical path, owned */
    struct session *s;  /* NULL when it had errors (already reported) */
};

/* Which file an `include` node resolved to (an index into c->incs, or -1
 * when it cannot be included: already reported). */
struct inc_ref {
    const struct node *n;
    int idx;
};

struct sound_ref {
    const char *name;
    const char *dir;
    const char *path; /* in the timeline arena */
    int64_t frames;
};

struct compiler {
    const struct compile_options *o;
    const struct compile_env *env;
    struct diag *d;
    int rate;
    int err; /* first fatal error (AV_ENOMEM, AV_EVOICE...), else 0 */

    /* Settings for the layout, from the top session and the options. */
    const struct session *top;
    struct pace pace;
    int prompts;
    int64_t gap;
    const char *bell, *chime;
    struct src_pos bell_pos, chime_pos;

    /* Expansion. */
    struct inst *insts;
    size_t n_insts, cap_insts;
    bool too_many;
    struct session **sessions; /* every parsed file, owned */
    size_t n_sessions, cap_sessions;
    const char *inc_stack[SESSION_MAX_INCLUDE_DEPTH + 2]; /* canonical paths, borrowed */
    const char *inc_names[SESSION_MAX_INCLUDE_DEPTH + 2];
    int inc_depth;
    char *top_key;         /* canonical path of the top file, owned */
    struct inc_file *incs; /* every distinct included file */
    size_t n_incs, cap_incs;
    struct inc_ref *refs;  /* include node -> file (open addressing) */
    size_t n_refs, cap_refs;
    size_t bytes_read;     /* the top file and every included one */
    long work;             /* expansion work so far (SESSION_MAX_EXPANSION) */
    bool over_budget;      /* a budget error was reported; stop */

    /* Layout. */
    struct timeline *tl;
    size_t cap_events, cap_steps;
    int64_t now;
    int64_t limit; /* 24 h in frames */
    struct interned *texts;
    size_t n_texts, cap_texts; /* open addressing, cap a power of two */
    struct sound_ref *sounds;
    size_t n_sounds, cap_sounds;
    const void *warned[256]; /* keys of warnings already given */
    size_t n_warned;
    struct strbuf sb;
    size_t speech_chars;   /* bytes of distinct spoken text */
    int64_t speech_frames; /* length of distinct spoken text */
    const struct src_pos *at; /* the line being laid out, for budget errors */
};

/* --- helpers --------------------------------------------------------------- */

static int64_t ms_to_frames(const struct compiler *c, int64_t ms)
{
    return ms * c->rate / 1000;
}

static bool fail(struct compiler *c, int err)
{
    if (!c->err)
        c->err = err;
    return false;
}

/* True (after recording AV_EINTERRUPTED) when the caller asked to stop. */
static bool stopped(struct compiler *c)
{
    if (c->o->stop && *c->o->stop)
        fail(c, AV_EINTERRUPTED);
    return c->err != 0;
}

/* Report a passed budget at `pos` (once) and stop the compile. */
static bool over_budget(struct compiler *c, const struct src_pos *pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static bool over_budget(struct compiler *c, const struct src_pos *pos, const char *fmt, ...)
{
    if (!c->over_budget) {
        char msg[256];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        diag_error(c->d, pos, "%s", msg);
    }
    c->over_budget = true;
    return false;
}

/* Warn once per key (a node or cue pointer plus a tag), however many times
 * repeats and sides instantiate it. */
static bool first_warning(struct compiler *c, const void *key)
{
    for (size_t i = 0; i < c->n_warned; i++)
        if (c->warned[i] == key)
            return false;
    if (c->n_warned < sizeof(c->warned) / sizeof(c->warned[0]))
        c->warned[c->n_warned++] = key;
    return true;
}

static void fmt_secs(int64_t frames, int rate, char *buf, size_t size)
{
    snprintf(buf, size, "%.1f s", (double)frames / rate);
}

/* --- the intern table ------------------------------------------------------ */

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static struct interned *lookup(struct compiler *c, const char *text)
{
    if (!c->cap_texts)
        return NULL;
    size_t k = hash_str(text) & (c->cap_texts - 1);
    while (c->texts[k].text) {
        if (!strcmp(c->texts[k].text, text))
            return &c->texts[k];
        k = (k + 1) & (c->cap_texts - 1);
    }
    return &c->texts[k]; /* the empty slot where it would go */
}

/* The entry for `text`, added when new.  Adding may move the table, so a
 * returned pointer is good only until the next call that adds a text; the
 * `text` string itself lives as long as the timeline. */
static struct interned *intern(struct compiler *c, const char *text)
{
    struct interned *slot = lookup(c, text);
    if (slot && slot->text)
        return slot;
    if (c->n_texts * 2 >= c->cap_texts) {
        size_t cap = c->cap_texts ? c->cap_texts * 2 : 256;
        struct interned *t = calloc(cap, sizeof(*t));
        if (!t) {
            fail(c, AV_ENOMEM);
            return NULL;
        }
        for (size_t i = 0; i < c->cap_texts; i++) {
            if (!c->texts[i].text)
                continue;
            size_t k = hash_str(c->texts[i].text) & (cap - 1);
            while (t[k].text)
                k = (k + 1) & (cap - 1);
            t[k] = c->texts[i];
        }
        free(c->texts);
        c->texts = t;
        c->cap_texts = cap;
        slot = lookup(c, text);
    }
    const char *copy = arena_strdup(c->tl->arena, text);
    if (!copy) {
        fail(c, AV_ENOMEM);
        return NULL;
    }
    slot->text = copy;
    slot->frames = -1;
    c->n_texts++;
    return slot;
}

/* Intern and measure `text`; NULL on a fatal error (already recorded). */
static struct interned *speech(struct compiler *c, const char *text)
{
    if (stopped(c))
        return NULL;
    struct interned *t = intern(c, text);
    if (!t || t->frames >= 0)
        return t;
    /* Budgets: checked before synthesis (text) and after it (time), so
     * that no text is synthesized once a budget is passed. */
    size_t len = strlen(text);
    if (c->over_budget)
        return NULL;
    if (len > SESSION_MAX_SPEECH_CHARS - c->speech_chars) {
        over_budget(c, c->at,
                    "the session's distinct spoken text passes %d bytes here (this text is %zu)",
                    SESSION_MAX_SPEECH_CHARS, len);
        return NULL;
    }
    c->speech_chars += len;
    int64_t frames = 0;
    int err = c->env->speech(c->env->ctx, t->text, c->rate, &frames);
    int64_t clip_max = SESSION_MAX_CLIP_MS * c->rate / 1000;
    if (err == AV_ELIMIT || (!err && frames > clip_max)) {
        over_budget(c, c->at, "this text takes more than %lld minutes to say",
                    (long long)(SESSION_MAX_CLIP_MS / 60000));
        return NULL;
    }
    if (err == AV_EINTERRUPTED) {
        fail(c, err);
        return NULL;
    }
    if (err) {
        diag_error(c->d, NULL, "speech synthesis failed for \"%.60s\": %s", t->text, av_strerror(err));
        fail(c, err);
        return NULL;
    }
    c->speech_frames += frames;
    if (c->speech_frames > SESSION_MAX_SPEECH_MS * c->rate / 1000) {
        over_budget(c, c->at, "the session's distinct spoken text passes %lld minutes here",
                    (long long)(SESSION_MAX_SPEECH_MS / 60000));
        return NULL;
    }
    t->frames = frames;
    return t;
}

/* Resolve and measure a sound name for a file in `dir`; reports a missing
 * sound at `pos`.  NULL when it cannot be used. */
static const struct sound_ref *sound(struct compiler *c, const char *name, const char *dir,
                                     const struct src_pos *pos)
{
    for (size_t i = 0; i < c->n_sounds; i++)
        if (!strcmp(c->sounds[i].name, name) && !strcmp(c->sounds[i].dir, dir))
            return c->sounds[i].path ? &c->sounds[i] : NULL;
    if (c->n_sounds == c->cap_sounds) {
        size_t cap = c->cap_sounds ? c->cap_sounds * 2 : 16;
        struct sound_ref *s = realloc(c->sounds, cap * sizeof(*s));
        if (!s) {
            fail(c, AV_ENOMEM);
            return NULL;
        }
        c->sounds = s;
        c->cap_sounds = cap;
    }
    struct sound_ref *r = &c->sounds[c->n_sounds];
    r->name = arena_strdup(c->tl->arena, name);
    r->dir = arena_strdup(c->tl->arena, dir);
    r->path = NULL;
    r->frames = 0;
    if (!r->name || !r->dir) {
        fail(c, AV_ENOMEM);
        return NULL;
    }
    c->n_sounds++;
    char *path = NULL;
    int64_t frames = 0;
    int err = c->env->sound(c->env->ctx, name, dir, c->rate, &path, &frames);
    if (err == AV_ENOMEM) {
        fail(c, err);
        return NULL;
    }
    if (err) {
        if (err == AV_ENOENT)
            diag_error(c->d, pos, "no sound named '%s' (looked for %s.wav next to the session and in sounds/)",
                       name, name);
        else
            diag_error(c->d, pos, "sound '%s' cannot be read: %s", name, av_strerror(err));
        free(path);
        return NULL;
    }
    r->path = arena_strdup(c->tl->arena, path);
    free(path);
    if (!r->path) {
        fail(c, AV_ENOMEM);
        return NULL;
    }
    r->frames = frames;
    return r;
}

/* --- expansion ------------------------------------------------------------- */

static bool add_inst(struct compiler *c, const struct node *n, const struct session *s,
                     enum tl_side side, bool second)
{
    if (c->n_insts >= SESSION_MAX_STEPS) {
        if (!c->too_many)
            diag_error(c->d, &n->pos, "the session has more than %d steps once repeats are expanded",
                       SESSION_MAX_STEPS);
        c->too_many = true;
        return false;
    }
    if (c->n_insts == c->cap_insts) {
        size_t cap = c->cap_insts ? c->cap_insts * 2 : 64;
        struct inst *v = realloc(c->insts, cap * sizeof(*v));
        if (!v)
            return fail(c, AV_ENOMEM);
        c->insts = v;
        c->cap_insts = cap;
    }
    c->insts[c->n_insts++] = (struct inst){.n = n, .s = s, .side = side, .second_side = second};
    return true;
}

static bool keep_session(struct compiler *c, struct session *s)
{
    if (c->n_sessions == c->cap_sessions) {
        size_t cap = c->cap_sessions ? c->cap_sessions * 2 : 4;
        struct session **v = realloc(c->sessions, cap * sizeof(*v));
        if (!v) {
            session_destroy(s);
            return fail(c, AV_ENOMEM);
        }
        c->sessions = v;
        c->cap_sessions = cap;
    }
    c->sessions[c->n_sessions++] = s;
    return true;
}

/* A canonical name for cycle detection: realpath when the file exists. */
static char *canonical(const char *path)
{
    char *r = realpath(path, NULL);
    return r ? r : strdup(path);
}

static bool expand_list(struct compiler *c, const struct node *n, const struct session *s);

/* One unit of expansion work at `n`: false (with an error at n) when the
 * budget is spent.  Polls opts->stop every 4096 units. */
static bool spend(struct compiler *c, const struct node *n)
{
    if (++c->work > SESSION_MAX_EXPANSION)
        return over_budget(c, &n->pos,
                           "the session expands to more than %d steps and repeat passes "
                           "(an empty repeat counts too)",
                           SESSION_MAX_EXPANSION);
    if (!(c->work & 4095) && stopped(c))
        return false;
    return true;
}

static size_t hash_ptr(const void *p, size_t cap)
{
    uint64_t h = (uint64_t)(uintptr_t)p * 0x9E3779B97F4A7C15ULL;
    return (size_t)(h >> 32) & (cap - 1);
}

/* The slot for include node `n` in c->refs (empty when not resolved yet). */
static struct inc_ref *ref_slot(struct compiler *c, const struct node *n)
{
    size_t k = hash_ptr(n, c->cap_refs);
    while (c->refs[k].n && c->refs[k].n != n)
        k = (k + 1) & (c->cap_refs - 1);
    return &c->refs[k];
}

/* Remember that include node `n` means file `idx` (-1: unusable). */
static bool remember_ref(struct compiler *c, const struct node *n, int idx)
{
    if ((c->n_refs + 1) * 2 > c->cap_refs) {
        size_t cap = c->cap_refs ? c->cap_refs * 2 : 64;
        struct inc_ref *old = c->refs;
        size_t old_cap = c->cap_refs;
        c->refs = calloc(cap, sizeof(*c->refs));
        if (!c->refs) {
            c->refs = old;
            return fail(c, AV_ENOMEM);
        }
        c->cap_refs = cap;
        for (size_t i = 0; i < old_cap; i++)
            if (old[i].n)
                *ref_slot(c, old[i].n) = old[i];
        free(old);
    }
    *ref_slot(c, n) = (struct inc_ref){.n = n, .idx = idx};
    c->n_refs++;
    return true;
}

/* Find, read and parse the file `include` node `n` names, once: returns
 * its index in c->incs, -1 when it cannot be included (reported), or -2
 * on a fatal error or a passed budget. */
static int load_include(struct compiler *c, const struct node *n, const struct session *s)
{
    char *path = NULL;
    int err = c->env->find_include(c->env->ctx, n->text, s->dir, &path);
    if (err == AV_ENOMEM)
        return fail(c, err), -2;
    if (err == AV_ELINK || err == AV_ENOTREG) {
        diag_error(c->d, &n->text_pos, "cannot include '%s': %s", n->text,
                   err == AV_ELINK ? "it is a symbolic link that leads outside its directory"
                                   : "it is not a regular file");
        return -1;
    }
    if (err) {
        diag_error(c->d, &n->text_pos,
                   "no session named '%s' to include (looked next to this file and on the session path)",
                   n->text);
        return -1;
    }
    char *key = canonical(path);
    if (!key) {
        free(path);
        return fail(c, AV_ENOMEM), -2;
    }
    /* The same file under another name or from another directory. */
    for (size_t i = 0; i < c->n_incs; i++) {
        if (!strcmp(c->incs[i].key, key)) {
            free(key);
            free(path);
            return (int)i;
        }
    }
    if (c->n_incs >= SESSION_MAX_FILES) {
        free(key);
        free(path);
        over_budget(c, &n->text_pos, "the session includes more than %d different files",
                    SESSION_MAX_FILES);
        return -2;
    }
    if (c->n_incs == c->cap_incs) {
        size_t cap = c->cap_incs ? c->cap_incs * 2 : 8;
        struct inc_file *v = realloc(c->incs, cap * sizeof(*v));
        if (!v) {
            free(key);
            free(path);
            return fail(c, AV_ENOMEM), -2;
        }
        c->incs = v;
        c->cap_incs = cap;
    }
    int idx = (int)c->n_incs++;
    c->incs[idx] = (struct inc_file){.key = key, .s = NULL};

    char *data = NULL;
    size_t len = 0;
    size_t room = SESSION_MAX_TOTAL_BYTES - c->bytes_read;
    size_t max = room < SESSION_MAX_FILE_BYTES ? room : SESSION_MAX_FILE_BYTES;
    err = c->env->read_file(c->env->ctx, path, max, &data, &len);
    if (err == AV_ENOMEM) {
        free(path);
        return fail(c, err), -2;
    }
    if (err == AV_ELIMIT && max < SESSION_MAX_FILE_BYTES) {
        free(path);
        over_budget(c, &n->text_pos, "the session and the files it includes pass %d MiB here",
                    SESSION_MAX_TOTAL_BYTES >> 20);
        return -2;
    }
    if (err) {
        diag_error(c->d, &n->text_pos, "cannot include '%s' (%s): %s", n->text, path,
                   err == AV_ELIMIT ? "file is larger than 1 MiB" : av_strerror(err));
        free(path);
        return idx;
    }
    c->bytes_read += len;
    struct session *inc = NULL;
    int errors_before = diag_errors(c->d);
    err = session_parse(path, data, len, c->d, &inc);
    free(data);
    free(path);
    if (err)
        return fail(c, err), -2;
    if (!keep_session(c, inc))
        return -2;
    if (diag_errors(c->d) == errors_before)
        c->incs[idx].s = inc;
    return idx;
}

static bool expand_include(struct compiler *c, const struct node *n, const struct session *s)
{
    struct inc_ref *r = c->cap_refs ? ref_slot(c, n) : NULL;
    int idx;
    if (r && r->n) {
        idx = r->idx;
    } else {
        idx = load_include(c, n, s);
        if (idx == -2)
            return false;
        if (!remember_ref(c, n, idx))
            return false;
    }
    if (idx < 0 || !c->incs[idx].s)
        return true; /* reported when it was first met */
    const char *key = c->incs[idx].key;
    for (int k = 0; k < c->inc_depth; k++) {
        if (!strcmp(c->inc_stack[k], key)) {
            struct strbuf chain;
            strbuf_init(&chain);
            for (int j = k; j < c->inc_depth; j++)
                strbuf_printf(&chain, "%s → ", c->inc_names[j]);
            strbuf_puts(&chain, n->text);
            diag_error(c->d, &n->text_pos, "include cycle: %s", strbuf_str(&chain));
            strbuf_deinit(&chain);
            return true;
        }
    }
    if (c->inc_depth > SESSION_MAX_INCLUDE_DEPTH) {
        diag_error(c->d, &n->text_pos, "includes nest more than %d deep", SESSION_MAX_INCLUDE_DEPTH);
        return true;
    }
    const struct session *inc = c->incs[idx].s;
    c->inc_stack[c->inc_depth] = key;
    c->inc_names[c->inc_depth] = n->text;
    c->inc_depth++;
    bool ok = expand_list(c, inc->steps, inc);
    c->inc_depth--;
    return ok;
}

static bool expand_list(struct compiler *c, const struct node *n, const struct session *s)
{
    for (; n; n = n->next) {
        if (c->err || c->too_many || c->over_budget || diag_full(c->d))
            return false;
        if (!spend(c, n))
            return false;
        switch (n->kind) {
        case NODE_REPEAT:
            for (int32_t k = 0; k < n->count; k++)
                if ((k && !spend(c, n)) || !expand_list(c, n->body, s))
                    return false;
            break;
        case NODE_INCLUDE:
            if (!expand_include(c, n, s))
                return false;
            break;
        case NODE_POSE:
            if (n->sides == (SIDE_LEFT | SIDE_RIGHT)) {
                if (!add_inst(c, n, s, TL_SIDE_LEFT, false) || !add_inst(c, n, s, TL_SIDE_RIGHT, true))
                    return false;
            } else if (!add_inst(c, n, s,
                                 n->sides == SIDE_LEFT    ? TL_SIDE_LEFT
                                 : n->sides == SIDE_RIGHT ? TL_SIDE_RIGHT
                                                          : TL_SIDE_NONE,
                                 false)) {
                return false;
            }
            break;
        default:
            if (!add_inst(c, n, s, TL_SIDE_NONE, false))
                return false;
            break;
        }
    }
    return true;
}

/* --- layout: output arrays -------------------------------------------------- */

static struct tl_event *add_event(struct compiler *c, enum tl_event_kind kind, int64_t start,
                                  int64_t end)
{
    struct timeline *tl = c->tl;
    if (tl->n_events >= SESSION_MAX_EVENTS) {
        over_budget(c, c->at, "the session has more than %d events (cues, prompts and bells)",
                    SESSION_MAX_EVENTS);
        return NULL;
    }
    if (tl->n_events == c->cap_events) {
        size_t cap = c->cap_events ? c->cap_events * 2 : 256;
        struct tl_event *v = realloc(tl->events, cap * sizeof(*v));
        if (!v) {
            fail(c, AV_ENOMEM);
            return NULL;
        }
        tl->events = v;
        c->cap_events = cap;
    }
    struct tl_event *e = &tl->events[tl->n_events++];
    memset(e, 0, sizeof(*e));
    e->kind = kind;
    e->start = start;
    e->end = end;
    e->clip_end = end;
    e->step = (int32_t)tl->n_steps - 1;
    return e;
}

static struct tl_step *add_step(struct compiler *c, enum tl_step_kind kind, const char *name,
                                const struct inst *in)
{
    struct timeline *tl = c->tl;
    if (tl->n_steps == c->cap_steps) {
        size_t cap = c->cap_steps ? c->cap_steps * 2 : 64;
        struct tl_step *v = realloc(tl->steps, cap * sizeof(*v));
        if (!v) {
            fail(c, AV_ENOMEM);
            return NULL;
        }
        tl->steps = v;
        c->cap_steps = cap;
    }
    /* Names and paths live in the sessions, which die with the compile:
     * the timeline keeps its own (interned) copies. */
    struct interned *it = intern(c, name ? name : "");
    const char *step_name = it ? it->text : NULL;
    it = step_name ? intern(c, in ? in->n->pos.path : c->top->path) : NULL;
    if (!it)
        return NULL;
    struct tl_step *st = &tl->steps[tl->n_steps++];
    memset(st, 0, sizeof(*st));
    st->kind = kind;
    st->name = step_name;
    st->side = in ? in->side : TL_SIDE_NONE;
    st->start = st->hold_start = st->hold_end = st->end = c->now;
    st->path = it->text;
    st->line = in ? in->n->pos.line : 0;
    return st;
}

/* A speech event of `text` at `start`; returns its length in frames, or -1
 * on a fatal error. */
static int64_t say_at(struct compiler *c, const char *text, int64_t start)
{
    struct interned *t = speech(c, text);
    if (!t)
        return -1;
    struct tl_event *e = add_event(c, TL_SPEECH, start, start + t->frames);
    if (!e)
        return -1;
    e->text = t->text;
    return t->frames;
}

/* --- layout: text building --------------------------------------------------- */

/* Append `text` to c->sb with {side} replaced; warns at `pos` when there is
 * no side to put in. */
static void put_cue_text(struct compiler *c, const char *text, enum tl_side side,
                         const struct src_pos *pos)
{
    const char *p = text;
    for (;;) {
        const char *m = strstr(p, "{side}");
        if (!m) {
            strbuf_puts(&c->sb, p);
            return;
        }
        strbuf_append(&c->sb, p, (size_t)(m - p));
        p = m + 6;
        if (side != TL_SIDE_NONE) {
            strbuf_puts(&c->sb, tl_side_name(side));
            continue;
        }
        if (first_warning(c, pos))
            diag_warning(c->d, pos, "'{side}' is only filled in for a pose with ', each side', "
                                    "', left' or ', right'");
        /* Say "Lie still." rather than "Lie  still." or "Lie .". */
        if (c->sb.len > 0 && c->sb.s[c->sb.len - 1] == ' ' && strchr(" .,;:!?", *p))
            c->sb.s[--c->sb.len] = '\0';
    }
}

static bool ends_sentence(const char *s)
{
    size_t n = strlen(s);
    return n > 0 && (s[n - 1] == '.' || s[n - 1] == '!' || s[n - 1] == '?');
}

/* "Name, left side" */
static void put_pose_title(struct compiler *c, const struct inst *in)
{
    const char *name = in->n->text;
    size_t n = strlen(name);
    if (in->side != TL_SIDE_NONE && ends_sentence(name))
        n--;
    strbuf_append(&c->sb, name, n);
    if (in->side != TL_SIDE_NONE)
        strbuf_printf(&c->sb, ", %s side", tl_side_name(in->side));
}

static void put_sentence_end(struct compiler *c)
{
    if (!ends_sentence(strbuf_str(&c->sb)))
        strbuf_putc(&c->sb, '.');
}

static const struct cue *find_cue(const struct node *n, enum cue_kind kind)
{
    for (const struct cue *q = n->cues; q; q = q->next)
        if (q->kind == kind)
            return q;
    return NULL;
}

/* The text of cue `kind` of the pose with {side} filled in, or `dflt`.
 * Returns an interned, measured text, or NULL on a fatal error. */
static struct interned *cue_speech(struct compiler *c, const struct inst *in, enum cue_kind kind,
                                   const char *prefix, const char *dflt)
{
    const struct cue *q = find_cue(in->n, kind);
    strbuf_clear(&c->sb);
    if (prefix)
        strbuf_puts(&c->sb, prefix);
    if (q)
        put_cue_text(c, q->text, in->side, &q->pos);
    else
        strbuf_puts(&c->sb, dflt);
    if (strbuf_failed(&c->sb)) {
        fail(c, AV_ENOMEM);
        return NULL;
    }
    return speech(c, strbuf_str(&c->sb));
}

/* --- layout: steps ------------------------------------------------------------ */

/* Warn (once per key) that a cue of `need` frames has only `have`. */
static void warn_long(struct compiler *c, const void *key, const struct src_pos *pos,
                      const char *what, int64_t need, int64_t have)
{
    if (need <= have || !first_warning(c, key))
        return;
    char a[32], b[32];
    fmt_secs(need, c->rate, a, sizeof a);
    fmt_secs(have, c->rate, b, sizeof b);
    diag_warning(c->d, pos, "%s takes %s to say but has only %s", what, a, b);
}

static const struct inst *next_pose(const struct compiler *c, size_t i)
{
    for (size_t k = i + 1; k < c->n_insts; k++) {
        enum node_kind kind = c->insts[k].n->kind;
        if (kind == NODE_POSE)
            return &c->insts[k];
        if (kind != NODE_AT && kind != NODE_SILENCE)
            return NULL;
    }
    return NULL;
}

/* One breath phase with its prompt: spoken text, or a tone, or nothing. */
static bool breath_phase(struct compiler *c, enum tl_phase phase, int64_t len, int32_t breath,
                         int32_t breaths, struct interned *spoken, const char *tone,
                         const struct inst *in, const void *warn_key,
                         const struct src_pos *warn_pos, const char *what)
{
    struct tl_event *e = add_event(c, TL_BREATH, c->now, c->now + len);
    if (!e)
        return false;
    e->phase = phase;
    e->breath = breath;
    e->breaths = breaths;
    if (spoken) {
        e->text = spoken->text;
        e->clip_end = c->now + spoken->frames;
        warn_long(c, warn_key, warn_pos, what, spoken->frames, len);
    } else if (tone) {
        const struct sound_ref *r = sound(c, tone, in->s->dir, &in->n->pos);
        if (!r)
            return !c->err;
        e->sound = r->path;
        e->sound_name = r->name;
        e->clip_end = c->now + r->frames;
    } else {
        e->clip_end = c->now;
    }
    c->now += len;
    /* A hold of many breaths is checked breath by breath, not at its end. */
    if (c->now > c->limit)
        return over_budget(c, &in->n->pos, "the session runs past 24 hours here");
    return true;
}

static const char *const phase_default[4] = {"Breathe in.", "Hold.", "Breathe out.", "Hold."};
static const char *const phase_tone[4] = {"inhale", "hold", "exhale", "hold"};
static const enum cue_kind phase_cue[4] = {CUE_INHALE, CUE_HOLD, CUE_EXHALE, CUE_HOLD};

static bool hold_breaths(struct compiler *c, const struct inst *in, const struct pace *pace)
{
    const struct node *n = in->n;
    bool reps = n->dur.unit == DUR_REPS;
    int32_t count = n->dur.count;
    int prompts = n->prompts >= 0 ? n->prompts : c->prompts;
    /* Reps move on the inhale ("up") and the exhale ("down"), or the other
     * way round with "up on exhale". */
    int up_phase = n->up_on_exhale ? 2 : 0, down_phase = n->up_on_exhale ? 0 : 2;
    for (int32_t b = 1; b <= count; b++) {
        bool spoken = reps || b <= prompts;
        /* "alternate": {side} is left on odd reps, right on even ones. */
        struct inst rep = *in;
        if (n->alternate)
            rep.side = b % 2 ? TL_SIDE_LEFT : TL_SIDE_RIGHT;
        for (int ph = 0; ph < 4; ph++) {
            if (pace->ms[ph] == 0)
                continue;
            int64_t len = ms_to_frames(c, pace->ms[ph]);
            struct interned *text = NULL;
            const struct cue *q = NULL;
            /* With "up on exhale" the first inhale comes before any lift:
             * it prepares, so it must not speak the 'down' cue. */
            bool prepare = reps && n->up_on_exhale && ph == down_phase && b == 1;
            if (prepare) {
                text = speech(c, phase_default[0]);
                if (!text)
                    return false;
            } else if (spoken) {
                enum cue_kind kind = phase_cue[ph];
                const char *dflt = phase_default[ph];
                const char *prefix = NULL;
                if (reps && ph == up_phase) {
                    kind = CUE_UP, dflt = "Up.";
                    if (b == count && count > 1)
                        prefix = "Last one. ";
                } else if (reps && ph == down_phase) {
                    kind = CUE_DOWN, dflt = "Down.";
                }
                q = find_cue(n, kind);
                text = cue_speech(c, &rep, kind, prefix, dflt);
                if (!text)
                    return false;
            }
            const char *what = prepare                    ? "the inhale prompt"
                               : reps && ph == up_phase   ? "the 'up' cue"
                               : reps && ph == down_phase ? "the 'down' cue"
                               : ph == 0                  ? "the inhale prompt"
                               : ph == 2                  ? "the exhale prompt"
                                                          : "the hold prompt";
            /* Key warnings on the cue, or on the pose plus the phase. */
            const void *key = q ? (const void *)q : (const void *)((const char *)n + ph + 1);
            if (!breath_phase(c, (enum tl_phase)ph, len, b, count, text, spoken ? NULL : phase_tone[ph],
                              in, key, q ? &q->pos : &n->pos, what))
                return false;
        }
    }
    return true;
}

static void warn_unused_cues(struct compiler *c, const struct node *n)
{
    for (const struct cue *q = n->cues; q; q = q->next) {
        const char *why = NULL;
        bool breaths = n->dur.unit == DUR_BREATHS, reps = n->dur.unit == DUR_REPS;
        bool timed = n->dur.unit == DUR_TIME;
        if ((q->kind == CUE_UP || q->kind == CUE_DOWN) && !reps)
            why = "'up:' and 'down:' are for holds counted in reps";
        else if ((q->kind == CUE_INHALE || q->kind == CUE_EXHALE) && !breaths)
            why = reps ? "a hold in reps speaks 'up:' and 'down:' instead"
                       : "a hold in time has no breath prompts";
        else if (q->kind == CUE_HOLD && timed)
            why = "a hold in time has no breath prompts";
        else if (q->kind == CUE_HALFWAY && !timed)
            why = "'halfway:' is for holds in time";
        if (why && first_warning(c, q))
            diag_warning(c->d, &q->pos, "this cue is never spoken: %s", why);
    }
}

static bool layout_pose(struct compiler *c, const struct inst *in)
{
    const struct node *n = in->n;
    struct tl_step *st = add_step(c, TL_STEP_POSE, n->text, in);
    if (!st)
        return false;
    size_t step_index = c->tl->n_steps - 1;

    /* The announcement: "[Switch sides. ]Name[, left side]. plain lines" */
    strbuf_clear(&c->sb);
    if (in->second_side)
        strbuf_puts(&c->sb, "Switch sides. ");
    put_pose_title(c, in);
    put_sentence_end(c);
    for (const struct cue *q = n->cues; q; q = q->next) {
        if (q->kind != CUE_PLAIN)
            continue;
        strbuf_putc(&c->sb, ' ');
        put_cue_text(c, q->text, in->side, &q->pos);
        put_sentence_end(c);
    }
    if (strbuf_failed(&c->sb))
        return fail(c, AV_ENOMEM);
    int64_t len = say_at(c, strbuf_str(&c->sb), c->now);
    if (len < 0)
        return false;
    c->now += len;
    c->tl->steps[step_index].hold_start = c->now;
    warn_unused_cues(c, n);

    const struct pace *pace = n->has_pace ? &n->pace : &c->pace;
    if (n->dur.unit == DUR_TIME) {
        int64_t hold = ms_to_frames(c, n->dur.ms);
        const struct cue *half = find_cue(n, CUE_HALFWAY);
        if (half) {
            struct interned *t = cue_speech(c, in, CUE_HALFWAY, NULL, "");
            if (!t)
                return false;
            struct tl_event *e = add_event(c, TL_SPEECH, c->now + hold / 2, c->now + hold / 2 + t->frames);
            if (!e)
                return false;
            e->text = t->text;
            warn_long(c, half, &half->pos, "the halfway cue", t->frames, hold - hold / 2);
        }
        c->now += hold;
    } else if (!hold_breaths(c, in, pace)) {
        return false;
    }
    st = &c->tl->steps[step_index];
    st->hold_end = c->now;
    st->breaths = n->dur.unit == DUR_TIME ? 0 : n->dur.count;
    st->reps = n->dur.unit == DUR_REPS;

    /* The end of the hold: the chime, and the end: cue. */
    const struct sound_ref *chime = sound(c, c->chime, c->top->dir, &c->chime_pos);
    if (chime) {
        struct tl_event *e = add_event(c, TL_BELL, c->now, c->now + chime->frames);
        if (!e)
            return false;
        e->sound = chime->path;
        e->sound_name = chime->name;
    } else if (c->err) {
        return false;
    }
    int64_t after = c->gap;
    if (find_cue(n, CUE_END)) {
        struct interned *t = cue_speech(c, in, CUE_END, NULL, "");
        if (!t)
            return false;
        if (say_at(c, t->text, c->now) < 0)
            return false;
        if (t->frames > after)
            after = t->frames;
    }
    c->now += after;
    c->tl->steps[step_index].end = c->now;
    return true;
}

static bool layout_rest(struct compiler *c, const struct inst *in, size_t i)
{
    const struct node *n = in->n;
    struct tl_step *st = add_step(c, TL_STEP_REST, "Rest", in);
    if (!st)
        return false;
    size_t step_index = c->tl->n_steps - 1;
    int64_t start = c->now, dur = ms_to_frames(c, n->dur.ms), end = start + dur;

    strbuf_clear(&c->sb);
    bool any = false;
    for (const struct cue *q = n->cues; q; q = q->next) {
        if (any)
            strbuf_putc(&c->sb, ' ');
        put_cue_text(c, q->text, TL_SIDE_NONE, &q->pos);
        put_sentence_end(c);
        any = true;
    }
    if (!any)
        strbuf_puts(&c->sb, "Rest.");
    if (strbuf_failed(&c->sb))
        return fail(c, AV_ENOMEM);
    int64_t said = say_at(c, strbuf_str(&c->sb), start);
    if (said < 0)
        return false;
    warn_long(c, n, &n->pos, "the rest's words", said, dur);

    const struct inst *next = next_pose(c, i);
    if (next) {
        strbuf_clear(&c->sb);
        strbuf_puts(&c->sb, "Next: ");
        put_pose_title(c, next);
        put_sentence_end(c);
        if (strbuf_failed(&c->sb))
            return fail(c, AV_ENOMEM);
        struct interned *t = speech(c, strbuf_str(&c->sb));
        if (!t)
            return false;
        int64_t at = end - c->gap - t->frames;
        if (at >= start + said + c->gap / 2) {
            if (say_at(c, t->text, at) < 0)
                return false;
        } else if (first_warning(c, (const char *)n + 1)) {
            char need[32];
            fmt_secs(said + t->frames + c->gap + c->gap / 2, c->rate, need, sizeof need);
            diag_warning(c->d, &n->dur_pos,
                         "this rest is too short to announce the next pose (that needs %s)", need);
        }
    }
    c->now = end;
    c->tl->steps[step_index].hold_end = end;
    c->tl->steps[step_index].end = end;
    return true;
}

static bool layout_say(struct compiler *c, const struct inst *in, const char *text)
{
    if (!add_step(c, TL_STEP_SAY, NULL, in))
        return false;
    size_t step_index = c->tl->n_steps - 1;
    struct interned *t = speech(c, text);
    if (!t)
        return false;
    c->tl->steps[step_index].name = t->text;
    if (say_at(c, t->text, c->now) < 0)
        return false;
    c->now += t->frames;
    c->tl->steps[step_index].hold_end = c->now;
    c->now += c->gap;
    c->tl->steps[step_index].end = c->now;
    return true;
}

static bool layout_bell(struct compiler *c, const struct inst *in)
{
    const struct node *n = in->n;
    const char *name = n->text ? n->text : c->bell;
    const struct src_pos *pos = n->text ? &n->text_pos : (c->bell_pos.path ? &c->bell_pos : &n->pos);
    /* The default bell is looked up next to the top session. */
    const char *dir = n->text ? in->s->dir : c->top->dir;
    const struct sound_ref *r = sound(c, name, dir, pos);
    struct tl_step *st = add_step(c, TL_STEP_BELL, r ? r->name : name, in);
    if (!st)
        return false;
    size_t step_index = c->tl->n_steps - 1;
    if (r) {
        struct tl_event *e = add_event(c, TL_BELL, c->now, c->now + r->frames);
        if (!e)
            return false;
        e->sound = r->path;
        e->sound_name = r->name;
    } else if (c->err) {
        return false;
    }
    c->now += ms_to_frames(c, n->dur.unit == DUR_TIME ? n->dur.ms : DEFAULT_BELL_MS);
    c->tl->steps[step_index].hold_end = c->now;
    c->tl->steps[step_index].end = c->now;
    return true;
}

static bool layout_intro(struct compiler *c)
{
    const struct session *s = c->top;
    if (!s->safety.set)
        return true;
    strbuf_clear(&c->sb);
    strbuf_puts(&c->sb, c->tl->title);
    put_sentence_end(c);
    strbuf_putc(&c->sb, ' ');
    strbuf_puts(&c->sb, s->safety.value);
    put_sentence_end(c);
    if (strbuf_failed(&c->sb))
        return fail(c, AV_ENOMEM);
    char *text = strdup(strbuf_str(&c->sb));
    if (!text)
        return fail(c, AV_ENOMEM);
    c->at = &s->safety.pos;
    bool ok = layout_say(c, NULL, text);
    free(text);
    if (ok) {
        struct tl_step *st = &c->tl->steps[c->tl->n_steps - 1];
        st->line = s->safety.pos.line;
    }
    return ok;
}

static bool layout(struct compiler *c)
{
    bool intro_done = false;
    if (c->n_insts == 0 || c->insts[0].n->kind != NODE_BELL) {
        if (!layout_intro(c))
            return false;
        intro_done = true;
    }
    for (size_t i = 0; i < c->n_insts; i++) {
        const struct inst *in = &c->insts[i];
        const struct node *n = in->n;
        bool ok = true;
        c->at = &n->pos;
        if (stopped(c))
            return false;
        switch (n->kind) {
        case NODE_POSE: ok = layout_pose(c, in); break;
        case NODE_REST: ok = layout_rest(c, in, i); break;
        case NODE_SAY: ok = layout_say(c, in, n->text); break;
        case NODE_BELL: ok = layout_bell(c, in); break;
        case NODE_SILENCE:
            if (add_step(c, TL_STEP_SILENCE, "", in)) {
                c->now += ms_to_frames(c, n->dur.ms);
                c->tl->steps[c->tl->n_steps - 1].hold_end = c->now;
                c->tl->steps[c->tl->n_steps - 1].end = c->now;
            } else {
                ok = false;
            }
            break;
        case NODE_AT: {
            int64_t at = ms_to_frames(c, n->dur.ms);
            if (at < c->now) {
                char want[32], here[32];
                format_clock(n->dur.ms, want, sizeof want);
                format_clock(c->now * 1000 / c->rate, here, sizeof here);
                diag_error(c->d, &n->dur_pos,
                           "'at %s' is in the past: the session is already at %s here", want, here);
            } else {
                c->now = at;
            }
            break;
        }
        case NODE_REPEAT:
        case NODE_INCLUDE:
            break; /* expanded away */
        }
        if (!ok || c->err)
            return false;
        if (!intro_done) {
            if (!layout_intro(c))
                return false;
            intro_done = true;
        }
        if (c->now > c->limit) {
            diag_error(c->d, &n->pos, "the session runs past 24 hours here");
            return false;
        }
        if (diag_full(c->d))
            return false;
    }
    return true;
}

/* --- settings ---------------------------------------------------------------- */

static bool settings(struct compiler *c)
{
    const struct session *s = c->top;
    const struct compile_options *o = c->o;
    c->pace = o->has_pace ? (struct pace){{(int32_t)(o->pace[0] * 1000 + 0.5),
                                           (int32_t)(o->pace[1] * 1000 + 0.5),
                                           (int32_t)(o->pace[2] * 1000 + 0.5),
                                           (int32_t)(o->pace[3] * 1000 + 0.5)}}
                          : s->pace_value;
    c->prompts = o->prompts >= 0 ? o->prompts : s->prompts_value;
    c->gap = ms_to_frames(c, s->gap_ms);
    c->bell = s->bell.set ? s->bell.value : "bowl";
    c->chime = s->chime.set ? s->chime.value : "chime";
    if (s->bell.set)
        c->bell_pos = s->bell.pos;
    if (s->chime.set)
        c->chime_pos = s->chime.pos;
    else
        c->chime_pos = (struct src_pos){.path = s->path};

    struct timeline *tl = c->tl;
    tl->rate = c->rate;
    if (s->title.set) {
        tl->title = arena_strdup(tl->arena, s->title.value);
    } else {
        const char *base = strrchr(s->path, '/');
        base = base ? base + 1 : s->path;
        size_t len = strlen(base);
        if (len > 5 && !strcmp(base + len - 5, ".yoga"))
            len -= 5;
        tl->title = arena_strndup(tl->arena, base, len);
    }
    tl->about = arena_strdup(tl->arena, s->about.set ? s->about.value : "");
    const char *voice = o->voice ? o->voice : s->voice.set ? s->voice.value : "en-us";
    tl->voice = arena_strdup(tl->arena, voice);
    tl->speed = o->speed > 0 ? o->speed : s->speed_value > 0 ? s->speed_value : DEFAULT_SPEED;
    if (!tl->title || !tl->about || !tl->voice)
        return fail(c, AV_ENOMEM);
    int err = c->env->set_voice(c->env->ctx, tl->voice, tl->speed);
    if (err == AV_ENOMEM)
        return fail(c, err);
    if (err) {
        const struct src_pos *pos = !o->voice && s->voice.set ? &s->voice.pos : NULL;
        diag_error(c->d, pos, "espeak-ng cannot speak with voice '%s' at %d words per minute",
                   tl->voice, tl->speed);
        return false;
    }
    return true;
}

/* --- entry points --------------------------------------------------------------- */

void compile_options_init(struct compile_options *o)
{
    memset(o, 0, sizeof(*o));
    o->rate = DEFAULT_RATE;
    o->prompts = -1;
}

static int cmp_event(const struct tl_event *a, const struct tl_event *b)
{
    return (a->start > b->start) - (a->start < b->start);
}

/* Stable insertion sort: the layout emits events almost in order. */
static void sort_events(struct timeline *tl)
{
    for (size_t i = 1; i < tl->n_events; i++) {
        struct tl_event e = tl->events[i];
        size_t j = i;
        while (j > 0 && cmp_event(&tl->events[j - 1], &e) > 0) {
            tl->events[j] = tl->events[j - 1];
            j--;
        }
        tl->events[j] = e;
    }
}

int compile_buffer(const char *path, const char *data, size_t len,
                   const struct compile_options *opts, const struct compile_env *env,
                   struct diag *d, struct timeline **out)
{
    struct compile_options defaults;
    if (!opts) {
        compile_options_init(&defaults);
        opts = &defaults;
    }
    struct compiler c = {.o = opts, .env = env, .d = d};
    c.rate = opts->rate > 0 ? opts->rate : DEFAULT_RATE;
    strbuf_init(&c.sb);
    int errors_before = diag_errors(d);
    int result = AV_OK;

    if (c.rate < 8000 || c.rate > 192000) {
        diag_error(d, NULL, "sample rate %d is out of range (8000 to 192000)", c.rate);
        return AV_EINVAL;
    }
    c.limit = (int64_t)SESSION_MAX_MS * c.rate / 1000;
    c.tl = calloc(1, sizeof(*c.tl));
    if (!c.tl || !(c.tl->arena = arena_create())) {
        result = AV_ENOMEM;
        goto done;
    }
    struct session *top = NULL;
    result = session_parse(path, data, len, d, &top);
    if (result)
        goto done;
    if (!keep_session(&c, top)) {
        result = c.err;
        goto done;
    }
    c.top = top;
    if (diag_errors(d) > errors_before)
        goto done;

    c.top_key = canonical(path);
    c.inc_stack[0] = c.top_key;
    c.inc_names[0] = path;
    if (!c.top_key) {
        result = AV_ENOMEM;
        goto done;
    }
    c.inc_depth = 1;
    c.bytes_read = len;
    expand_list(&c, top->steps, top);
    if (c.err || diag_errors(d) > errors_before)
        goto done;
    if (!settings(&c) || !layout(&c))
        goto done;

    struct timeline *tl = c.tl;
    sort_events(tl);
    tl->duration = c.now;
    for (size_t i = 0; i < tl->n_events; i++) {
        int64_t e = tl->events[i].end > tl->events[i].clip_end ? tl->events[i].end
                                                                : tl->events[i].clip_end;
        if (e > tl->duration)
            tl->duration = e;
    }
    if (tl->duration > c.limit + (int64_t)c.rate * 60) {
        diag_error(d, NULL, "the session is longer than 24 hours");
        goto done;
    }
done:
    if (!result && c.err)
        result = c.err;
    if (!result && diag_errors(d) > errors_before)
        result = AV_ESYNTAX;
    if (!result && out) {
        *out = c.tl;
        c.tl = NULL;
    }
    timeline_destroy(c.tl);
    for (size_t i = 0; i < c.n_sessions; i++)
        session_destroy(c.sessions[i]);
    free(c.sessions);
    free(c.top_key);
    for (size_t i = 0; i < c.n_incs; i++)
        free(c.incs[i].key);
    free(c.incs);
    free(c.refs);
    free(c.insts);
    free(c.texts);
    free(c.sounds);
    strbuf_deinit(&c.sb);
    return result;
}

int compile_session(const char *path, const struct compile_options *opts,
                    const struct compile_env *env, struct diag *d, struct timeline **out)
{
    char *data = NULL;
    size_t len = 0;
    /* Read one byte past the limit so an oversized file is reported by the
     * parser with its size, rather than as a read error. */
    int err = env->read_file(env->ctx, path, SESSION_MAX_FILE_BYTES + 1, &data, &len);
    if (err == AV_ELIMIT) {
        struct src_pos pos = {.path = path};
        diag_error(d, &pos, "file is larger than 1 MiB; is it really a session?");
        return AV_ESYNTAX;
    }
    if (err)
        return err;
    err = compile_buffer(path, data, len, opts, env, d, out);
    free(data);
    return err;
}
