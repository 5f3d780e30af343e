/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * layout.c — the layout phase: walking the expanded instances with the
 * clock and emitting the timeline's steps and events for poses, flows,
 * rests, say lines, bells, silences and the intro.
 */
#include "compile_internal.h"

#include <ctype.h>
#include <strings.h>

/* --- layout: output arrays -------------------------------------------------- */

struct tl_event *compiler_add_event(struct compiler *c, enum tl_event_kind kind, int64_t start,
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

struct tl_event *compiler_ring_at(struct compiler *c, const struct sound_ref *r, int64_t at)
{
    struct tl_event *e = compiler_add_event(c, TL_BELL, at, at + r->frames);
    if (e) {
        e->sound = r->path;
        e->sound_name = r->name;
    }
    return e;
}

/* Strike `r` at c->now: a bell that speech right after it keeps clear of
 * (say_at()).  False on a fatal error (recorded). */
static bool strike(struct compiler *c, const struct sound_ref *r)
{
    if (!compiler_ring_at(c, r, c->now))
        return false;
    c->have_bell = true;
    c->last_bell = c->now;
    return true;
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
    struct interned *it = compiler_intern(c, name ? name : "");
    const char *step_name = it ? it->text : NULL;
    it = step_name ? compiler_intern(c, in ? in->n->pos.path : c->top->path) : NULL;
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

/* Speak `text` at `start`, or later when that falls within BELL_CLEAR_MS
 * of the last bell's strike.  Returns the frames from `start` to the end of
 * the speech (its length plus any delay), or -1 on a fatal error. */
static int64_t say_at(struct compiler *c, const char *text, int64_t start)
{
    struct interned *t = compiler_speech(c, text);
    if (!t)
        return -1;
    int64_t moved = 0, clear = ms_to_frames(c, BELL_CLEAR_MS);
    if (c->have_bell && start >= c->last_bell && start < c->last_bell + clear)
        moved = c->last_bell + clear - start;
    struct tl_event *e = compiler_add_event(c, TL_SPEECH, start + moved, start + moved + t->frames);
    if (!e)
        return -1;
    e->text = t->text;
    e->moved = moved;
    return moved + t->frames;
}

/* --- layout: steps ------------------------------------------------------------ */

/* Warn (once per key) that a cue of `need` frames has only `have`. */
void compiler_warn_long(struct compiler *c, const void *key, const struct src_pos *pos,
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
    compiler_put_pose_title(c, in);
    compiler_put_sentence_end(c);
    for (const struct cue *q = n->cues; q; q = q->next) {
        if (q->kind != CUE_PLAIN)
            continue;
        strbuf_putc(&c->sb, ' ');
        compiler_put_cue_text(c, q->text, in, &q->pos);
        compiler_put_sentence_end(c);
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
        const struct sound_ref *chime = compiler_sound(c, c->chime, c->top->dir, &c->chime_pos);
        if (chime) {
            if (!strike(c, chime))
                return false;
        } else if (c->err) {
            return false;
        }
    }
    int64_t after = c->gap;
    const struct cue *endq = compiler_find_cue(n, CUE_END);
    if (endq) {
        struct placed p = {.start = c->now};
        if (!compiler_cue_content(c, in, endq, NULL, &p))
            return false;
        if (p.bell) {
            if (!compiler_ring_at(c, p.bell, c->now))
                return false;
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
    compiler_warn_unused_cues(c, n, pace);
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
        count = n->dur.unit == DUR_TIME ? compiler_fit_breaths(c, in, pace)
                                        : hold_count(c, n->dur.count);
        if (count > 0 && !compiler_hold_breaths(c, in, pace, count, true, n))
            return false;
    }
    if (!compiler_timed_cues(c, in, hs, c->now, n->dur.unit == DUR_TIME))
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
    if (!any && first_warning(c, (const char *)n + 8)) {
        /* A line meant as a movement but written otherwise ("inhale Cow,
         * lift", "Exhale: Cat.") is named, since it is why; one with a ':'
         * is the likelier, so it is preferred. */
        static const char *const moves[] = {"inhale", "exhale", "hold"};
        static const char *const forms[] = {"inhale:", "exhale:", "hold N breaths:"};
        const struct cue *meant = NULL;
        size_t k_meant = 0;
        for (const struct cue *q = n->cues; q; q = q->next) {
            for (size_t k = 0; k < 3; k++) {
                size_t w = strlen(moves[k]);
                if (strncasecmp(q->text, moves[k], w) || isalpha((unsigned char)q->text[w]))
                    continue;
                if (!meant || (!strchr(meant->text, ':') && strchr(q->text, ':'))) {
                    meant = q;
                    k_meant = k;
                }
                break;
            }
            if (meant && strchr(meant->text, ':'))
                break;
        }
        if (meant)
            diag_error(c->d, &n->pos,
                       "a flow needs its movements: 'inhale:', 'exhale:' or 'hold N breaths:' "
                       "lines under it (line %d is spoken as it is: a movement is written%s '%s "
                       "WORDS')",
                       meant->line_pos.line,
                       isupper((unsigned char)meant->text[0]) ? " in lower case," : "",
                       forms[k_meant]);
        else
            diag_error(c->d, &n->pos, "a flow needs its movements: 'inhale:', 'exhale:' or "
                                      "'hold N breaths:' lines under it");
    }
    for (int32_t r = 1; any && r <= rounds; r++) {
        struct inst rin = *in;
        rin.round = r;
        rin.rounds = rounds;
        c->round = r;
        c->rounds = rounds;
        bool first = true;
        int64_t lens[4];
        compiler_breath_lengths(c, pace, r, rounds, lens);
        for (const struct cue *q = n->cues; q; q = q->next) {
            if (q->kind == CUE_PLAIN)
                continue;
            const char *prefix =
                first && r == rounds && rounds > 1 ? c->phrase[PHRASE_LAST_ROUND] : NULL;
            first = false;
            struct interned *t = compiler_text_of(c, &rin, q, prefix, "");
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
                if (!compiler_hold_breaths(c, &hin, pace, q->count, false, q))
                    return false;
                continue;
            }
            int ph = q->kind == CUE_INHALE ? 0 : 2;
            if (!compiler_breath_phase(c, (enum tl_phase)ph, lens, pace, r, rounds, t, NULL, in, q,
                                       &q->pos, "this movement"))
                return false;
            c->tl->events[c->tl->n_events - 1].movement = 1;
            /* A four-number pace holds after the phase, in silence. */
            if (lens[ph + 1] > 0) {
                if (!compiler_breath_phase(c, (enum tl_phase)(ph + 1), lens, pace, r, rounds, NULL,
                                           NULL, in, q, &q->pos, ""))
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
        compiler_put_cue_text(c, q->text, in, &q->pos);
        compiler_put_sentence_end(c);
        any = true;
    }
    if (!any)
        strbuf_puts(&c->sb, c->phrase[PHRASE_REST]);
    if (strbuf_failed(&c->sb))
        return fail(c, AV_ENOMEM);
    int64_t said = say_at(c, strbuf_str(&c->sb), start);
    if (said < 0)
        return false;
    compiler_warn_long(c, n, &n->pos, "the rest's words", said, dur);

    const struct inst *next = next_pose(c, i);
    if (next) {
        strbuf_clear(&c->sb);
        compiler_put_pose_title(c, next);
        if (strbuf_failed(&c->sb))
            return fail(c, AV_ENOMEM);
        char *title = strdup(strbuf_str(&c->sb));
        if (!title)
            return fail(c, AV_ENOMEM);
        const char *vars[] = {"pose", title, NULL};
        strbuf_clear(&c->sb);
        phrase_expand(&c->sb, c->phrase[PHRASE_NEXT], vars);
        free(title);
        compiler_put_sentence_end(c);
        if (strbuf_failed(&c->sb))
            return fail(c, AV_ENOMEM);
        struct interned *t = compiler_speech(c, strbuf_str(&c->sb));
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
    if (!compiler_timed_cues(c, in, start, end, false))
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
        compiler_put_cue_text(c, text, in, &in->n->text_pos);
        if (strbuf_failed(&c->sb))
            return fail(c, AV_ENOMEM);
        t = compiler_speech(c, strbuf_str(&c->sb));
    } else {
        t = compiler_speech(c, text);
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
        r = compiler_sound(c, name, dir, pos);
    }
    struct tl_step *st = add_step(c, TL_STEP_BELL, r ? r->name : name ? name : "none", in);
    if (!st)
        return false;
    size_t step_index = c->tl->n_steps - 1;
    if (r) {
        if (!strike(c, r))
            return false;
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
    if (!compiler_timed_cues(c, in, start, c->now, false))
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
    compiler_put_sentence_end(c);
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

bool compiler_layout(struct compiler *c)
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
        if (c->streaming && !compiler_stream_publish(c))
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
            /* The opening bell is heard while the intro, often the
             * session's longest text, is still being spoken. */
            if (c->streaming && !compiler_stream_publish(c))
                return false;
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
