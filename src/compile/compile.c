/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * compile.c — a parsed session to a timeline at exact frame positions: this
 * file runs the phases below and owns the entry points; the phases live in
 * expand.c, layout.c (with breaths.c and cues.c) and speech.c, sharing
 * compile_internal.h.
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
 * Flows, breathe steps (breaths.c) and timed cues (at, left, every,
 * countdown; cues.c) are laid out too; every built-in phrase they speak
 * comes from the phrase catalog (phrases.h) like the others, and the
 * expansion limits beyond SESSION_MAX_STEPS are one enum
 * (BREATHE_MAX_BREATHS, TIMED_CUE_MAX_REPEATS).
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

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile_internal.h"

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
    tl->speed = o->speed > 0                ? o->speed
                : s->speed_value > 0        ? s->speed_value
                : !strcmp(voice, VOICE_DEFAULT) ? VOICE_DEFAULT_SPEED
                                            : DEFAULT_SPEED;
    if (!tl->title || !tl->about || !tl->voice)
        return fail(c, AV_ENOMEM);
    tl->guide = o->guide >= 0 ? (enum tl_guide)o->guide : (enum tl_guide)s->guide_value;
    tl->voice_db = o->has_voice_db ? o->voice_db : s->voice_db;
    tl->bell_db = o->has_bell_db ? o->bell_db : s->bell_db;
    tl->ambience_db = o->has_ambience_db ? o->ambience_db : s->ambience_db;
    const char *amb = o->ambience ? o->ambience : s->ambience.set ? s->ambience.value : NULL;
    if (amb && strcmp(amb, "none") != 0) {
        const struct src_pos *pos = !o->ambience ? &s->ambience.pos : NULL;
        const struct sound_ref *r = compiler_sound(c, amb, s->dir, pos);
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
        /* AV_EVOICE is an unknown voice, or a speech engine that could
         * not start; the list tells the two apart for the reader. */
        if (err == AV_EVOICE)
            diag_error(c->d, pos, "voice '%s' cannot be used; 'asanavox voices' lists the voices",
                       tl->voice);
        else
            diag_error(c->d, pos, "voice '%s' cannot be used: %s", tl->voice, av_strerror(err));
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
    bool ok = compiler_layout(c);
    struct timeline *tl = c->tl;
    sort_events(tl, 0);
    tl->duration = c->now;
    for (size_t i = 0; i < tl->n_events; i++) {
        int64_t e = tl->events[i].end > tl->events[i].clip_end ? tl->events[i].end
                                                                : tl->events[i].clip_end;
        if (e > tl->duration)
            tl->duration = e;
    }
    return ok && !c->err;
}

/* Before the layout that counts, a layout of guesses: with a scratch
 * diagnostic list, every text it would say is only asked ahead
 * (env->prefetch), in the order of the timeline, with its length as known
 * or estimated.  espeak-ng then speaks the session's texts several at once
 * while the real layout, which measures every text again, waits only for
 * the one it needs next.  The guessed layout may differ from the real one
 * where a length decides what is said (a prompt that fits or not); a text
 * it missed is simply spoken when the real layout asks, and one it asked
 * for in vain is dropped by prefetch_end().  It runs within the same
 * budgets (the texts' bytes, the guessed speech time), so it asks for no
 * more than the real layout may say.  Returns false on a fatal error. */
static bool ask_ahead(struct compiler *c)
{
    struct diag *real = c->d;
    struct diag *scratch = diag_create();
    if (!scratch)
        return fail(c, AV_ENOMEM);
    c->guessing = true;
    c->asked_ahead = true;
    run_layout(c, c->scale, scratch);
    c->guessing = false;
    diag_destroy(scratch);
    c->d = real;
    /* Forget the guessed lengths: the real layout measures every text. */
    if (c->texts)
        memset(c->texts, 0, c->cap_texts * sizeof(*c->texts));
    c->n_texts = 0;
    c->speech_chars = 0;
    c->speech_frames = 0;
    return !c->err;
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

/* Stable insertion sort of events [from, n_events), which leaves the
 * events before `from` where they are: the layout emits events almost in
 * order (compile_internal.h). */
void sort_events(struct timeline *tl, size_t from)
{
    for (size_t i = from + 1; i < tl->n_events; i++) {
        struct tl_event e = tl->events[i];
        size_t j = i;
        while (j > from && cmp_event(&tl->events[j - 1], &e) > 0) {
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
        if (opts->stream)
            compile_stream_fail(opts->stream, AV_EINVAL);
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
    if (!compiler_keep_session(&c, top)) {
        result = c.err;
        goto done;
    }
    c.top = top;
    /* Errors of every kind are reported in one run: after parse errors the
     * compile goes on (steps with errors are left out), so includes,
     * voice, sounds and layout get checked too. */
    c.top_key = compiler_canonical(path);
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
    compiler_expand_list(&c, top->steps, top, 0, 0);
    if (c.err || c.over_budget)
        goto done;
    compiler_finish_skips(&c);
    if (c.n_insts == 0 && top->steps && diag_errors(d) == errors_before) {
        struct src_pos pos = {.path = top->path};
        diag_error(d, &pos, "no steps are left to lay out%s",
                   opts->n_skip ? " once the --skip steps are left out" : "");
    }
    if (diag_full(d) || !settings(&c))
        goto done;
    if (env->prefetch && !ask_ahead(&c))
        goto done;
    if (opts->length_ms > 0 && diag_errors(d) == errors_before && !fit_length(&c, opts->length_ms))
        goto done;
    /* Streamed only when nothing is wrong yet: a session with errors is
     * never played. */
    if (opts->stream && out && diag_errors(d) == errors_before)
        compiler_stream_begin(&c);
    if (!run_layout(&c, c.scale, d))
        goto done;
    if (c.tl->duration > c.limit + (int64_t)c.rate * 60) {
        diag_error(d, NULL, "the session is longer than 24 hours");
        goto done;
    }
done:
    if (c.asked_ahead)
        env->prefetch_end(env->ctx);
    diag_sort(d, (size_t)errors_first);
    if (!result && c.err)
        result = c.err;
    if (!result && diag_errors(d) > errors_before)
        result = AV_ESYNTAX;
    if (opts->stream)
        compiler_stream_end(&c, result ? result : out ? AV_OK : AV_EINVAL);
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
        err = AV_ESYNTAX;
    }
    if (err) {
        if (opts && opts->stream)
            compile_stream_fail(opts->stream, err);
        return err;
    }
    err = compile_buffer(path, data, len, opts, env, d, out);
    free(data);
    return err;
}
