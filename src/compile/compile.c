/*
 * compile.c — a parsed session to a timeline at exact frame positions.
 *
 * Three phases:
 *
 *  1. parse the file (session.h);
 *  2. expand: walk the tree, splicing in includes, unrolling repeats and
 *     doubling `each side` poses, into a flat array of instances; --skip
 *     leaves steps out here;
 *  3. lay out: walk the instances with a clock (`now`, in frames) and emit
 *     steps and events.  Lookahead is trivial on the flat array, which is
 *     what a rest needs to announce the pose after it.
 *
 * A phase that found errors does not stop the next: steps whose line had
 * an error are left out, and the rest is expanded and laid out, so that one
 * `check` reports parse, include, voice, sound and layout errors together
 * (then sorted into file order).  Only a fatal error (out of memory) or a
 * full diagnostic list stops early.  With --length the layout runs several
 * times (fit_length()), each run from scratch on the same expanded steps.
 *
 * Flows, breathe steps and timed cues (at, left, every, countdown) are laid
 * out here too; every built-in phrase they speak comes from the phrase
 * catalog (phrases.h) like the others, and the expansion limits beyond
 * SESSION_MAX_STEPS are one enum (BREATHE_MAX_BREATHS, TIMED_CUE_MAX_REPEATS).
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
#include <strings.h>

#include "asanavox/arena.h"
#include "asanavox/diag.h"
#include "asanavox/error.h"
#include "asanavox/phrases.h"
#include "asanavox/session.h"
#include "asanavox/strbuf.h"
#include "asanavox/voice.h"

enum { DEFAULT_RATE = 48000, DEFAULT_SPEED = 150, DEFAULT_BELL_MS = 3000 };

/* Expansion limits beyond SESSION_MAX_STEPS: how many breaths a `breathe`
 * step in time may hold, and how often one `every` cue may sound. */
enum { BREATHE_MAX_BREATHS = 10000, TIMED_CUE_MAX_REPEATS = 10000 };

/* Speech never starts within this long after a bell's strike: the strike
 * would mask its first syllable. */
enum { BELL_CLEAR_MS = 700 };

/* One step after expansion. */
struct inst {
    const struct node *n;
    const struct session *s;
    enum tl_side side;
    bool second_side; /* the right side of an `each side` pose */
    int32_t round, rounds; /* {round} and {rounds}: the innermost repeat's
                              iteration, or a flow's round; 0 outside */
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
    const char *bell, *chime; /* NULL for `none` */
    /* The strike of the latest bell or chime, for say_at(). */
    bool have_bell;
    int64_t last_bell;
    struct src_pos bell_pos, chime_pos;
    /* Every word the compiler says on its own: the catalog's entry, or the
     * session's `phrases:` line for it (which lives as long as the top
     * session). */
    const char *phrase[PHRASE_N];
    int32_t round, rounds;    /* the flow round being laid out, or 0 */
    double scale;             /* --length: holds are scaled by this (1: as written) */

    /* Expansion. */
    struct inst *insts;
    size_t n_insts, cap_insts;
    bool too_many;
    uint64_t skip_used;        /* bit k: opts->skip[k] matched a step */
    bool skip_rest;            /* a step was just skipped: drop its rest */
    size_t rest_before;        /* index + 1 of a rest just before it, or 0 */
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

/* A hold as laid out: as written, or scaled for --length to whole seconds,
 * never below 5 s (or the written time when that is shorter). */
static int64_t hold_ms(const struct compiler *c, int64_t ms)
{
    if (c->scale == 1.0)
        return ms;
    int64_t floor_ms = ms < 5000 ? ms : 5000;
    double v = (double)ms * c->scale / 1000.0 + 0.5;
    int64_t r = v > SESSION_MAX_MS / 1000 ? SESSION_MAX_MS : (int64_t)v * 1000;
    return r < floor_ms ? floor_ms : r;
}

/* A count of breaths, reps or rounds as laid out: scaled for --length to
 * a whole number, at least one. */
static int32_t hold_count(const struct compiler *c, int32_t count)
{
    if (c->scale == 1.0)
        return count;
    double v = (double)count * c->scale + 0.5;
    int32_t r = v > 10000 ? 10000 : (int32_t)v;
    return r < 1 ? 1 : r;
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
                     enum tl_side side, bool second, int32_t round, int32_t rounds)
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
    c->insts[c->n_insts++] = (struct inst){
        .n = n, .s = s, .side = side, .second_side = second, .round = round, .rounds = rounds};
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

static bool expand_list(struct compiler *c, const struct node *n, const struct session *s,
                        int32_t round, int32_t rounds);

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
    err = session_parse(path, data, len, c->d, &inc);
    free(data);
    free(path);
    if (err)
        return fail(c, err), -2;
    if (!keep_session(c, inc))
        return -2;
    /* A file with errors is still expanded (its bad steps are left out),
     * so that one `check` reports every problem. */
    c->incs[idx].s = inc;
    return idx;
}

static bool expand_include(struct compiler *c, const struct node *n, const struct session *s,
                           int32_t round, int32_t rounds)
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
    bool ok = expand_list(c, inc->steps, inc, round, rounds);
    c->inc_depth--;
    return ok;
}

/* Whether --skip leaves out step `n` (a pose, flow or breathe step). */
static bool skipped(struct compiler *c, const struct node *n)
{
    bool hit = false;
    for (size_t k = 0; k < c->o->n_skip && k < COMPILE_MAX_SKIP; k++) {
        if (n->text && !strcasecmp(n->text, c->o->skip[k])) {
            c->skip_used |= 1ull << k;
            hit = true;
        }
    }
    if (hit) {
        c->skip_rest = true;
        c->rest_before = c->n_insts > 0 && c->insts[c->n_insts - 1].n->kind == NODE_REST ? c->n_insts : 0;
    } else {
        c->skip_rest = false;
    }
    return hit;
}

/* Expand the list from `n` into c->insts.  `round` of `rounds` is the
 * iteration of the innermost repeat ({round} in cue text).  Steps whose
 * line had an error are left out; everything else is expanded so that
 * later phases can report their own errors too. */
