/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * compile_internal.h — what the parts of the compiler share: the compiler's
 * state (struct compiler), the expanded instances, and the functions one
 * part calls in another.  Private to src/compile/; the public interface is
 * asanavox/compile.h.
 *
 * compile.c runs the phases (settings, expansion, layout, --length) and
 * owns the entry points; expand.c expands the tree; layout.c lays out the
 * steps, with breaths.c for holds in breaths or reps and cues.c for timed
 * cues; speech.c holds the spoken texts and sounds.  One compile runs on
 * one thread; nothing here is shared between compiles.
 */
#ifndef ASANAVOX_COMPILE_INTERNAL_H
#define ASANAVOX_COMPILE_INTERNAL_H

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
#include "asanavox/thread.h"
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

/* One timed cue placed inside its step. */
struct placed {
    int64_t start, end;      /* end: start + speech (a bell counts as an instant) */
    const struct cue *q;
    const char *text;        /* interned speech, or NULL for a bell */
    const struct sound_ref *bell;
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
    /* The layout of guesses (compile.c, ask_ahead()): texts are only asked
     * ahead (env->prefetch) and their lengths known or estimated. */
    bool guessing;
    bool asked_ahead; /* env->prefetch_end() is owed */
    bool streaming;   /* the layout that counts publishes to o->stream */
    size_t stream_p;  /* events published so far */
    int stream_errors; /* errors when the streamed layout began */
};

/* --- helpers --------------------------------------------------------------- */

static inline int64_t ms_to_frames(const struct compiler *c, int64_t ms)
{
    return ms * c->rate / 1000;
}

/* A hold as laid out: as written, or scaled for --length to whole seconds,
 * never below 5 s (or the written time when that is shorter). */
static inline int64_t hold_ms(const struct compiler *c, int64_t ms)
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
static inline int32_t hold_count(const struct compiler *c, int32_t count)
{
    if (c->scale == 1.0)
        return count;
    double v = (double)count * c->scale + 0.5;
    int32_t r = v > 10000 ? 10000 : (int32_t)v;
    return r < 1 ? 1 : r;
}

static inline bool fail(struct compiler *c, int err)
{
    if (!c->err)
        c->err = err;
    return false;
}

/* True (after recording AV_EINTERRUPTED) when the caller asked to stop. */
static inline bool stopped(struct compiler *c)
{
    if (av_stop_raised(c->o->stop))
        fail(c, AV_EINTERRUPTED);
    return c->err != 0;
}