static bool expand_list(struct compiler *c, const struct node *n, const struct session *s,
                        int32_t round, int32_t rounds)
{
    for (; n; n = n->next) {
        if (c->err || c->too_many || c->over_budget || diag_full(c->d))
            return false;
        if (!spend(c, n))
            return false;
        if (n->bad)
            continue;
        switch (n->kind) {
        case NODE_REPEAT:
            /* Every pass costs work (spend()), so repeats nested around
             * nothing — an empty body, or lines that all had errors —
             * end at the expansion budget, not after count^depth passes. */
            for (int32_t k = 0; k < n->count; k++)
                if ((k && !spend(c, n)) || !expand_list(c, n->body, s, k + 1, n->count))
                    return false;
            break;
        case NODE_INCLUDE:
            if (!expand_include(c, n, s, round, rounds))
                return false;
            break;
        case NODE_POSE:
        case NODE_FLOW:
        case NODE_BREATHE:
            if (skipped(c, n))
                break;
            if (n->sides == (SIDE_LEFT | SIDE_RIGHT)) {
                if (!add_inst(c, n, s, TL_SIDE_LEFT, false, round, rounds) ||
                    !add_inst(c, n, s, TL_SIDE_RIGHT, true, round, rounds))
                    return false;
            } else if (!add_inst(c, n, s,
                                 n->sides == SIDE_LEFT    ? TL_SIDE_LEFT
                                 : n->sides == SIDE_RIGHT ? TL_SIDE_RIGHT
                                                          : TL_SIDE_NONE,
                                 false, round, rounds)) {
                return false;
            }
            break;
        default:
            if (n->kind == NODE_REST && c->skip_rest) {
                /* The rest after a skipped step goes with it. */
                c->skip_rest = false;
                c->rest_before = 0;
                break;
            }
            if (!add_inst(c, n, s, TL_SIDE_NONE, false, round, rounds))
                return false;
            break;
        }
    }
    return true;
}

/* After expansion: a skipped step at the very end takes the rest before it
 * along (that rest would lead nowhere); names --skip did not find are
 * errors. */
static void finish_skips(struct compiler *c)
{
    if (c->skip_rest && c->rest_before == c->n_insts && c->n_insts > 0)
        c->n_insts--;
    for (size_t k = 0; k < c->o->n_skip && k < COMPILE_MAX_SKIP; k++)
        if (!(c->skip_used & (1ull << k)))
            diag_error(c->d, NULL, "--skip '%s': the session has no pose, flow or breathe step of that name",
                       c->o->skip[k]);
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
    e->round = c->round;
    e->rounds = c->rounds;
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
    st->side_word = st->side == TL_SIDE_LEFT    ? c->phrase[PHRASE_LEFT]
                    : st->side == TL_SIDE_RIGHT ? c->phrase[PHRASE_RIGHT]
                                                : NULL;
    st->start = st->hold_start = st->hold_end = st->end = c->now;
    st->path = it->text;
    st->line = in ? in->n->pos.line : 0;
    return st;
}

/* A speech event of `text` at `start`; returns its length in frames, or -1
 * on a fatal error. */
/* Speak `text` at `start`, or later when that falls within BELL_CLEAR_MS
 * of the last bell's strike.  Returns the frames from `start` to the end of
 * the speech (its length plus any delay), or -1 on a fatal error. */
static int64_t say_at(struct compiler *c, const char *text, int64_t start)
{
    struct interned *t = speech(c, text);
    if (!t)
        return -1;
    int64_t moved = 0, clear = ms_to_frames(c, BELL_CLEAR_MS);
    if (c->have_bell && start >= c->last_bell && start < c->last_bell + clear)
        moved = c->last_bell + clear - start;
    struct tl_event *e = add_event(c, TL_SPEECH, start + moved, start + moved + t->frames);
    if (!e)
        return -1;
    e->text = t->text;
    e->moved = moved;
    return moved + t->frames;
}

/* --- layout: text building --------------------------------------------------- */

/* Drop a space left before punctuation when a placeholder had nothing to
 * put in: say "Lie still." rather than "Lie  still." or "Lie .". */
static void squeeze_space(struct compiler *c, const char *next)
{
    if (c->sb.len > 0 && c->sb.s[c->sb.len - 1] == ' ' && strchr(" .,;:!?", *next))
        c->sb.s[--c->sb.len] = '\0';
}

/* Append `text` to c->sb with {side}, {round} and {rounds} filled in from
 * `in` (which may be NULL); warns at `pos` when there is nothing to put in. */
static void put_cue_text(struct compiler *c, const char *text, const struct inst *in,
                         const struct src_pos *pos)
{
    enum tl_side side = in ? in->side : TL_SIDE_NONE;
    const char *p = text;
    for (;;) {
        const char *m = strchr(p, '{');
        if (!m) {
            strbuf_puts(&c->sb, p);
            return;
        }
        strbuf_append(&c->sb, p, (size_t)(m - p));
        if (!strncmp(m, "{side}", 6)) {
            p = m + 6;
            if (side != TL_SIDE_NONE) {
                strbuf_puts(&c->sb, c->phrase[side == TL_SIDE_LEFT ? PHRASE_LEFT : PHRASE_RIGHT]);
                continue;
            }
            if (first_warning(c, pos))
                diag_warning(c->d, pos, "'{side}' is only filled in for a pose with ', each side', "
                                        "', left' or ', right'");
            squeeze_space(c, p);
        } else if (!strncmp(m, "{round}", 7) || !strncmp(m, "{rounds}", 8)) {
            bool all = m[6] == 's';
            p = m + (all ? 8 : 7);
            if (in && in->rounds > 0) {
                strbuf_printf(&c->sb, "%d", all ? in->rounds : in->round);
                continue;
            }
            if (first_warning(c, (const char *)pos + 1))
                diag_warning(c->d, pos, "'{round}' and '{rounds}' are only filled in inside a flow "
                                        "or a repeat");
            squeeze_space(c, p);
        } else {
            strbuf_putc(&c->sb, '{');
            p = m + 1;
        }
    }
}

static bool ends_sentence(const char *s)
{
    return phrase_ends_sentence(s, strlen(s));
}

/* "Name, left side" (the side in the session's language). */
static void put_pose_title(struct compiler *c, const struct inst *in)
{
    const char *name = in->n->text;
    size_t n = strlen(name);
    if (in->side != TL_SIDE_NONE && n > 0 && strchr(".!?", name[n - 1]))
        n--;
    strbuf_append(&c->sb, name, n);
    if (in->side != TL_SIDE_NONE) {
        strbuf_puts(&c->sb, ", ");
        strbuf_puts(&c->sb, c->phrase[in->side == TL_SIDE_LEFT ? PHRASE_LEFT_SIDE : PHRASE_RIGHT_SIDE]);
    }
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

/* `prefix` (a phrase said first) then the text of cue `q` with its
 * placeholders filled in, or `dflt` (a phrase, which a session may have
 * given a {side} too) when q is NULL.  Returns an interned, measured text,
 * or NULL on a fatal error. */
static struct interned *text_of(struct compiler *c, const struct inst *in, const struct cue *q,
                                const char *prefix, const char *dflt)
{
    strbuf_clear(&c->sb);
    if (prefix) {
        strbuf_puts(&c->sb, prefix);
        strbuf_putc(&c->sb, ' ');
    }
    if (q)
        put_cue_text(c, q->text, in, &q->pos);
    else
        put_cue_text(c, dflt, in, &in->n->pos);
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

static bool is_named_step(enum node_kind kind)
{
    return kind == NODE_POSE || kind == NODE_FLOW || kind == NODE_BREATHE;
}

/* The pose, flow or breathe step a rest at `i` leads to, if nothing but
 * `at` and silence lies between. */
static const struct inst *next_pose(const struct compiler *c, size_t i)
{
    for (size_t k = i + 1; k < c->n_insts; k++) {
        enum node_kind kind = c->insts[k].n->kind;
        if (is_named_step(kind))
            return &c->insts[k];
        if (kind != NODE_AT && kind != NODE_SILENCE)
            return NULL;
    }
    return NULL;
}

/* Phase `ph` of breath `b` (1-based) of `count`, in frames.  A ramp goes
 * linearly from the first pace on the first breath to the second on the
 * last, rounded to the nearest whole frame. */
static int64_t phase_frames(const struct compiler *c, const struct pace *pace, int32_t b,
                            int32_t count, int ph)
{
    int64_t a = ms_to_frames(c, pace->ms[ph]);
    if (!pace->ramp || count < 2)
        return a;
    int64_t z = ms_to_frames(c, pace->to[ph]);
    int64_t x = (z - a) * (b - 1), d = count - 1;
    int64_t r = x >= 0 ? (2 * x + d) / (2 * d) : -((-2 * x + d) / (2 * d));
    return a + r;
}

/* The lengths of the four phases of breath `b` of `count`. */
static void breath_lengths(const struct compiler *c, const struct pace *pace, int32_t b,
                           int32_t count, int64_t len[4])
{
    for (int ph = 0; ph < 4; ph++)
        len[ph] = phase_frames(c, pace, b, count, ph);
}

/* One breath phase with its prompt: spoken text, or a tone, or nothing.
 * `lens` are the four phase lengths of this breath. */
static bool breath_phase(struct compiler *c, enum tl_phase phase, const int64_t lens[4],
                         const struct pace *pace, int32_t breath, int32_t breaths,
                         struct interned *spoken, const char *tone, const struct inst *in,
                         const void *warn_key, const struct src_pos *warn_pos, const char *what)
{
    int64_t len = lens[phase];
    struct tl_event *e = add_event(c, TL_BREATH, c->now, c->now + len);
    if (!e)
        return false;
    e->phase = phase;
    e->breath = breath;
    e->breaths = breaths;
    e->ramp = pace->ramp;
    memcpy(e->pace, lens, sizeof e->pace);
    if (spoken) {
        e->text = spoken->text;
        e->clip_end = c->now + spoken->frames;
        warn_long(c, warn_key, warn_pos, what, spoken->frames, len);
    } else if (tone && c->tl->guide != TL_GUIDE_NONE) {
        /* The guide lasts the whole phase: the mixer repeats and shapes
         * the tone to it. */
        const struct sound_ref *r = sound(c, tone, in->s->dir, &in->n->pos);
        if (!r)
            return !c->err;
        e->sound = r->path;
        e->sound_name = r->name;
        e->clip_end = c->now + len;
    } else {
        e->clip_end = c->now;
    }
    c->now += len;
    /* A hold of many breaths is checked breath by breath, not at its end. */
    if (c->now > c->limit)
        return over_budget(c, &in->n->pos, "the session runs past 24 hours here");
    return true;
}

static const enum phrase_key phase_default[4] = {PHRASE_INHALE, PHRASE_HOLD, PHRASE_EXHALE,
                                                 PHRASE_HOLD};
static const char *const phase_tone[4] = {"inhale", "hold", "exhale", "hold"};
static const enum cue_kind phase_cue[4] = {CUE_INHALE, CUE_HOLD, CUE_EXHALE, CUE_HOLD};

/* `count` breaths (or reps) at `pace`.  Built-in prompts are spoken for
 * the first `prompts` breaths, then tones; the teacher's own inhale:,
 * exhale: and hold: lines are spoken on every breath.  A hold inside a
 * flow (`own_cues` false) uses the built-in prompts only, since the flow's
 * inhale:/exhale: lines are its movements. */
static bool hold_breaths(struct compiler *c, const struct inst *in, const struct pace *pace,
                         int32_t count, bool own_cues, const void *key_base)
{
    const struct node *n = in->n;
    bool reps = n->dur.unit == DUR_REPS;
    int prompts = n->prompts >= 0 ? n->prompts : c->prompts;
    /* Reps move on the inhale ("up") and the exhale ("down"), or the other
     * way round with "up on exhale". */
    int up_phase = n->up_on_exhale ? 2 : 0, down_phase = n->up_on_exhale ? 0 : 2;
    for (int32_t b = 1; b <= count; b++) {
        /* "alternate": {side} is left on odd reps, right on even ones. */
        struct inst rep = *in;
        if (n->alternate)
            rep.side = b % 2 ? TL_SIDE_LEFT : TL_SIDE_RIGHT;
        int64_t lens[4];
        breath_lengths(c, pace, b, count, lens);
        for (int ph = 0; ph < 4; ph++) {
            if (lens[ph] == 0)
                continue;
            enum cue_kind kind = phase_cue[ph];
            const char *dflt = c->phrase[phase_default[ph]];
            const char *prefix = NULL;
            if (reps && ph == up_phase) {
                kind = CUE_UP, dflt = c->phrase[PHRASE_UP];
                if (b == count && count > 1)
                    prefix = c->phrase[PHRASE_LAST_ONE];
            } else if (reps && ph == down_phase) {
                kind = CUE_DOWN, dflt = c->phrase[PHRASE_DOWN];
            }
            /* With "up on exhale" the first inhale comes before any lift:
             * it prepares, so it must not speak the 'down' cue. */
            bool prepare = reps && n->up_on_exhale && ph == down_phase && b == 1;
            const struct cue *q = own_cues && !prepare ? find_cue(n, kind) : NULL;
            struct interned *text = NULL;
            bool spoken = reps || b <= prompts || q;
            if (prepare) {
                text = speech(c, c->phrase[PHRASE_INHALE]);
                if (!text)
                    return false;
            } else if (spoken) {
                text = text_of(c, &rep, q, prefix, dflt);
                if (!text)
                    return false;
            }
            const char *what = prepare                    ? "the inhale prompt"
                               : reps && ph == up_phase   ? "the 'up' cue"
                               : reps && ph == down_phase ? "the 'down' cue"
                               : ph == 0                  ? "the inhale prompt"
                               : ph == 2                  ? "the exhale prompt"
                                                          : "the hold prompt";
            /* Key warnings on the cue, or on the step (or flow line) plus
             * the phase: never on a copy, whose address is not stable. */
            const void *key = q ? (const void *)q : (const void *)((const char *)key_base + ph + 1);
            if (!breath_phase(c, (enum tl_phase)ph, lens, pace, b, count, text,
                              spoken ? NULL : phase_tone[ph], in, key, q ? &q->pos : &n->pos, what))
                return false;
        }
    }
    return true;
}

/* Frames of `count` breaths at `pace`. */
static int64_t breaths_frames(const struct compiler *c, const struct pace *pace, int32_t count)
{
    int64_t sum = 0;
    for (int32_t b = 1; b <= count; b++)
        for (int ph = 0; ph < 4; ph++)
            sum += phase_frames(c, pace, b, count, ph);
    return sum;
}

/* The whole breaths of a `breathe` step given in time: the largest number
 * that fits (at least one), warning when more than half a breath is left
 * over.  0 after an error. */
static int32_t fit_breaths(struct compiler *c, const struct inst *in, const struct pace *pace)
{
    const struct node *n = in->n;
    int64_t hold = ms_to_frames(c, hold_ms(c, n->dur.ms));
    int64_t avg = (ms_to_frames(c, pace->ms[0] + pace->ms[1] + pace->ms[2] + pace->ms[3]) +
                   ms_to_frames(c, pace->to[0] + pace->to[1] + pace->to[2] + pace->to[3])) / 2;
    int64_t guess = avg > 0 ? hold / avg : 1;
    int32_t k = (int32_t)(guess < 1 ? 1 : guess > BREATHE_MAX_BREATHS + 1 ? BREATHE_MAX_BREATHS + 1
                                                                            : guess);
    /* A ramp makes the total depend on the count; walk to the exact fit. */
    while (k > 1 && breaths_frames(c, pace, k) > hold)
        k--;
    while (k <= BREATHE_MAX_BREATHS && breaths_frames(c, pace, k + 1) <= hold)
        k++;
    if (k > BREATHE_MAX_BREATHS) {
        if (first_warning(c, (const char *)n + 6))
            diag_error(c->d, &n->dur_pos, "a breathe step can have at most %d breaths",
                       BREATHE_MAX_BREATHS);
        return 0;
    }
    int64_t total = breaths_frames(c, pace, k);
    int64_t one = total / k;
    if ((total > hold || hold - total > one / 2) && first_warning(c, (const char *)n + 7)) {
        char want[32], got[32];
        format_clock(hold_ms(c, n->dur.ms), want, sizeof want);
        format_clock(total * 1000 / c->rate, got, sizeof got);
        diag_warning(c->d, &n->dur_pos,
                     "%s does not fit whole breaths at this pace: the step lasts %s (%d breath%s)",
                     want, got, k, k == 1 ? "" : "s");
    }
    return k;
}

static void warn_unused_cues(struct compiler *c, const struct node *n, const struct pace *pace)
{
    bool breaths = n->dur.unit == DUR_BREATHS || n->kind == NODE_BREATHE;
    bool reps = n->dur.unit == DUR_REPS;
    bool timed = n->dur.unit == DUR_TIME;
    bool holds = pace->ms[1] || pace->ms[3] || pace->to[1] || pace->to[3];
    for (const struct cue *q = n->cues; q; q = q->next) {
        const char *why = NULL;
        if ((q->kind == CUE_UP || q->kind == CUE_DOWN) && !reps)
            why = "'up:' and 'down:' are for holds counted in reps";
        else if ((q->kind == CUE_INHALE || q->kind == CUE_EXHALE) && !breaths)
            why = reps ? "a hold in reps speaks 'up:' and 'down:' instead"
                       : "a pose held for a time has no breath prompts (use 'breathe' for that)";
        else if (q->kind == CUE_HOLD && !breaths && !reps)
            why = "a pose held for a time has no breath prompts (use 'breathe' for that)";
        else if (q->kind == CUE_HOLD && !holds)
            why = "this pace has no holds (a hold needs a pace of four numbers)";
        else if (q->kind == CUE_HALFWAY && !timed)
            why = "'halfway:' is for holds in time";
        if (why && first_warning(c, q))
            diag_warning(c->d, &q->pos, "this cue is never spoken: %s", why);
    }
}

/* --- layout: timed cues ---------------------------------------------------------- */

/* One timed cue placed inside its step. */
struct placed {
    int64_t start, end;      /* end: start + speech (a bell counts as an instant) */
    const struct cue *q;
    const char *text;        /* interned speech, or NULL for a bell */
    const struct sound_ref *bell;
};

static bool place(struct compiler *c, struct placed **v, size_t *n, size_t *cap,
                  struct placed p)
{
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        struct placed *w = realloc(*v, nc * sizeof(*w));
        if (!w)
            return fail(c, AV_ENOMEM);
        *v = w;
        *cap = nc;
    }
    (*v)[(*n)++] = p;
    return true;
}

/* What a timed cue says or rings, at `start`: fills `p`.  false on a fatal
 * error; a missing sound leaves p->bell NULL (reported). */
static bool cue_content(struct compiler *c, const struct inst *in, const struct cue *q,
                        const char *text, struct placed *p)
{
    p->q = q;
    p->text = NULL;
    p->bell = NULL;
    p->end = p->start;
    if (q->bell) {
        const char *name = q->sound ? q->sound : c->bell;
        if (!name)
            return true; /* `bell: none` */
        p->bell = sound(c, name, q->sound ? in->s->dir : c->top->dir, &q->pos);
        return p->bell || !c->err;
    }
    struct interned *t = text ? speech(c, text) : text_of(c, in, q, NULL, "");
    if (!t)
        return false;
    p->text = t->text;
    p->end = p->start + t->frames;
    return true;
}

static void cue_outside(struct compiler *c, const struct cue *q, int64_t hold)
{
    if (!first_warning(c, (const char *)q + 2))
        return;
    char len[32];
    format_clock(hold * 1000 / c->rate, len, sizeof len);
    /* With --length the teacher did not write it wrong: the cue is left out. */
    diag_add(c->d, c->scale == 1.0 ? DIAG_ERROR : DIAG_WARNING, &q->line_pos,
             "this cue falls outside its step, which lasts %s%s", len,
             c->scale == 1.0 ? "" : " with --length; it is left out");
}

/* The timed cues of the step of `in` (at, left, every, countdown, and
 * halfway when `halfway` is set), inside [hs, he).  A cue outside, or two
 * whose times overlap, is an error at the cue's line. */
static bool timed_cues(struct compiler *c, const struct inst *in, int64_t hs, int64_t he,
                       bool halfway)
{
    const struct node *n = in->n;
    int64_t hold = he - hs;
    struct placed *v = NULL;
    size_t nv = 0, cap = 0;
    bool ok = true;
    for (const struct cue *q = n->cues; q && ok; q = q->next) {
        struct placed p = {0};
        switch (q->kind) {
        case CUE_AT:
        case CUE_LEFT: {
            int64_t off = ms_to_frames(c, q->ms);
            if (q->kind == CUE_AT ? off >= hold : off > hold) {
                cue_outside(c, q, hold);
                break;
            }
            p.start = q->kind == CUE_AT ? hs + off : he - off;
            ok = cue_content(c, in, q, NULL, &p) && place(c, &v, &nv, &cap, p);
            break;
        }
        case CUE_EVERY: {
            int64_t every = ms_to_frames(c, q->ms);
            if (every <= 0 || every >= hold) {
                cue_outside(c, q, hold);
                break;
            }
            if (hold / every > TIMED_CUE_MAX_REPEATS) {
                if (first_warning(c, (const char *)q + 3))
                    diag_error(c->d, &q->line_pos, "this cue would sound more than %d times",
                               TIMED_CUE_MAX_REPEATS);
                break;
            }
            for (int64_t t = hs + every; t < he && ok; t += every) {
                p.start = t;
                ok = cue_content(c, in, q, NULL, &p) && place(c, &v, &nv, &cap, p);
            }
            break;
        }
        case CUE_COUNTDOWN:
            if ((int64_t)q->count * c->rate > hold) {
                cue_outside(c, q, hold);
                break;
            }
            for (int32_t k = q->count; k >= 1 && ok; k--) {
                p.start = he - (int64_t)k * c->rate;
                ok = cue_content(c, in, q, c->phrase[PHRASE_COUNT_1 + k - 1], &p) &&
                     place(c, &v, &nv, &cap, p);
            }
            break;
        case CUE_HALFWAY:
            if (!halfway)
                break;
            p.start = hs + hold / 2;
            ok = cue_content(c, in, q, NULL, &p) && place(c, &v, &nv, &cap, p);
            if (ok && p.text)
                warn_long(c, q, &q->pos, "the halfway cue", p.end - p.start, hold - hold / 2);
            break;
        default:
            break;
        }
    }
    /* In time order (stable: a cue's own repeats stay in order). */
    for (size_t i = 1; i < nv; i++) {
        struct placed x = v[i];
        size_t j = i;
        while (j > 0 && v[j - 1].start > x.start) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
    /* `prev` is the cue still sounding latest: a long cue can overlap
     * several that follow it. */
    const struct placed *prev = NULL;
    for (size_t i = 0; ok && i < nv; i++) {
        const struct placed *p = &v[i];
        if (prev) {
            bool clash = p->start < prev->end || p->start == prev->start;
            if (clash && prev->q != p->q && first_warning(c, (const char *)p->q + 4)) {
                char at[32];
                format_clock((p->start - hs) * 1000 / c->rate, at, sizeof at);
                diag_add(c->d, c->scale == 1.0 ? DIAG_ERROR : DIAG_WARNING, &p->q->line_pos,
                           "this cue collides with the cue on line %d (%s into the step)",
                           prev->q->pos.line, at);
            } else if (clash && prev->q == p->q) {
                warn_long(c, (const char *)p->q + 5, &p->q->pos, "this cue",
                          prev->end - prev->start, p->start - prev->start);
            }
        }
        if (!prev || p->end > prev->end || p->start == prev->start)
            prev = p;
        if (p->q->kind != CUE_HALFWAY && p->text)
            warn_long(c, (const char *)p->q + 5, &p->q->pos, "this cue", p->end - p->start, he - p->start);
        if (!p->bell && !p->text)
            continue; /* `bell: none`, or a sound that is missing (reported) */
        struct tl_event *e = add_event(c, p->bell ? TL_BELL : TL_SPEECH, p->start, p->end);
        if (!e) {
            ok = false;
            break;
        }
        if (p->bell) {
            e->end = e->clip_end = p->start + p->bell->frames;
            e->sound = p->bell->path;
            e->sound_name = p->bell->name;
        } else {
            e->text = p->text;
        }
    }
    free(v);
    return ok && !c->err;
}

/* The announcement of a pose, flow or breathe step: "[Switch sides. ]Name[,
 * left side]. plain lines", spoken from now; returns its length or -1. */
static int64_t announce(struct compiler *c, const struct inst *in)
{
    const struct node *n = in->n;
    strbuf_clear(&c->sb);
    if (in->second_side) {
        strbuf_puts(&c->sb, c->phrase[PHRASE_SWITCH_SIDES]);
        strbuf_putc(&c->sb, ' ');
    }
    put_pose_title(c, in);
    put_sentence_end(c);
    for (const struct cue *q = n->cues; q; q = q->next) {
        if (q->kind != CUE_PLAIN)
            continue;
        strbuf_putc(&c->sb, ' ');
        put_cue_text(c, q->text, in, &q->pos);
        put_sentence_end(c);
    }
    if (strbuf_failed(&c->sb)) {
        fail(c, AV_ENOMEM);
        return -1;
    }
    return say_at(c, strbuf_str(&c->sb), c->now);
}

/* The end of a hold at c->now: the chime (unless `chime: none` or `, no
 * chime`) and the end: cue; then the step's gap. */
static bool end_of_hold(struct compiler *c, const struct inst *in, size_t step_index)
{
    const struct node *n = in->n;
    if (c->chime && !n->no_chime) {
        const struct sound_ref *chime = sound(c, c->chime, c->top->dir, &c->chime_pos);
        if (chime) {
            struct tl_event *e = add_event(c, TL_BELL, c->now, c->now + chime->frames);
            if (!e)
                return false;
            e->sound = chime->path;
            e->sound_name = chime->name;
            c->have_bell = true;
            c->last_bell = c->now;
        } else if (c->err) {
            return false;
        }
    }
    int64_t after = c->gap;
    const struct cue *endq = find_cue(n, CUE_END);
    if (endq) {
        struct placed p = {.start = c->now};
        if (!cue_content(c, in, endq, NULL, &p))
            return false;
        if (p.bell) {
            struct tl_event *e = add_event(c, TL_BELL, c->now, c->now + p.bell->frames);
            if (!e)
                return false;
            e->sound = p.bell->path;
            e->sound_name = p.bell->name;
        } else if (p.text) {
            int64_t said = say_at(c, p.text, c->now);
            if (said < 0)
                return false;
            if (said > after)
                after = said;
        }
    }
    c->now += after;
    c->tl->steps[step_index].end = c->now;
    return true;
}

/* pose and breathe */
static bool layout_pose(struct compiler *c, const struct inst *in)
{
    const struct node *n = in->n;
    bool breathe = n->kind == NODE_BREATHE;
    struct tl_step *st = add_step(c, breathe ? TL_STEP_BREATHE : TL_STEP_POSE, n->text, in);
    if (!st)
        return false;
    size_t step_index = c->tl->n_steps - 1;
    int64_t len = announce(c, in);
    if (len < 0)
        return false;
    c->now += len;
    int64_t hs = c->now;
    c->tl->steps[step_index].hold_start = hs;

    const struct pace *pace = n->has_pace ? &n->pace : &c->pace;
    warn_unused_cues(c, n, pace);
    if (!breathe && n->dur.unit == DUR_TIME && (n->has_pace || n->prompts >= 0) &&
        first_warning(c, (const char *)n + 9))
        diag_warning(c->d, &n->pos,
                     "a pose held for a time is quiet, so its %s is never used; for breath prompts "
                     "write 'breathe %s, ...'",
                     n->has_pace ? "pace" : "prompts option", n->text);
    int32_t count = 0;
    if (n->dur.unit == DUR_TIME && !breathe) {
        /* A pose held for a time is quiet by design: no breath prompts. */
        c->now += ms_to_frames(c, hold_ms(c, n->dur.ms));
    } else {
        count = n->dur.unit == DUR_TIME ? fit_breaths(c, in, pace) : hold_count(c, n->dur.count);
        if (count > 0 && !hold_breaths(c, in, pace, count, true, n))
            return false;
    }
    if (!timed_cues(c, in, hs, c->now, n->dur.unit == DUR_TIME))
        return false;
    st = &c->tl->steps[step_index];
    st->hold_end = c->now;
    st->breaths = count;
    st->reps = n->dur.unit == DUR_REPS;
    return end_of_hold(c, in, step_index);
}

/* flow NAME, N rounds: the announcement, then each round's lines in
 * order, one breath phase per inhale:/exhale: line. */
static bool layout_flow(struct compiler *c, const struct inst *in)
{
    const struct node *n = in->n;
    if (!add_step(c, TL_STEP_FLOW, n->text, in))
        return false;
    size_t step_index = c->tl->n_steps - 1;
    int64_t len = announce(c, in);
    if (len < 0)
        return false;
    c->now += len;
    c->tl->steps[step_index].hold_start = c->now;
    const struct pace *pace = n->has_pace ? &n->pace : &c->pace;
    int32_t rounds = hold_count(c, n->count);
    bool any = false;
    for (const struct cue *q = n->cues; q; q = q->next)
        any = any || q->kind != CUE_PLAIN;
    if (!any && first_warning(c, (const char *)n + 8))
        diag_error(c->d, &n->pos, "a flow needs its movements: 'inhale:', 'exhale:' or "
                                  "'hold N breaths:' lines under it");
    for (int32_t r = 1; any && r <= rounds; r++) {
        struct inst rin = *in;
        rin.round = r;
        rin.rounds = rounds;
        c->round = r;
        c->rounds = rounds;
        bool first = true;
        int64_t lens[4];
        breath_lengths(c, pace, r, rounds, lens);
        for (const struct cue *q = n->cues; q; q = q->next) {
            if (q->kind == CUE_PLAIN)
                continue;
            const char *prefix =
                first && r == rounds && rounds > 1 ? c->phrase[PHRASE_LAST_ROUND] : NULL;
            first = false;
            struct interned *t = text_of(c, &rin, q, prefix, "");
            if (!t)
                return false;
            if (q->kind == CUE_FLOW_HOLD) {
                /* Said, then N whole breaths as in a pose. */
                if (say_at(c, t->text, c->now) < 0)
                    return false;
                c->now += t->frames;
                struct node held = *n;
                held.dur.unit = DUR_BREATHS;
                held.dur.count = q->count;
                held.up_on_exhale = held.alternate = false;
                struct inst hin = rin;
                hin.n = &held;
                if (!hold_breaths(c, &hin, pace, q->count, false, q))
                    return false;
                continue;
            }
            int ph = q->kind == CUE_INHALE ? 0 : 2;
            if (!breath_phase(c, (enum tl_phase)ph, lens, pace, r, rounds, t, NULL, in, q, &q->pos,
                              "this movement"))
                return false;
            c->tl->events[c->tl->n_events - 1].movement = 1;
            /* A four-number pace holds after the phase, in silence. */
            if (lens[ph + 1] > 0) {
                if (!breath_phase(c, (enum tl_phase)(ph + 1), lens, pace, r, rounds, NULL, NULL, in,
                                  q, &q->pos, ""))
                    return false;
                c->tl->events[c->tl->n_events - 1].movement = 1;
            }
        }
    }
    c->round = c->rounds = 0;
    struct tl_step *st = &c->tl->steps[step_index];
    st->hold_end = c->now;
    st->rounds = rounds;
    return end_of_hold(c, in, step_index);
}

static bool layout_rest(struct compiler *c, const struct inst *in, size_t i)
{
    const struct node *n = in->n;
    struct tl_step *st = add_step(c, TL_STEP_REST, c->phrase[PHRASE_REST_NAME], in);
    if (!st)
        return false;
    size_t step_index = c->tl->n_steps - 1;
    int64_t start = c->now, dur = ms_to_frames(c, n->dur.ms), end = start + dur;

    strbuf_clear(&c->sb);
    bool any = false;
    for (const struct cue *q = n->cues; q; q = q->next) {
        if (q->kind != CUE_PLAIN)
            continue;
        if (any)
            strbuf_putc(&c->sb, ' ');
        put_cue_text(c, q->text, in, &q->pos);
        put_sentence_end(c);
        any = true;
    }
    if (!any)
        strbuf_puts(&c->sb, c->phrase[PHRASE_REST]);
    if (strbuf_failed(&c->sb))
        return fail(c, AV_ENOMEM);
    int64_t said = say_at(c, strbuf_str(&c->sb), start);
    if (said < 0)
        return false;
    warn_long(c, n, &n->pos, "the rest's words", said, dur);

    const struct inst *next = next_pose(c, i);
    if (next) {
        strbuf_clear(&c->sb);
        put_pose_title(c, next);
        if (strbuf_failed(&c->sb))
            return fail(c, AV_ENOMEM);
        char *title = strdup(strbuf_str(&c->sb));
        if (!title)
            return fail(c, AV_ENOMEM);
        const char *vars[] = {"pose", title, NULL};
        strbuf_clear(&c->sb);
        phrase_expand(&c->sb, c->phrase[PHRASE_NEXT], vars);
        free(title);
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
    if (!timed_cues(c, in, start, end, false))
        return false;
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
    struct interned *t;
    if (in) {
        /* {side}, {round} and {rounds} work in `say` too. */
        strbuf_clear(&c->sb);
        put_cue_text(c, text, in, &in->n->text_pos);
        if (strbuf_failed(&c->sb))
            return fail(c, AV_ENOMEM);
        t = speech(c, strbuf_str(&c->sb));
    } else {
        t = speech(c, text);
    }
    if (!t)
        return false;
    c->tl->steps[step_index].name = t->text;
    int64_t said = say_at(c, t->text, c->now);
    if (said < 0)
        return false;
    c->now += said;
    c->tl->steps[step_index].hold_end = c->now;
    c->now += c->gap;
    c->tl->steps[step_index].end = c->now;
    return true;
}

static bool layout_bell(struct compiler *c, const struct inst *in)
{
    const struct node *n = in->n;
    const char *name = n->text ? n->text : c->bell;
    const struct sound_ref *r = NULL;
    if (name) {
        const struct src_pos *pos = n->text ? &n->text_pos : (c->bell_pos.path ? &c->bell_pos : &n->pos);
        /* The default bell is looked up next to the top session. */
        const char *dir = n->text ? in->s->dir : c->top->dir;
        r = sound(c, name, dir, pos);
    }
    struct tl_step *st = add_step(c, TL_STEP_BELL, r ? r->name : name ? name : "none", in);
    if (!st)
        return false;
    size_t step_index = c->tl->n_steps - 1;
    if (r) {
        struct tl_event *e = add_event(c, TL_BELL, c->now, c->now + r->frames);
        if (!e)
            return false;
        e->sound = r->path;
        e->sound_name = r->name;
        c->have_bell = true;
        c->last_bell = c->now;
    } else if (c->err) {
        return false;
    }
    c->now += ms_to_frames(c, n->dur.unit == DUR_TIME ? n->dur.ms : DEFAULT_BELL_MS);
    c->tl->steps[step_index].hold_end = c->now;
    c->tl->steps[step_index].end = c->now;
    return true;
}

static bool layout_silence(struct compiler *c, const struct inst *in)
{
    if (!add_step(c, TL_STEP_SILENCE, "", in))
        return false;
    size_t step_index = c->tl->n_steps - 1;
    int64_t start = c->now;
    c->now += ms_to_frames(c, hold_ms(c, in->n->dur.ms));
    if (!timed_cues(c, in, start, c->now, false))
        return false;
    c->tl->steps[step_index].hold_end = c->now;
    c->tl->steps[step_index].end = c->now;
    return true;
}

static bool layout_intro(struct compiler *c)
{
    const struct session *s = c->top;
    if (!s->safety.set)
        return true;
    /* The opening phrase drops its own '.' after a title that ends a
     * sentence already; the safety text gets one when it has none. */
    strbuf_clear(&c->sb);
    const char *vars[] = {"title", c->tl->title, "safety", s->safety.value, NULL};
    phrase_expand(&c->sb, c->phrase[PHRASE_OPENING], vars);
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
        case NODE_POSE:
        case NODE_BREATHE: ok = layout_pose(c, in); break;
        case NODE_FLOW: ok = layout_flow(c, in); break;
        case NODE_REST: ok = layout_rest(c, in, i); break;
        case NODE_SAY: ok = layout_say(c, in, n->text); break;
        case NODE_BELL: ok = layout_bell(c, in); break;
        case NODE_SILENCE: ok = layout_silence(c, in); break;
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
    c->pace = o->has_pace ? (struct pace){.ms = {(int32_t)(o->pace[0] * 1000 + 0.5),
                                                 (int32_t)(o->pace[1] * 1000 + 0.5),
                                                 (int32_t)(o->pace[2] * 1000 + 0.5),
                                                 (int32_t)(o->pace[3] * 1000 + 0.5)}}
                          : s->pace_value;
    c->prompts = o->prompts >= 0 ? o->prompts : s->prompts_value;
    c->gap = ms_to_frames(c, s->gap_ms);
    c->bell = s->bell.set ? s->bell.value : "bowl";
    c->chime = s->chime.set ? s->chime.value : "chime";
    if (!strcmp(c->bell, "none"))
        c->bell = NULL;
    if (!strcmp(c->chime, "none"))
        c->chime = NULL;
    if (o->has_pace)
        memcpy(c->pace.to, c->pace.ms, sizeof c->pace.to);
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

    /* The language (--language, else `language:`) picks the phrases, and
     * the voice follows it unless one is given; without a language the
     * phrases follow the voice.  A bad language or voice is reported and
     * the session is still laid out (English phrases, the default voice), so
     * one run shows every error. */
    const char *lang = o->language ? o->language : s->language.set ? s->language.value : NULL;
    const struct phrase_catalog *cat = NULL;
    bool lang_ok = true, voice_ok = true;
    if (lang && !(cat = phrase_catalog_find(lang))) {
        diag_error(c->d, o->language ? NULL : &s->language.pos,
                   "no built-in phrases for language '%s'; the languages are %s", lang,
                   phrase_languages());
        lang_ok = false;
    }
    const char *voice = o->voice          ? o->voice
                        : s->voice.set    ? s->voice.value
                        : cat             ? cat->voice
                                          : VOICE_DEFAULT;
    tl->voice = arena_strdup(tl->arena, voice);
    tl->speed = o->speed > 0 ? o->speed : s->speed_value > 0 ? s->speed_value : DEFAULT_SPEED;
    if (!tl->title || !tl->about || !tl->voice)
        return fail(c, AV_ENOMEM);
    tl->guide = o->guide >= 0 ? (enum tl_guide)o->guide : (enum tl_guide)s->guide_value;
    tl->voice_db = o->has_voice_db ? o->voice_db : s->voice_db;
    tl->bell_db = o->has_bell_db ? o->bell_db : s->bell_db;
    tl->ambience_db = o->has_ambience_db ? o->ambience_db : s->ambience_db;
    const char *amb = o->ambience ? o->ambience : s->ambience.set ? s->ambience.value : NULL;
    if (amb && strcmp(amb, "none") != 0) {
        const struct src_pos *pos = !o->ambience ? &s->ambience.pos : NULL;
        const struct sound_ref *r = sound(c, amb, s->dir, pos);
        if (!r)
            return false;
        tl->ambience = r->path;
        tl->ambience_name = r->name;
    }
    int err = c->env->set_voice(c->env->ctx, tl->voice, tl->speed);
    if (err == AV_ENOMEM)
        return fail(c, err);
    if (err) {
        const struct src_pos *pos = !o->voice && s->voice.set ? &s->voice.pos : NULL;
        diag_error(c->d, pos, "espeak-ng cannot speak with voice '%s' at %d words per minute",
                   tl->voice, tl->speed);
        /* Go on measuring with the default voice, so the rest of the
         * session (sounds, layout) is still checked in this run. */
        err = c->env->set_voice(c->env->ctx, "en-us", DEFAULT_SPEED);
        if (err == AV_ENOMEM)
            return fail(c, err);
        voice_ok = false;
    }
    if (!cat && !(cat = phrase_catalog_for_voice(voice))) {
        if (lang_ok && voice_ok) {
            const struct src_pos *pos = !o->voice && s->voice.set ? &s->voice.pos : NULL;
            diag_warning(c->d, pos,
                         "there are no built-in phrases in the language of voice '%s', so they "
                         "are English; 'language:' picks one of %s, and 'phrases:' replaces any",
                         voice, phrase_languages());
        }
        cat = phrase_catalog_at(0);
    }
    for (int k = 0; k < PHRASE_N; k++)
        c->phrase[k] = cat->text[k];
    for (const struct phrase_line *q = s->phrase_lines; q; q = q->next) {
        c->phrase[q->key] = q->text;
        if (q->key == PHRASE_NEXT && !strstr(q->text, "{pose}"))
            diag_warning(c->d, &q->pos, "this 'next' phrase has no {pose}, so the next pose's "
                                        "name is not said");
    }
    return voice_ok || err == AV_OK;
}

/* --- running the layout, and --length ----------------------------------------------- */

static void sort_events(struct timeline *tl);

/* Lay the expanded steps out from scratch at hold scale `scale`, reporting
 * to `d`.  The timeline's arrays are reused; its arena and the intern table
 * keep the texts measured by earlier runs.  Returns false when the layout
 * stopped (fatal error, 24 hours, too many errors). */
static bool run_layout(struct compiler *c, double scale, struct diag *d)
{
    c->scale = scale;
    c->d = d;
    c->over_budget = false; /* a probe past 24 hours must not stop the next run */
    c->n_warned = 0;
    c->n_sounds = 0; /* so a missing sound is reported to this `d` */
    c->now = 0;
    c->have_bell = false;
    c->round = c->rounds = 0;
    c->tl->n_events = 0;
    c->tl->n_steps = 0;
    bool ok = layout(c);
    struct timeline *tl = c->tl;
    sort_events(tl);
    tl->duration = c->now;
    for (size_t i = 0; i < tl->n_events; i++) {
        int64_t e = tl->events[i].end > tl->events[i].clip_end ? tl->events[i].end
                                                                : tl->events[i].clip_end;
        if (e > tl->duration)
            tl->duration = e;
    }
    return ok && !c->err;
}

/* The length of the session at hold scale `scale`, or INT64_MAX when that
 * scale gives errors (an `at` in the past, more than 24 hours...). */
static int64_t length_at(struct compiler *c, double scale, struct diag *real)
{
    struct diag *scratch = diag_create();
    if (!scratch) {
        fail(c, AV_ENOMEM);
        return INT64_MAX;
    }
    bool ok = run_layout(c, scale, scratch) && diag_errors(scratch) == 0;
    diag_destroy(scratch);
    c->d = real;
    return ok ? c->tl->duration : INT64_MAX;
}

/* --length: find the hold scale whose session length is nearest to
 * `length_ms`.  The length grows with the scale (in steps, since breaths
 * and seconds are whole), so a bisection finds it; each probe is a full
 * layout, cheap once the speech is measured.  Returns false on a fatal
 * error. */
static bool fit_length(struct compiler *c, int64_t length_ms)
{
    struct diag *real = c->d;
    int64_t target = ms_to_frames(c, length_ms);
    c->tl->length_asked = target;
    double best = 1.0, lo = 0.0, hi = 1.0;
    int64_t best_off = INT64_MAX;
#define PROBE(scale_, len_)                                                                       \
    do {                                                                                          \
        len_ = length_at(c, (scale_), real);                                                      \
        if (c->err)                                                                               \
            return false;                                                                         \
        if (len_ != INT64_MAX) {                                                                  \
            int64_t off_ = len_ > target ? len_ - target : target - len_;                         \
            if (off_ < best_off)                                                                  \
                best_off = off_, best = (scale_);                                                 \
        }                                                                                         \
    } while (0)
    int64_t len;
    PROBE(0.0, len);
    PROBE(1.0, len);
    while (len != INT64_MAX && len < target && hi < 4096) {
        lo = hi;
        hi *= 2;
        PROBE(hi, len);
    }
    for (int k = 0; k < 40 && best_off > 0; k++) {
        double mid = (lo + hi) / 2;
        PROBE(mid, len);
        if (len < target)
            lo = mid;
        else
            hi = mid;
    }
#undef PROBE
    c->scale = best;
    return true;
}

/* --- entry points --------------------------------------------------------------- */

void compile_options_init(struct compile_options *o)
{
    memset(o, 0, sizeof(*o));
    o->rate = DEFAULT_RATE;
    o->prompts = -1;
    o->guide = -1;
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
    c.scale = 1.0;
    int errors_before = diag_errors(d);
    size_t errors_first = diag_count(d);
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
    /* Errors of every kind are reported in one run: after parse errors the
     * compile goes on (steps with errors are left out), so includes,
     * voice, sounds and layout get checked too. */
    c.top_key = canonical(path);
    c.inc_stack[0] = c.top_key;
    c.inc_names[0] = path;
    if (!c.top_key) {
        result = AV_ENOMEM;
        goto done;
    }
    c.inc_depth = 1;
    c.bytes_read = len;
    if (!top->steps && diag_errors(d) == errors_before) {
        struct src_pos pos = {.path = top->path};
        diag_error(d, &pos, "the session has no steps: write at least one, e.g. 'pose Child's pose, "
                            "6 breaths' (docs/FORMAT.md)");
    }
    expand_list(&c, top->steps, top, 0, 0);
    if (c.err || c.over_budget)
        goto done;
    finish_skips(&c);
    if (c.n_insts == 0 && top->steps && diag_errors(d) == errors_before) {
        struct src_pos pos = {.path = top->path};
        diag_error(d, &pos, "no steps are left to lay out%s",
                   opts->n_skip ? " once the --skip steps are left out" : "");
    }
    if (diag_full(d) || !settings(&c))
        goto done;
    if (opts->length_ms > 0 && diag_errors(d) == errors_before && !fit_length(&c, opts->length_ms))
        goto done;
    if (!run_layout(&c, c.scale, d))
        goto done;
    if (c.tl->duration > c.limit + (int64_t)c.rate * 60) {
        diag_error(d, NULL, "the session is longer than 24 hours");
        goto done;
    }
done:
    diag_sort(d, (size_t)errors_first);
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