/* Report a passed budget at `pos` (once) and stop the compile. */
static inline bool over_budget(struct compiler *c, const struct src_pos *pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static inline bool over_budget(struct compiler *c, const struct src_pos *pos, const char *fmt, ...)
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
static inline bool first_warning(struct compiler *c, const void *key)
{
    for (size_t i = 0; i < c->n_warned; i++)
        if (c->warned[i] == key)
            return false;
    if (c->n_warned < sizeof(c->warned) / sizeof(c->warned[0]))
        c->warned[c->n_warned++] = key;
    return true;
}

static inline void fmt_secs(int64_t frames, int rate, char *buf, size_t size)
{
    snprintf(buf, size, "%.1f s", (double)frames / rate);
}

/* --- expand.c (expansion) ------------------------------------------------- */

/* Keep parsed file `s` until the compile ends (ownership moves to c);
 * false on no memory, when `s` is destroyed. */
bool compiler_keep_session(struct compiler *c, struct session *s);

/* A canonical name for cycle detection: realpath when the file exists. */
char *compiler_canonical(const char *path);

/* Expand the list from `n` into c->insts.  `round` of `rounds` is the
 * iteration of the innermost repeat ({round} in cue text).  Steps whose
 * line had an error are left out; everything else is expanded so that
 * later phases can report their own errors too. */
bool compiler_expand_list(struct compiler *c, const struct node *n, const struct session *s,
                          int32_t round, int32_t rounds);

/* After expansion: a skipped step at the very end takes the rest before it
 * along (that rest would lead nowhere); names --skip did not find are
 * errors. */
void compiler_finish_skips(struct compiler *c);

/* --- speech.c (spoken texts, sounds and cue text) ------------------------- */

/* The entry for `text`, added when new.  Adding may move the table, so a
 * returned pointer is good only until the next call that adds a text; the
 * `text` string itself lives as long as the timeline. */
struct interned *compiler_intern(struct compiler *c, const char *text);

/* Intern and measure `text`; NULL on a fatal error (already recorded). */
struct interned *compiler_speech(struct compiler *c, const char *text);

/* Resolve and measure a sound name for a file in `dir`; reports a missing
 * sound at `pos`.  NULL when it cannot be used. */
const struct sound_ref *compiler_sound(struct compiler *c, const char *name, const char *dir,
                                       const struct src_pos *pos);

/* Append `text` to c->sb with {side}, {round} and {rounds} filled in from
 * `in` (which may be NULL); warns at `pos` when there is nothing to put in. */
void compiler_put_cue_text(struct compiler *c, const char *text, const struct inst *in,
                           const struct src_pos *pos);

/* "Name, left side" (the side in the session's language). */
void compiler_put_pose_title(struct compiler *c, const struct inst *in);

/* End c->sb with a full stop unless it ends a sentence already. */
void compiler_put_sentence_end(struct compiler *c);

/* The first cue of `kind` under step `n`, or NULL. */
const struct cue *compiler_find_cue(const struct node *n, enum cue_kind kind);

/* `prefix` (a phrase said first) then the text of cue `q` with its
 * placeholders filled in, or `dflt` (a phrase, which a session may have
 * given a {side} too) when q is NULL.  Returns an interned, measured text,
 * or NULL on a fatal error. */
struct interned *compiler_text_of(struct compiler *c, const struct inst *in, const struct cue *q,
                                  const char *prefix, const char *dflt);

/* --- layout.c (the layout of steps) --------------------------------------- */

/* A new event of `kind` over [start, end) in the latest step, with the
 * flow round; NULL on no memory (c->err set) or past the event budget
 * (reported at the line being laid out). */
struct tl_event *compiler_add_event(struct compiler *c, enum tl_event_kind kind, int64_t start,
                                    int64_t end);

/* Ring sound `r` at `at` for its whole length: a TL_BELL event in the
 * latest step.  Returns the event, or NULL as compiler_add_event(). */
struct tl_event *compiler_ring_at(struct compiler *c, const struct sound_ref *r, int64_t at);

/* Warn (once per key) that a cue of `need` frames has only `have`. */
void compiler_warn_long(struct compiler *c, const void *key, const struct src_pos *pos,
                        const char *what, int64_t need, int64_t have);

/* Lay out every expanded instance from c->now; false when the layout
 * stopped (fatal error, budget, 24 hours). */
bool compiler_layout(struct compiler *c);

/* --- breaths.c (breaths and reps) ----------------------------------------- */

/* The lengths of the four phases of breath `b` of `count`. */
void compiler_breath_lengths(const struct compiler *c, const struct pace *pace, int32_t b,
                             int32_t count, int64_t len[4]);

/* One breath phase with its prompt: spoken text, or a tone, or nothing.
 * `lens` are the four phase lengths of this breath. */
bool compiler_breath_phase(struct compiler *c, enum tl_phase phase, const int64_t lens[4],
                           const struct pace *pace, int32_t breath, int32_t breaths,
                           struct interned *spoken, const char *tone, const struct inst *in,
                           const void *warn_key, const struct src_pos *warn_pos, const char *what);

/* `count` breaths (or reps) at `pace`.  Built-in prompts are spoken for
 * the first `prompts` breaths, then tones; the teacher's own inhale:,
 * exhale: and hold: lines are spoken on every breath.  A hold inside a
 * flow (`own_cues` false) uses the built-in prompts only, since the flow's
 * inhale:/exhale: lines are its movements. */
bool compiler_hold_breaths(struct compiler *c, const struct inst *in, const struct pace *pace,
                           int32_t count, bool own_cues, const void *key_base);

/* The whole breaths of a `breathe` step given in time: the largest number
 * that fits (at least one), warning when more than half a breath is left
 * over.  0 after an error. */
int32_t compiler_fit_breaths(struct compiler *c, const struct inst *in, const struct pace *pace);

/* Warn (once per cue) about cues under `n` that its kind of hold never
 * speaks, such as up: on a hold in breaths. */
void compiler_warn_unused_cues(struct compiler *c, const struct node *n, const struct pace *pace);

/* --- cues.c (timed cues) -------------------------------------------------- */

/* What a timed cue says or rings, at `start`: fills `p`.  false on a fatal
 * error; a missing sound leaves p->bell NULL (reported). */
bool compiler_cue_content(struct compiler *c, const struct inst *in, const struct cue *q,
                          const char *text, struct placed *p);

/* The timed cues of the step of `in` (at, left, every, countdown, and
 * halfway when `halfway` is set), inside [hs, he).  A cue outside, or two
 * whose times overlap, is an error at the cue's line. */
bool compiler_timed_cues(struct compiler *c, const struct inst *in, int64_t hs, int64_t he,
                         bool halfway);

/* A text's speech length at `rate`, about 14 bytes of text a second (150
 * words a minute): the in-memory voice's exact length (env_memory.c) and
 * the guess for a text the real voice has not measured yet (env.c). */
static inline int64_t speech_frames_guess(const char *text, int rate)
{
    return ((int64_t)strlen(text) + 4) * rate / 14;
}

/* Stable insertion sort by start of tl's events [from, n_events); the
 * streamed layout sorts only its unpublished tail with it, so streamed
 * and whole compiles order ties alike (compile.c). */
void sort_events(struct timeline *tl, size_t from);

/* stream.c: publishing to o->stream.  begin: the settings, before the
 * layout that counts; publish: at the start of each step, every event before
 * c->now (false on a fatal error, recorded); end: the result, and every
 * event when it is 0. */
void compiler_stream_begin(struct compiler *c);
bool compiler_stream_publish(struct compiler *c);
void compiler_stream_end(struct compiler *c, int result);

#endif
