/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_compile.c — the compiler: expansion (sides, repeats, includes, at)
 * and the exact layout rules of docs/FORMAT.md, in the memory env (speech
 * lasts (bytes + 4) / 14 s, every sound 2 s).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "asanavox/session.h"
#include "asanavox/strbuf.h"
#include "support.h"

/* No errors (warnings allowed) and a timeline. */
#define assert_clean_errors(c)                                                                   \
    do {                                                                                          \
        if ((c).err || diag_errors((c).d))                                                        \
            dump_diag((c).d);                                                                     \
        assert_int_equal((c).err, 0);                                                             \
        assert_non_null((c).tl);                                                                  \
    } while (0)

static const struct tl_event *event_with_text(const struct timeline *tl, const char *text, int nth)
{
    for (size_t i = 0; i < tl->n_events; i++)
        if (tl->events[i].text && !strcmp(tl->events[i].text, text) && nth-- == 0)
            return &tl->events[i];
    return NULL;
}

static size_t count_kind(const struct timeline *tl, enum tl_event_kind k)
{
    size_t n = 0;
    for (size_t i = 0; i < tl->n_events; i++)
        n += tl->events[i].kind == k;
    return n;
}

/* Invariants every compiled timeline keeps. */
static void check_invariants(const struct timeline *tl)
{
    for (size_t i = 0; i < tl->n_events; i++) {
        const struct tl_event *e = &tl->events[i];
        assert_true(e->start >= 0);
        assert_true(e->end >= e->start);
        assert_true(e->clip_end >= e->start);
        assert_true(e->end <= tl->duration);
        assert_true(e->clip_end <= tl->duration);
        assert_true(e->step >= 0 && (size_t)e->step < tl->n_steps);
        if (i)
            assert_true(tl->events[i - 1].start <= e->start);
        assert_true(e->start >= tl->steps[e->step].start);
    }
    for (size_t i = 0; i < tl->n_steps; i++) {
        const struct tl_step *s = &tl->steps[i];
        assert_true(s->start <= s->hold_start && s->hold_start <= s->hold_end && s->hold_end <= s->end);
        if (i)
            assert_true(tl->steps[i - 1].end <= s->start);
        assert_true(s->end <= tl->duration);
    }
}

static void pose_in_breaths(void **state)
{
    (void)state;
    struct compiled c = compile_str("pose Cat, 2 breaths\n");
    assert_clean(c);
    const struct timeline *tl = c.tl;
    check_invariants(tl);
    assert_int_equal(tl->rate, RATE);
    assert_int_equal(tl->n_steps, 1);
    const struct tl_step *s = &tl->steps[0];
    assert_int_equal(s->kind, TL_STEP_POSE);
    assert_string_equal(s->name, "Cat");
    assert_int_equal(s->start, 0);
    /* The hold starts exactly when the announcement ends. */
    assert_int_equal(s->hold_start, SPEECH("Cat."));
    assert_int_equal(s->hold_end, s->hold_start + 2 * SECS(10));
    assert_int_equal(s->end, s->hold_end + SECS(1));
    assert_int_equal(s->breaths, 2);

    /* speech, 4 breath phases, chime */
    assert_int_equal(tl->n_events, 6);
    assert_int_equal(tl->events[0].kind, TL_SPEECH);
    assert_string_equal(tl->events[0].text, "Cat.");
    int64_t t = s->hold_start;
    const char *want[] = {"Breathe in.", "Breathe out.", "Breathe in.", "Breathe out."};
    for (int k = 0; k < 4; k++) {
        const struct tl_event *e = &tl->events[1 + k];
        assert_int_equal(e->kind, TL_BREATH);
        assert_int_equal(e->phase, k % 2 ? TL_EXHALE : TL_INHALE);
        assert_int_equal(e->breath, k / 2 + 1);
        assert_int_equal(e->breaths, 2);
        assert_int_equal(e->start, t);
        assert_string_equal(e->text, want[k]);
        assert_int_equal(e->clip_end, t + SPEECH(want[k]));
        t += k % 2 ? SECS(6) : SECS(4);
        assert_int_equal(e->end, t);
    }
    /* The end of the hold is audible: the chime at hold_end. */
    assert_int_equal(tl->events[5].kind, TL_BELL);
    assert_string_equal(tl->events[5].sound_name, "chime");
    assert_int_equal(tl->events[5].start, s->hold_end);
    /* The chime rings out past the step: the session covers it. */
    assert_int_equal(tl->duration, s->hold_end + SECS(2));
    compiled_free(&c);
}

static void prompts_then_tones(void **state)
{
    (void)state;
    struct compiled c = compile_str("prompts: 2\npose Cat, 4 breaths\n");
    assert_clean(c);
    check_invariants(c.tl);
    size_t spoken = 0, tones = 0;
    for (size_t i = 0; i < c.tl->n_events; i++) {
        const struct tl_event *e = &c.tl->events[i];
        if (e->kind != TL_BREATH)
            continue;
        if (e->breath <= 2) {
            assert_non_null(e->text);
            assert_null(e->sound);
            spoken++;
        } else {
            assert_null(e->text);
            assert_non_null(e->sound_name);
            assert_string_equal(e->sound_name, e->phase == TL_INHALE ? "inhale" : "exhale");
            tones++;
        }
    }
    assert_int_equal(spoken, 4);
    assert_int_equal(tones, 4);
    compiled_free(&c);

    /* --prompts overrides the header; "none" and "all" work. */
    struct compile_options o;
    compile_options_init(&o);
    o.prompts = 0;
    c = compile_files("prompts: all\npose Cat, 3 breaths\n", NULL, &o);
    assert_clean(c);
    assert_null(event_with_text(c.tl, "Breathe in.", 0));
    compiled_free(&c);
    c = compile_str("prompts: all\npose Cat, 30 breaths\n");
    assert_clean(c);
    assert_non_null(event_with_text(c.tl, "Breathe in.", 29));
    compiled_free(&c);
}

static void four_part_pace_and_custom_prompts(void **state)
{
    (void)state;
    struct compiled c = compile_str("pace: 4 2 6 0\n"
                                    "pose Box, 1 breath\n"
                                    "  inhale: Up you go.\n"
                                    "  hold: Stay.\n");
    assert_clean(c);
    check_invariants(c.tl);
    /* inhale 4 s, hold 2 s, exhale 6 s; the zero hold is skipped. */
    assert_int_equal(count_kind(c.tl, TL_BREATH), 3);
    const struct tl_event *in = event_with_text(c.tl, "Up you go.", 0);
    const struct tl_event *hold = event_with_text(c.tl, "Stay.", 0);
    const struct tl_event *out = event_with_text(c.tl, "Breathe out.", 0);
    assert_non_null(in);
    assert_non_null(hold);
    assert_non_null(out);
    assert_int_equal(hold->phase, TL_HOLD_IN);
    assert_int_equal(hold->start, in->start + SECS(4));
    assert_int_equal(out->start, hold->start + SECS(2));
    assert_int_equal(c.tl->steps[0].hold_end, out->start + SECS(6));
    compiled_free(&c);
}

static void pace_option_and_pose_pace(void **state)
{
    (void)state;
    struct compile_options o;
    compile_options_init(&o);
    o.has_pace = true;
    o.pace[0] = 3, o.pace[1] = 0, o.pace[2] = 5, o.pace[3] = 0;
    struct compiled c = compile_files("pace: 4 6\npose A, 1 breath\npose B, 1 breath, pace 2 2\n", NULL, &o);
    assert_clean(c);
    const struct tl_step *a = &c.tl->steps[0], *b = &c.tl->steps[1];
    assert_int_equal(a->hold_end - a->hold_start, SECS(8));  /* --pace replaces pace: */
    assert_int_equal(b->hold_end - b->hold_start, SECS(4));  /* a pose's own pace stays */
    compiled_free(&c);
}

static void each_side(void **state)
{
    (void)state;
    struct compiled c = compile_str("pose Child's pose, 1 breath, each side\n"
                                    "  Walk both hands to the {side}.\n"
                                    "  inhale: Reach {side}.\n");
    assert_clean(c);
    check_invariants(c.tl);
    assert_int_equal(c.tl->n_steps, 2);
    assert_int_equal(c.tl->steps[0].side, TL_SIDE_LEFT);
    assert_int_equal(c.tl->steps[1].side, TL_SIDE_RIGHT);
    assert_non_null(event_with_text(c.tl, "Child's pose, left side. Walk both hands to the left.", 0));
    /* The second side is announced. */
    assert_non_null(event_with_text(c.tl, "Switch sides. Child's pose, right side. Walk both hands to the right.", 0));
    assert_non_null(event_with_text(c.tl, "Reach left.", 0));
    assert_non_null(event_with_text(c.tl, "Reach right.", 0));
    compiled_free(&c);

    c = compile_str("pose Twist, 10s, right\n");
    assert_clean(c);
    assert_int_equal(c.tl->n_steps, 1);
    assert_int_equal(c.tl->steps[0].side, TL_SIDE_RIGHT);
    assert_non_null(event_with_text(c.tl, "Twist, right side.", 0));
    compiled_free(&c);

    /* {side} without sides: a warning, and the braces are not spoken. */
    c = compile_str("pose Twist, 10s\n  Turn {side}.\n");
    assert_int_equal(c.err, 0);
    assert_true(find_diag(c.d, DIAG_WARNING, "only filled in for a pose with") >= 0);
    assert_non_null(event_with_text(c.tl, "Twist. Turn.", 0));
    compiled_free(&c);
    c = compile_str("rest 20s\n  Lie {side} still.\n");
    assert_int_equal(c.err, 0);
    assert_true(find_diag(c.d, DIAG_WARNING, "only filled in for a pose with") >= 0);
    assert_non_null(event_with_text(c.tl, "Lie still.", 0));
    compiled_free(&c);
}

static void repeats(void **state)
{
    (void)state;
    struct compiled c = compile_str("repeat 3\n"
                                    "  pose Locust, 30s\n"
                                    "    halfway: Halfway.\n"
                                    "  rest 30s\n"
                                    "end\n");
    assert_clean(c);
    check_invariants(c.tl);
    assert_int_equal(c.tl->n_steps, 6);
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(c.tl->steps[i].kind, i % 2 ? TL_STEP_REST : TL_STEP_POSE);
    /* The halfway cue sits at the middle of each 30 s hold. */
    for (int k = 0; k < 3; k++) {
        const struct tl_event *h = event_with_text(c.tl, "Halfway.", k);
        assert_non_null(h);
        const struct tl_step *p = &c.tl->steps[h->step];
        assert_int_equal(h->start, p->hold_start + SECS(15));
        assert_int_equal(p->hold_end - p->hold_start, SECS(30));
    }
    /* Rests announce the next pose so that it ends a gap before the rest
     * does; the last rest has no pose after it. */
    for (int k = 0; k < 2; k++) {
        const struct tl_event *n = event_with_text(c.tl, "Next: Locust.", k);
        assert_non_null(n);
        const struct tl_step *r = &c.tl->steps[n->step];
        assert_int_equal(r->kind, TL_STEP_REST);
        assert_int_equal(n->end, r->end - SECS(1));
    }
    assert_null(event_with_text(c.tl, "Next: Locust.", 2));
    compiled_free(&c);

    c = compile_str("repeat 2 times\n  repeat 3 rounds\n    say Hi.\n  end\n  bell\nend\n");
    assert_clean(c);
    assert_int_equal(c.tl->n_steps, 8);
    compiled_free(&c);
}

static void reps_and_end_cue(void **state)
{
    (void)state;
    struct compiled c = compile_str("pose Locust lifts, 3 reps, pace 3 3\n"
                                    "  up: Lift.\n"
                                    "  down: Lower.\n"
                                    "  end: Rest your forehead.\n");
    assert_clean(c);
    check_invariants(c.tl);
    const struct tl_step *s = &c.tl->steps[0];
    assert_true(s->reps);
    assert_int_equal(s->breaths, 3);
    assert_int_equal(s->hold_end - s->hold_start, SECS(18));
    assert_non_null(event_with_text(c.tl, "Lift.", 1));
    assert_null(event_with_text(c.tl, "Lift.", 2));
    assert_non_null(event_with_text(c.tl, "Last one. Lift.", 0));
    assert_non_null(event_with_text(c.tl, "Lower.", 2));
    const struct tl_event *end = event_with_text(c.tl, "Rest your forehead.", 0);
    assert_non_null(end);
    /* The chime strikes at the end of the hold; the end cue waits 0.7 s
     * for its strike, and the step lasts until the cue is spoken. */
    assert_int_equal(end->start, s->hold_end + SECS(0.7));
    assert_int_equal(end->moved, SECS(0.7));
    assert_int_equal(s->end, s->hold_end + SECS(0.7) + SPEECH("Rest your forehead."));
    compiled_free(&c);

    /* Up on the exhale, alternating sides, per-pose prompts. */
    c = compile_str("pose Single-leg locust, 4 reps, up on exhale, alternate\n"
                    "  up: Lift the {side} leg.\n"
                    "  down: Lower.\n"
                    "pose Quiet, 3 breaths, prompts 1\n");
    assert_clean(c);
    const struct tl_event *up1 = event_with_text(c.tl, "Lift the left leg.", 0);
    const struct tl_event *up2 = event_with_text(c.tl, "Lift the right leg.", 0);
    assert_non_null(up1);
    assert_non_null(up2);
    assert_int_equal(up1->phase, TL_EXHALE);
    assert_int_equal(up1->breath, 1);
    assert_int_equal(up2->breath, 2);
    assert_non_null(event_with_text(c.tl, "Last one. Lift the right leg.", 0));
    assert_int_equal(event_with_text(c.tl, "Lower.", 0)->phase, TL_INHALE);
    /* One "Breathe in." prepares the first lift, one is Quiet's prompt. */
    assert_non_null(event_with_text(c.tl, "Breathe in.", 1));
    assert_null(event_with_text(c.tl, "Breathe in.", 2));
    compiled_free(&c);

    /* "alternate right first": the first rep is the right leg's. */
    c = compile_str("pose Single-leg locust, 3 reps, alternate right first\n"
                    "  up: Lift the {side} leg.\n");
    assert_clean(c);
    const struct tl_event *r1 = event_with_text(c.tl, "Lift the right leg.", 0);
    const struct tl_event *l2 = event_with_text(c.tl, "Lift the left leg.", 0);
    assert_non_null(r1);
    assert_non_null(l2);
    assert_int_equal(r1->breath, 1);
    assert_int_equal(l2->breath, 2);
    assert_null(event_with_text(c.tl, "Lift the left leg.", 1));
    assert_non_null(event_with_text(c.tl, "Last one. Lift the right leg.", 0));
    compiled_free(&c);

    /* Default rep cues. */
    c = compile_str("pose Squeeze, 2 reps\n");
    assert_clean(c);
    assert_non_null(event_with_text(c.tl, "Up.", 0));
    assert_non_null(event_with_text(c.tl, "Last one. Up.", 0));
    assert_non_null(event_with_text(c.tl, "Down.", 1));
    compiled_free(&c);
}

/* "up on exhale": the breath cycle starts with an inhale, which comes
 * before any lift, so the first rep prepares ("Breathe in.") instead of
 * saying the 'down' cue; every later inhale lowers. */
static void up_on_exhale_prepares_before_the_first_lift(void **state)
{
    (void)state;
    struct compiled c = compile_str("pose Locust, 3 reps, up on exhale\n"
                                    "  up: Lift.\n"
                                    "  down: Lower.\n");
    assert_clean(c);
    check_invariants(c.tl);
    const char *want[] = {"Breathe in.", "Lift.", "Lower.", "Lift.", "Lower.", "Last one. Lift."};
    const enum tl_phase phase[] = {TL_INHALE, TL_EXHALE};
    size_t k = 0;
    for (size_t i = 0; i < c.tl->n_events; i++) {
        const struct tl_event *e = &c.tl->events[i];
        if (e->kind != TL_BREATH)
            continue;
        assert_true(k < 6);
        assert_non_null(e->text);
        assert_string_equal(e->text, want[k]);
        assert_int_equal(e->phase, phase[k % 2]);
        assert_int_equal(e->breath, (int32_t)(k / 2 + 1));
        k++;
    }
    assert_int_equal(k, 6);
    /* Lifting on the inhale is unchanged: the first cue is the lift. */
    compiled_free(&c);
    c = compile_str("pose Locust, 2 reps\n  up: Lift.\n  down: Lower.\n");
    assert_clean(c);
    assert_null(event_with_text(c.tl, "Breathe in.", 0));
    const struct tl_event *first = event_with_text(c.tl, "Lift.", 0);
    assert_non_null(first);
    assert_int_equal(first->phase, TL_INHALE);
    assert_int_equal(first->breath, 1);
    compiled_free(&c);
}

static void at_moves_the_clock(void **state)
{
    (void)state;
    struct compiled c = compile_str("say Hello.\nat 1:00\nbell\nat 2 min\nat 2:00\nsay Bye.\n");
    assert_clean(c);
    check_invariants(c.tl);
    assert_int_equal(c.tl->steps[1].kind, TL_STEP_BELL);
    assert_int_equal(c.tl->steps[1].start, SECS(60));
    assert_int_equal(c.tl->steps[2].start, SECS(120));
    compiled_free(&c);

    c = compile_str("silence 2 min\nat 1:30\nbell\n");
    assert_int_equal(c.err, AV_ESYNTAX);
    assert_error_at(c.d, 2, 4, "'at 1:30' is in the past: the session is already at 2:00 here");
    compiled_free(&c);
}

static void intro_and_bells(void **state)
{
    (void)state;
    struct compiled c = compile_str("title: Flow\nsafety: Stop if it hurts.\nbell\nsay Begin.\nbell bowl, 8s\n");
    assert_clean(c);
    check_invariants(c.tl);
    assert_int_equal(c.tl->n_steps, 4);
    assert_int_equal(c.tl->steps[0].kind, TL_STEP_BELL);
    assert_string_equal(c.tl->steps[0].name, "bowl");
    /* The title and safety advice come right after the opening bell. */
    assert_int_equal(c.tl->steps[1].kind, TL_STEP_SAY);
    assert_int_equal(c.tl->steps[1].start, SECS(3));
    assert_non_null(event_with_text(c.tl, "Flow. Stop if it hurts.", 0));
    assert_int_equal(c.tl->steps[3].end - c.tl->steps[3].start, SECS(8));
    compiled_free(&c);

    c = compile_str("safety: Go gently\nsay Begin.\n");
    assert_clean(c);
    assert_int_equal(c.tl->steps[0].start, 0);
    assert_string_equal(c.tl->steps[0].name, "main. Go gently.");
    compiled_free(&c);

    c = compile_str("bell missing\n");
    assert_int_equal(c.err, AV_ESYNTAX);
    assert_error_at(c.d, 1, 6, "no sound named 'missing'");
    compiled_free(&c);
}

static void includes(void **state)
{
    (void)state;
    const char *files[] = {"s/warm-up.yoga", "title: W\npose Neck rolls, 1 breath\n", NULL};
    struct compiled c = compile_files("say Hi.\ninclude warm-up\nsay Bye.\n", files, NULL);
    assert_clean(c);
    assert_int_equal(c.tl->n_steps, 3);
    assert_string_equal(c.tl->steps[1].name, "Neck rolls");
    assert_string_equal(c.tl->steps[1].path, "s/warm-up.yoga");
    assert_int_equal(c.tl->steps[1].line, 2);
    /* The included file's headers do not change the session's title. */
    assert_string_equal(c.tl->title, "main");
    compiled_free(&c);

    c = compile_str("say Hi.\ninclude nowhere\n");
    assert_int_equal(c.err, AV_ESYNTAX);
    assert_error_at(c.d, 2, 9, "no session named 'nowhere'");
    compiled_free(&c);

    const char *cyc[] = {"s/a.yoga", "say A.\ninclude b\n", "s/b.yoga", "include a\n", NULL};
    c = compile_files("include a\n", cyc, NULL);
    assert_int_equal(c.err, AV_ESYNTAX);
    int i = find_diag(c.d, DIAG_ERROR, "include cycle");
    assert_true(i >= 0);
    assert_string_equal(diag_get(c.d, (size_t)i)->path, "s/b.yoga");
    compiled_free(&c);

    c = compile_str("include main\n");
    assert_int_equal(c.err, AV_ESYNTAX);
    assert_error_at(c.d, 1, 9, "include cycle");
    compiled_free(&c);

    /* Errors inside an included file point into that file. */
    const char *bad[] = {"s/bad.yoga", "say ok\npose Oops\n", NULL};
    c = compile_files("include bad\n", bad, NULL);
    assert_int_equal(c.err, AV_ESYNTAX);
    i = find_diag(c.d, DIAG_ERROR, "needs a duration");
    assert_true(i >= 0);
    assert_string_equal(diag_get(c.d, (size_t)i)->path, "s/bad.yoga");
    assert_int_equal(diag_get(c.d, (size_t)i)->line, 2);
    compiled_free(&c);

    /* Deep but acyclic chains stop at the nesting limit. */
    static char names[20][32], texts[20][32];
    const char *chain[41];
    for (int k = 0; k < 20; k++) {
        snprintf(names[k], sizeof names[k], "s/c%d.yoga", k);
        snprintf(texts[k], sizeof texts[k], "include c%d\n", k + 1);
        chain[2 * k] = names[k];
        chain[2 * k + 1] = texts[k];
    }
    chain[40] = NULL;
    c = compile_files("include c0\n", chain, NULL);
    assert_int_equal(c.err, AV_ESYNTAX);
    assert_true(find_diag(c.d, DIAG_ERROR, "includes nest more than 16 deep") >= 0);
    assert_true(find_diag(c.d, DIAG_ERROR, "no session named") < 0);
    compiled_free(&c);
    /* A chain within the limit works (c4 is missing: the chain stops there). */
    chain[8] = NULL;
    c = compile_files("include c0\n", chain, NULL);
    assert_int_equal(c.err, AV_ESYNTAX);
    assert_true(find_diag(c.d, DIAG_ERROR, "no session named 'c4'") >= 0);
    compiled_free(&c);
}

static void warnings_for_long_cues(void **state)
{
    (void)state;
    /* A prompt longer than its 1 s phase: one warning at the cue, however
     * many times the pose runs. */
    struct compiled c = compile_str("repeat 3\n"
                                    "pose Fast, 2 breaths, pace 1 1, each side\n"
                                    "  inhale: Breathe in slowly and fully through the nose.\n"
                                    "end\n");
    assert_int_equal(c.err, 0);
    assert_non_null(c.tl);
    int n = 0;
    for (size_t i = 0; i < diag_count(c.d); i++) {
        const struct diag_entry *e = diag_get(c.d, i);
        if (e->level == DIAG_WARNING && strstr(e->message, "the inhale prompt takes")) {
            n++;
            assert_int_equal(e->line, 3);
            assert_int_equal(e->col, 11);
        }
    }
    assert_int_equal(n, 1);
    compiled_free(&c);

    c = compile_str("rest 2s\npose A, 10s\n");
    assert_int_equal(c.err, 0);
    assert_true(find_diag(c.d, DIAG_WARNING, "too short to announce the next pose") >= 0);
    compiled_free(&c);

    c = compile_str("pose A, 10s\n  inhale: In.\n");
    assert_int_equal(c.err, 0);
    assert_true(find_diag(c.d, DIAG_WARNING, "never spoken") >= 0);
    compiled_free(&c);
}

static void never_ends_mid_breath(void **state)
{
    (void)state;
    struct compiled c = compile_str("pose A, 3 breaths, pace 4.5 2.5 5.5 1\n");
    assert_clean(c);
    check_invariants(c.tl);
    const struct tl_event *last = NULL;
    for (size_t i = 0; i < c.tl->n_events; i++)
        if (c.tl->events[i].kind == TL_BREATH)
            last = &c.tl->events[i];
    assert_non_null(last);
    assert_int_equal(last->phase, TL_HOLD_OUT);
    assert_int_equal(last->breath, 3);
    assert_int_equal(last->end, c.tl->steps[0].hold_end);
    assert_true(c.tl->duration >= last->end);
    assert_int_equal(c.tl->steps[0].hold_end - c.tl->steps[0].hold_start, SECS(3 * 13.5));
    compiled_free(&c);
}

static void limits(void **state)
{
    (void)state;
    struct compiled c = compile_str("repeat 1000\n repeat 1000\n  say Hi.\n end\nend\n");
    assert_int_equal(c.err, AV_ESYNTAX);
    assert_error_at(c.d, 3, 3, "more than 100000 steps");
    compiled_free(&c);

    c = compile_str("repeat 30\n  silence 1h\nend\n");
    assert_int_equal(c.err, AV_ESYNTAX);
    assert_error_at(c.d, 2, 3, "past 24 hours");
    compiled_free(&c);

    c = compile_str("pose A, 10000 breaths, pace 60 60\npose B, 10000 breaths, pace 60 60\n");
    assert_int_equal(c.err, AV_ESYNTAX);
    assert_true(find_diag(c.d, DIAG_ERROR, "past 24 hours") >= 0);
    compiled_free(&c);
}

static void repeats_around_nothing(void **state)
{
    (void)state;
    /* Since the compile goes on after parse errors, repeats nested around
     * lines that all had errors are expanded too: the expansion budget
     * ends them (count^depth passes would never end). */
    static char src[2048];
    size_t n = 0;
    for (int k = 0; k < 16; k++)
        n += (size_t)snprintf(src + n, sizeof src - n, "repeat 1000\n");
    n += (size_t)snprintf(src + n, sizeof src - n, "pose Broken\n");
    for (int k = 0; k < 16; k++)
        n += (size_t)snprintf(src + n, sizeof src - n, "end\n");
    struct compiled c = compile_str(src);
    assert_int_equal(c.err, AV_ESYNTAX);
    assert_true(find_diag(c.d, DIAG_ERROR, "needs a duration") >= 0);
    assert_true(find_diag(c.d, DIAG_ERROR, "expands to more than 300000 steps and repeat passes") >= 0);
    compiled_free(&c);

    /* A repeat around steps makes every pass. */
    c = compile_str("repeat 3\n  say Hi.\nend\n");
    assert_int_equal(c.err, 0);
    assert_int_equal(c.tl->n_steps, 3);
    compiled_free(&c);
}

static void voice_and_rate(void **state)
{
    (void)state;
    struct compiled c = compile_str("voice: nosuchvoice\nsay Hi.\n");
    assert_int_equal(c.err, AV_ESYNTAX);
    assert_error_at(c.d, 1, 8, "voice 'nosuchvoice' cannot be used");
    compiled_free(&c);

    struct compile_options o;
    compile_options_init(&o);
    o.rate = 44100;
    o.voice = "en-gb";
    o.speed = 200;
    c = compile_files("speed: 120\nsay Hi.\nsilence 1.5s\n", NULL, &o);
    assert_clean(c);
    assert_int_equal(c.tl->rate, 44100);
    assert_string_equal(c.tl->voice, "en-gb");
    assert_int_equal(c.tl->speed, 200);
    int64_t said = (int64_t)(strlen("Hi.") + 4) * 44100 / 14;
    assert_int_equal(c.tl->steps[1].start, said + 44100);
    assert_int_equal(c.tl->steps[1].end - c.tl->steps[1].start, 66150);
    compiled_free(&c);
}

static void the_example_of_the_format(void **state)
{
    (void)state;
    /* The example from docs/FORMAT.md compiles cleanly. */
    static const char src[] =
        "title: Upper back flow\n"
        "about: Cat-cow, down dog, dolphin and child's pose in every direction.\n"
        "pace: 4 6\r\nvoice: en-us\nspeed: 160\nbell: bowl\nprompts: 3\n"
        "safety: Stop if you feel sharp pain, numbness or tingling.\n\n"
        "bell\nsay Come to your hands and knees.\n\n"
        "pose Cat cow, 6 breaths\n  Move with your breath.\n"
        "  inhale: Cow. Roll the shoulders.\n  exhale: Cat. Round the back.\n\n"
        "pose Child's pose, 4 breaths, each side\n  Walk both hands to the {side}.\n\n"
        "repeat 3\n  pose Locust, 30s\n    halfway: Halfway. Keep breathing.\n  rest 30s\nend\n\n"
        "pose Locust lifts, 8 reps, pace 3 3\n  up: Lift.\n  down: Lower.\n\n"
        "include warm-up\nsilence 20s\nat 15:00\nbell\n";
    const char *files[] = {"s/warm-up.yoga", "pose Neck rolls, 3 breaths\n", NULL};
    struct compiled c = compile_files(src, files, NULL);
    assert_clean(c);
    check_invariants(c.tl);
    assert_string_equal(c.tl->title, "Upper back flow");
    assert_int_equal(c.tl->speed, 160);
    const struct tl_step *last = &c.tl->steps[c.tl->n_steps - 1];
    assert_int_equal(last->kind, TL_STEP_BELL);
    assert_int_equal(last->start, SECS(15 * 60));
    /* bell, intro, say, cat cow, 2 child's, 3 x (locust, rest), lifts,
     * neck rolls, silence, bell */
    assert_int_equal(c.tl->n_steps, 16);
    compiled_free(&c);
}

/* Asking ahead (compile_env.prefetch): the memory env wrapped so that
 * every text asked ahead and every text measured is written down in
 * order, with estimates that are exact, or all wrong. */
enum { ASKED_MAX = 512 };
struct asking {
    struct compile_env inner;
    int estimate; /* 0: exact; 1: one frame; 2: a minute */
    const char *asked[ASKED_MAX], *measured[ASKED_MAX];
    size_t n_asked, n_measured, asked_bytes;
    int ends;
};

static int asking_speech(void *ctx, const char *text, int rate, int64_t *frames)
{
    struct asking *a = ctx;
    if (a->n_measured < ASKED_MAX)
        a->measured[a->n_measured++] = text;
    return a->inner.speech(a->inner.ctx, text, rate, frames);
}

static int asking_prefetch(void *ctx, const char *text, int rate, int64_t *frames)
{
    struct asking *a = ctx;
    if (a->n_asked < ASKED_MAX)
        a->asked[a->n_asked++] = text;
    a->asked_bytes += strlen(text);
    if (a->estimate == 0)
        return a->inner.speech(a->inner.ctx, text, rate, frames);
    *frames = a->estimate == 1 ? 1 : (int64_t)rate * 60;
    return AV_OK;
}

static void asking_end(void *ctx)
{
    ((struct asking *)ctx)->ends++;
}

/* The rest goes to the memory env as it is. */
static int asking_include(void *ctx, const char *name, const char *from_dir, char **path)
{
    struct asking *a = ctx;
    return a->inner.find_include(a->inner.ctx, name, from_dir, path);
}

static int asking_read(void *ctx, const char *path, size_t max, char **data, size_t *len)
{
    struct asking *a = ctx;
    return a->inner.read_file(a->inner.ctx, path, max, data, len);
}

static int asking_sound(void *ctx, const char *name, const char *from_dir, int rate, char **path,
                        int64_t *frames)
{
    struct asking *a = ctx;
    return a->inner.sound(a->inner.ctx, name, from_dir, rate, path, frames);
}

static int asking_voice(void *ctx, const char *voice, int speed)
{
    struct asking *a = ctx;
    return a->inner.set_voice(a->inner.ctx, voice, speed);
}

static struct compiled compile_asking(const char *src, const char *const *files,
                                      struct asking *a)
{
    struct mem_file f[8];
    size_t n = 0;
    f[n++] = (struct mem_file){"s/main.yoga", src, strlen(src)};
    for (; files && files[0] && n < 8; files += 2)
        f[n++] = (struct mem_file){files[0], files[1], strlen(files[1])};
    struct mem_fs fs = {f, n, 2.0};
    compile_env_memory(&a->inner, &fs);
    struct compile_env env = a->inner;
    env.ctx = a;
    env.find_include = asking_include;
    env.read_file = asking_read;
    env.sound = asking_sound;
    env.set_voice = asking_voice;
    env.speech = asking_speech;
    env.prefetch = asking_prefetch;
    env.prefetch_end = asking_end;
    struct compiled c = {.d = diag_create()};
    assert_non_null(c.d);
    c.err = compile_session("s/main.yoga", NULL, &env, c.d, &c.tl);
    return c;
}

static void assert_same_timeline(const struct compiled *x, const struct compiled *y)
{
    assert_int_equal(x->err, y->err);
    assert_int_equal(diag_count(x->d), diag_count(y->d));
    for (size_t i = 0; i < diag_count(x->d); i++)
        assert_string_equal(diag_get(x->d, i)->message, diag_get(y->d, i)->message);
    if (!x->tl || !y->tl) {
        assert_true(!x->tl && !y->tl);
        return;
    }
    assert_int_equal(x->tl->duration, y->tl->duration);
    assert_int_equal(x->tl->n_steps, y->tl->n_steps);
    assert_int_equal(x->tl->n_events, y->tl->n_events);
    for (size_t i = 0; i < x->tl->n_events; i++) {
        const struct tl_event *a = &x->tl->events[i], *b = &y->tl->events[i];
        assert_int_equal(a->kind, b->kind);
        assert_int_equal(a->start, b->start);
        assert_int_equal(a->end, b->end);
        assert_int_equal(a->clip_end, b->clip_end);
        assert_true((a->text == NULL) == (b->text == NULL));
        if (a->text)
            assert_string_equal(a->text, b->text);
    }
}

/* The layout of guesses asks for every text before the real layout, in
 * the order the real layout measures them when the estimates are right;
 * whatever the estimates, the timeline and the diagnostics are those of a
 * compile that asks nothing ahead, prefetch_end() comes once, and no more
 * text is asked for than the budget on distinct text allows. */
static void asking_ahead_changes_nothing(void **state)
{
    (void)state;
    static const char src[] =
        "title: Upper back flow\npace: 4 6\nprompts: 2\nbell: bowl\n"
        "bell\nsay Come to your hands and knees.\n"
        "pose Cat cow, 6 breaths\n  Move with your breath.\n"
        "  inhale: Cow. Roll the shoulders.\n  exhale: Cat. Round the back.\n"
        "pose Child's pose, 4 breaths, each side\n  Walk both hands to the {side}.\n"
        "repeat 2\n  pose Locust, 30s\n    halfway: Halfway, round {round}.\n"
        "    at 5s: A long sentence said early in the hold, far longer than one breath lasts.\n"
        "  rest 10s\nend\n"
        "pose Locust lifts, 4 reps, pace 3 3\n  up: Lift.\n  down: Lower.\n"
        "include warm-up\nbell\n";
    const char *files[] = {"s/warm-up.yoga", "pose Neck rolls, 3 breaths\n", NULL};
    struct compiled plain = compile_files(src, files, NULL);
    assert_clean(plain);
    for (int est = 0; est < 3; est++) {
        struct asking a = {.estimate = est};
        struct compiled c = compile_asking(src, files, &a);
        assert_same_timeline(&c, &plain);
        assert_int_equal(a.ends, 1);
        assert_true(a.n_asked > 0 && a.n_measured > 0);
        if (est == 0) {
            assert_int_equal(a.n_asked, a.n_measured);
            for (size_t i = 0; i < a.n_asked; i++)
                assert_string_equal(a.asked[i], a.measured[i]);
        }
        compiled_free(&c);
    }
    compiled_free(&plain);

    /* Over the budget on distinct text: the same error, and the texts
     * asked ahead stay within the budget. */
    struct strbuf big;
    strbuf_init(&big);
    for (int i = 0; i < 400; i++)
        strbuf_printf(&big, "say Sentence number %d, which is long enough to count for something "
                            "when four hundred of them are said one after another.\n", i);
    assert_false(strbuf_failed(&big));
    struct compiled over = compile_str(strbuf_str(&big));
    assert_int_equal(over.err, AV_ESYNTAX);
    struct asking a = {.estimate = 1};
    struct compiled c = compile_asking(strbuf_str(&big), NULL, &a);
    assert_same_timeline(&c, &over);
    assert_true(a.asked_bytes <= SESSION_MAX_SPEECH_CHARS);
    assert_int_equal(a.ends, 1);
    compiled_free(&c);
    compiled_free(&over);
    strbuf_deinit(&big);
}

/* Reads of files, counted by wrapping the memory env's reader. */
static int reads;
static int (*mem_read)(void *, const char *, size_t, char **, size_t *);

static int counting_read(void *ctx, const char *path, size_t max, char **data, size_t *len)
{
    reads++;
    return mem_read(ctx, path, max, data, len);
}

/* Every budget of FORMAT.md "Limits" stops the compile at the line that
 * passes it; an included file is read once however often it is used; the
 * stop flag ends a compile. */
static void budgets(void **state)
{
    (void)state;
    static const char main_text[] = "repeat 50\ninclude part\nend\n";
    static const char part_text[] = "pose A, 1 breath\n";
    struct mem_file files[] = {
        {"s/main.yoga", main_text, sizeof main_text - 1},
        {"s/part.yoga", part_text, sizeof part_text - 1},
    };
    struct mem_fs fs = {files, 2, 2.0};
    struct compile_env env;
    compile_env_memory(&env, &fs);
    mem_read = env.read_file;
    env.read_file = counting_read;
    reads = 0;
    struct diag *d = diag_create();
    struct timeline *tl = NULL;
    assert_int_equal(compile_session("s/main.yoga", NULL, &env, d, &tl), AV_OK);
    assert_int_equal(tl->n_steps, 50);
    assert_int_equal(reads, 2); /* main.yoga and part.yoga, once each */
    timeline_destroy(tl);
    diag_destroy(d);

    /* The stop flag, raised before the compile starts. */
    volatile sig_atomic_t stop = 1;
    struct compile_options o;
    compile_options_init(&o);
    o.stop = &stop;
    struct compiled c = compile_files("pose A, 1 breath\n", NULL, &o);
    assert_int_equal(c.err, AV_EINTERRUPTED);
    assert_int_equal(diag_errors(c.d), 0);
    compiled_free(&c);

    /* Empty repeats cost expansion work. */
    c = compile_str("repeat 1000\nrepeat 1000\nrepeat 1000\nend\nend\nend\n");
    assert_int_equal(c.err, AV_ESYNTAX);
    assert_error_at(c.d, 3, 1, "expands to more than 300000 steps and repeat passes");
    compiled_free(&c);

    /* One text over two minutes (2004 bytes last 143 s here). */
    static char text[2100];
    memcpy(text, "say ", 4);
    memset(text + 4, 'a', 2000);
    memcpy(text + 2004, "\n", 2);
    c = compile_str(text);
    assert_int_equal(c.err, AV_ESYNTAX);
    assert_error_at(c.d, 1, 1, "takes more than 2 minutes to say");
    compiled_free(&c);

    /* Distinct speech over 15 minutes: 80 texts of 20 s each, the 46th
     * crosses it. */
    static char says[32768];
    size_t n = 0;
    for (int i = 0; i < 80; i++) {
        n += (size_t)snprintf(says + n, sizeof says - n, "say Number %02d ", i);
        memset(says + n, 'c', 266); /* 276 bytes: 20 s */
        n += 266;
        says[n++] = '\n';
    }
    says[n] = '\0';
    c = compile_str(says);
    assert_int_equal(c.err, AV_ESYNTAX);
    int i = find_diag(c.d, DIAG_ERROR, "distinct spoken text passes 15 minutes");
    assert_true(i >= 0);
    assert_true(diag_get(c.d, (size_t)i)->line > 40 && diag_get(c.d, (size_t)i)->line < 60);
    compiled_free(&c);

    /* Distinct text over 32768 bytes, refused before it is synthesized. */
    static char cues[40000];
    n = (size_t)snprintf(cues, sizeof cues, "pose Chair, 1 min\n");
    for (int k = 0; k < 10; k++) {
        n += (size_t)snprintf(cues + n, sizeof cues - n, "  ");
        memset(cues + n, 'b', 3500);
        n += 3500;
        n += (size_t)snprintf(cues + n, sizeof cues - n, "\n");
    }
    c = compile_str(cues);
    assert_int_equal(c.err, AV_ESYNTAX);
    assert_error_at(c.d, 1, 1, "distinct spoken text passes 32768 bytes");
    compiled_free(&c);

    /* Events: 11 holds of 20 000 prompts each. */
    static char many[512];
    n = (size_t)snprintf(many, sizeof many, "pace: 0.1 0.1\nprompts: none\n");
    for (int k = 0; k < 11; k++)
        n += (size_t)snprintf(many + n, sizeof many - n, "pose Quick, 10000 breaths\n");
    c = compile_str(many);
    assert_int_equal(c.err, AV_ESYNTAX);
    assert_error_at(c.d, 12, 1, "more than 200000 events");
    compiled_free(&c);

    /* 24 hours, noticed during the hold, not after 166 hours of it. */
    c = compile_str("pace: 30 30\nprompts: none\npose Corpse, 10000 breaths\n");
    assert_int_equal(c.err, AV_ESYNTAX);
    assert_error_at(c.d, 3, 1, "runs past 24 hours");
    assert_int_equal(diag_errors(c.d), 1);
    compiled_free(&c);
}


/* --- issue 11: the language teachers need ------------------------------------ */

static size_t count_sound(const struct timeline *tl, const char *name)
{
    size_t n = 0;
    for (size_t i = 0; i < tl->n_events; i++)
        n += tl->events[i].sound_name && !strcmp(tl->events[i].sound_name, name);
    return n;
}

static void chime_none_and_no_chime(void **state)
{
    (void)state;
    struct compiled c = compile_str("chime: none\npose A, 1 breath\npose B, 10s\n");
    assert_clean(c);
    check_invariants(c.tl);
    assert_int_equal(count_kind(c.tl, TL_BELL), 0);
    /* Without the chime the step still ends a gap after the hold. */
    assert_int_equal(c.tl->steps[0].end, c.tl->steps[0].hold_end + SECS(1));
    compiled_free(&c);

    c = compile_str("pose A, 1 breath, no chime\npose B, 1 breath\n");
    assert_clean(c);
    assert_int_equal(count_sound(c.tl, "chime"), 1);
    const struct tl_event *e = NULL;
    for (size_t i = 0; i < c.tl->n_events; i++)
        if (c.tl->events[i].kind == TL_BELL)
            e = &c.tl->events[i];
    assert_int_equal(e->start, c.tl->steps[1].hold_end);
    compiled_free(&c);

    /* bell: none silences a bare `bell`, which still takes its time. */
    c = compile_str("bell: none\nbell\nsay Hi.\nbell chime\n");
    assert_clean(c);
    check_invariants(c.tl);
    assert_int_equal(count_kind(c.tl, TL_BELL), 1);
    assert_int_equal(c.tl->steps[0].end, SECS(3));
    assert_string_equal(c.tl->steps[0].name, "none");
    compiled_free(&c);
}

static void own_breath_lines_always_spoken(void **state)
{
    (void)state;
    struct compiled c = compile_str("prompts: none\npose Cat cow, 3 breaths\n  inhale: Cow.\n");
    assert_clean(c);
    check_invariants(c.tl);
    size_t cows = 0, tones = 0;
    for (size_t i = 0; i < c.tl->n_events; i++) {
        const struct tl_event *e = &c.tl->events[i];
        if (e->kind != TL_BREATH)
            continue;
        if (e->phase == TL_INHALE) {
            assert_string_equal(e->text, "Cow.");
            cows++;
        } else {
            /* The built-in exhale prompt follows `prompts: none`: a tone. */
            assert_null(e->text);
            assert_string_equal(e->sound_name, "exhale");
            tones++;
        }
    }
    assert_int_equal(cows, 3);
    assert_int_equal(tones, 3);
    compiled_free(&c);
}

static void unused_cues_warn(void **state)
{
    (void)state;
    struct compiled c = compile_str("pose A, 30s\n  inhale: In.\npose B, 2 breaths\n  hold: Stay.\n"
                                    "pose C, 2 breaths\n  halfway: Half.\n");
    assert_int_equal(c.err, 0);
    int i = find_diag(c.d, DIAG_WARNING, "never spoken: a pose held for a time has no breath prompts (use 'breathe'");
    assert_true(i >= 0);
    assert_int_equal(diag_get(c.d, (size_t)i)->line, 2);
    i = find_diag(c.d, DIAG_WARNING, "this pace has no holds");
    assert_true(i >= 0);
    assert_int_equal(diag_get(c.d, (size_t)i)->line, 4);
    i = find_diag(c.d, DIAG_WARNING, "'halfway:' is for holds in time");
    assert_true(i >= 0);
    assert_int_equal(diag_get(c.d, (size_t)i)->line, 6);
    compiled_free(&c);
}

static void no_steps_is_an_error(void **state)
{
    (void)state;
    const char *srcs[] = {"", "# only a comment\n", "title: Nothing\npace: 4 6\n"};
    for (size_t k = 0; k < 3; k++) {
        struct compiled c = compile_str(srcs[k]);
        assert_int_equal(c.err, AV_ESYNTAX);
        assert_null(c.tl);
        int i = find_diag(c.d, DIAG_ERROR, "the session has no steps");
        assert_true(i >= 0);
        assert_string_equal(diag_get(c.d, (size_t)i)->path, "s/main.yoga");
        compiled_free(&c);
    }
}

static void unknown_placeholder(void **state)
{
    (void)state;
    struct compiled c = compile_str("pose A, 2 breaths, each side\n  Turn to the {sdie}.\n");
    assert_int_equal(c.err, AV_ESYNTAX);
    assert_error_at(c.d, 2, 15, "unknown placeholder '{sdie}' (did you mean '{side}'?)");
    compiled_free(&c);
    /* A lone brace is just text. */
    c = compile_str("say Braces { and } are fine.\n");
    assert_clean(c);
    compiled_free(&c);
}

static void flow_rounds(void **state)
{
    (void)state;
    struct compiled c = compile_str("pace: 4 6\n"
                                    "flow Sun, 2 rounds\n"
                                    "  Stand tall.\n"
                                    "  inhale: Up.\n"
                                    "  exhale: Down.\n"
                                    "pose Rest, 1 breath\n");
    assert_clean(c);
    check_invariants(c.tl);
    const struct tl_step *st = &c.tl->steps[0];
    assert_int_equal(st->kind, TL_STEP_FLOW);
    assert_string_equal(tl_step_kind_name(st->kind), "flow");
    assert_int_equal(st->rounds, 2);
    /* Plain lines are spoken once, with the name, before the first round. */
    assert_string_equal(c.tl->events[0].text, "Sun. Stand tall.");
    assert_int_equal(st->hold_start, SPEECH("Sun. Stand tall."));
    const char *want[] = {"Up.", "Down.", "Last round. Up.", "Down."};
    int64_t t = st->hold_start;
    for (int k = 0; k < 4; k++) {
        const struct tl_event *e = &c.tl->events[1 + k];
        assert_int_equal(e->kind, TL_BREATH);
        assert_int_equal(e->phase, k % 2 ? TL_EXHALE : TL_INHALE);
        assert_string_equal(e->text, want[k]);
        assert_int_equal(e->start, t);
        assert_int_equal(e->round, k / 2 + 1);
        assert_int_equal(e->rounds, 2);
        assert_int_equal(e->breath, k / 2 + 1);
        assert_int_equal(e->breaths, 2);
        assert_true(e->movement);
        t += k % 2 ? SECS(6) : SECS(4);
        assert_int_equal(e->end, t);
    }
    /* No chime between the movements: one at the end of the flow. */
    assert_int_equal(st->hold_end, t);
    assert_int_equal(c.tl->events[5].kind, TL_BELL);
    assert_int_equal(c.tl->events[5].start, t);
    assert_int_equal(c.tl->events[5].round, 0);
    /* "Last round." comes from the phrase table, said once per round 2. */
    assert_null(event_with_text(c.tl, "Last round. Down.", 0));
    compiled_free(&c);

    /* One round: nothing to announce as the last. */
    c = compile_str("flow F, 1 round\n  inhale: Up.\n  exhale: Down.\n");
    assert_clean(c);
    assert_non_null(event_with_text(c.tl, "Up.", 0));
    assert_null(event_with_text(c.tl, "Last round. Up.", 0));
    compiled_free(&c);

    /* A flow with nothing to do is an error at its line. */
    c = compile_str("flow F, 2 rounds\n  Stand.\n");
    assert_int_equal(c.err, AV_ESYNTAX);
    assert_error_at(c.d, 1, 1, "a flow needs its movements");
    compiled_free(&c);

    /* A movement written without its ':', or capitalised, is named. */
    c = compile_str("flow F, 2 rounds\n  Stand.\n  inhale Cow, lift.\n  exhale: Cat.\n");
    assert_clean(c); /* one movement is enough: the other line is spoken */
    compiled_free(&c);
    c = compile_str("flow F, 2 rounds\n  Stand.\n  inhale Cow, lift.\n");
    assert_int_equal(c.err, AV_ESYNTAX);
    assert_error_at(c.d, 1, 1, "(line 3 is spoken as it is: a movement is written 'inhale: WORDS')");
    compiled_free(&c);
    c = compile_str("flow F, 2 rounds\n  Hold 3 breaths: Stay.\n");
    assert_int_equal(c.err, AV_ESYNTAX);
    assert_error_at(c.d, 1, 1,
                    "(line 2 is spoken as it is: a movement is written in lower case, 'hold N "
                    "breaths: WORDS')");
    compiled_free(&c);
    /* The line with a ':' is the likelier slip. */
    c = compile_str("flow F, 2 rounds\n  Hold on to the mat.\n  Inhale: Lift.\n");
    assert_int_equal(c.err, AV_ESYNTAX);
    assert_error_at(c.d, 1, 1,
                    "(line 3 is spoken as it is: a movement is written in lower case, 'inhale: "
                    "WORDS')");
    compiled_free(&c);
}

static void flow_hold_pace_and_sides(void **state)
{
    (void)state;
    struct compiled c = compile_str("prompts: 1\n"
                                    "flow F, 1 round, pace 3 5, each side\n"
                                    "  inhale: Reach {side}.\n"
                                    "  hold 2 breaths: Stay here.\n"
                                    "  exhale: Fold.\n");
    assert_clean(c);
    check_invariants(c.tl);
    assert_int_equal(c.tl->n_steps, 2);
    assert_int_equal(c.tl->steps[0].side, TL_SIDE_LEFT);
    assert_int_equal(c.tl->steps[1].side, TL_SIDE_RIGHT);
    assert_string_equal(c.tl->events[0].text, "F, left side.");
    const struct tl_event *e = event_with_text(c.tl, "Reach left.", 0);
    assert_non_null(e);
    assert_int_equal(e->end - e->start, SECS(3));
    assert_non_null(event_with_text(c.tl, "Reach right.", 0));
    /* The hold: its words when the inhale ends, then 2 whole breaths at the
     * flow's pace with the built-in prompts (1 spoken, then tones). */
    const struct tl_event *stay = event_with_text(c.tl, "Stay here.", 0);
    assert_non_null(stay);
    assert_int_equal(stay->start, e->end);
    const struct tl_event *in1 = stay + 1;
    assert_int_equal(in1->kind, TL_BREATH);
    assert_int_equal(in1->start, stay->start + SPEECH("Stay here."));
    assert_string_equal(in1->text, "Breathe in.");
    assert_false(in1->movement);
    assert_int_equal(in1->breath, 1);
    assert_int_equal(in1->breaths, 2);
    assert_int_equal(in1->round, 1);
    const struct tl_event *in2 = in1 + 2;
    assert_int_equal(in2->phase, TL_INHALE);
    assert_null(in2->text);
    assert_string_equal(in2->sound_name, "inhale");
    const struct tl_event *fold = event_with_text(c.tl, "Fold.", 0);
    assert_int_equal(fold->start, in1->start + 2 * SECS(8));
    assert_int_equal(fold->end - fold->start, SECS(5));
    compiled_free(&c);

    /* A four-number pace: each movement is followed by its hold, silent. */
    c = compile_str("flow F, 1 round, pace 4 2 6 1\n  inhale: Up.\n  exhale: Down.\n");
    assert_clean(c);
    check_invariants(c.tl);
    assert_int_equal(count_kind(c.tl, TL_BREATH), 4);
    assert_int_equal(c.tl->events[2].phase, TL_HOLD_IN);
    assert_null(c.tl->events[2].text);
    assert_null(c.tl->events[2].sound);
    assert_int_equal(c.tl->events[2].end - c.tl->events[2].start, SECS(2));
    compiled_free(&c);
}

static void round_placeholders_and_long_movements(void **state)
{
    (void)state;
    struct compiled c = compile_str("flow F, 2 rounds\n  inhale: Round {round} of {rounds}.\n"
                                    "  exhale: Out.\n");
    assert_clean(c);
    assert_non_null(event_with_text(c.tl, "Round 1 of 2.", 0));
    assert_non_null(event_with_text(c.tl, "Last round. Round 2 of 2.", 0));
    compiled_free(&c);

    c = compile_str("repeat 2\n  say Round {round} of {rounds}.\nend\n");
    assert_clean(c);
    assert_non_null(event_with_text(c.tl, "Round 1 of 2.", 0));
    assert_non_null(event_with_text(c.tl, "Round 2 of 2.", 0));
    compiled_free(&c);

    /* Outside a flow or repeat there is no round: a warning. */
    c = compile_str("pose A, 1 breath\n  Round {round}.\n");
    assert_int_equal(c.err, 0);
    assert_true(find_diag(c.d, DIAG_WARNING, "only filled in inside a flow or a repeat") >= 0);
    assert_non_null(event_with_text(c.tl, "A. Round.", 0));
    compiled_free(&c);

    /* A movement whose words outlast its phase warns at its line, once. */
    c = compile_str("flow F, 3 rounds, pace 1 1\n  inhale: Lift the arms slowly all the way up.\n"
                    "  exhale: Down.\n");
    assert_int_equal(c.err, 0);
    int i = find_diag(c.d, DIAG_WARNING, "this movement takes");
    assert_true(i >= 0);
    assert_int_equal(diag_get(c.d, (size_t)i)->line, 2);
    assert_int_equal(diag_get(c.d, (size_t)i)->col, 11);
    assert_int_equal(diag_warnings(c.d), 1);
    compiled_free(&c);
}

static void flow_hold_warnings_per_flow(void **state)
{
    (void)state;
    /* The built-in prompts of a hold inside a flow are too long for a 1 s
     * phase: each flow's hold line warns, once however many rounds. */
    struct compiled c = compile_str("flow F, 3 rounds, pace 1 1\n  hold 1 breath: Stay.\n"
                                    "flow G, 3 rounds, pace 1 1\n  hold 1 breath: Stay.\n");
    assert_int_equal(c.err, 0);
    int first = find_diag(c.d, DIAG_WARNING, "the inhale prompt takes");
    assert_true(first >= 0);
    int lines[2] = {0, 0}, n = 0;
    for (size_t i = 0; i < diag_count(c.d); i++) {
        const struct diag_entry *e = diag_get(c.d, i);
        if (strstr(e->message, "the inhale prompt takes")) {
            assert_true(n < 2);
            lines[n++] = e->line;
        }
    }
    assert_int_equal(n, 2);
    assert_int_equal(lines[0], 1);
    assert_int_equal(lines[1], 3);
    compiled_free(&c);
}

static void timed_cues_in_a_hold(void **state)
{
    (void)state;
    struct compiled c = compile_str("pose Dragon, 3 min, each side\n"
                                    "  Sink the hips low.\n"
                                    "  at 1:00: Soften.\n"
                                    "  at 2:00: Relax the jaw.\n"
                                    "  30s left: Come out slowly.\n"
                                    "  countdown: 5\n");
    assert_clean(c);
    check_invariants(c.tl);
    for (int side = 0; side < 2; side++) {
        const struct tl_step *st = &c.tl->steps[side];
        assert_int_equal(st->hold_end - st->hold_start, SECS(180));
        const struct tl_event *e = event_with_text(c.tl, "Soften.", side);
        assert_int_equal(e->start, st->hold_start + SECS(60));
        assert_int_equal(e->step, side);
        e = event_with_text(c.tl, "Relax the jaw.", side);
        assert_int_equal(e->start, st->hold_start + SECS(120));
        e = event_with_text(c.tl, "Come out slowly.", side);
        assert_int_equal(e->start, st->hold_end - SECS(30));
        const char *count[] = {"Five.", "Four.", "Three.", "Two.", "One."};
        for (int k = 0; k < 5; k++) {
            e = event_with_text(c.tl, count[k], side);
            assert_non_null(e);
            assert_int_equal(e->start, st->hold_end - SECS(5 - k));
        }
    }
    /* The announcement holds only the plain line, not the timed ones. */
    assert_string_equal(c.tl->events[0].text, "Dragon, left side. Sink the hips low.");
    compiled_free(&c);
}

static void every_and_bells_in_silence_and_rest(void **state)
{
    (void)state;
    struct compiled c = compile_str("silence 20 min\n"
                                    "  every 5 min: bell\n"
                                    "  at 19:00: Begin to deepen the breath.\n"
                                    "rest 1 min\n"
                                    "  Lie still.\n"
                                    "  at 0:20: bell chime\n"
                                    "  every 25s: Breathe.\n");
    assert_clean(c);
    check_invariants(c.tl);
    size_t bowls = 0;
    for (size_t i = 0; i < c.tl->n_events; i++) {
        const struct tl_event *e = &c.tl->events[i];
        if (e->sound_name && !strcmp(e->sound_name, "bowl")) {
            bowls++;
            assert_int_equal(e->start, SECS(300) * (int64_t)bowls);
            assert_int_equal(e->end, e->start + SECS(2));
            assert_int_equal(e->step, 0);
        }
    }
    assert_int_equal(bowls, 3); /* at 5, 10 and 15 min: 20 is the end */
    assert_int_equal(event_with_text(c.tl, "Begin to deepen the breath.", 0)->start, SECS(19 * 60));
    assert_int_equal(c.tl->steps[0].end, SECS(20 * 60));
    int64_t rest = SECS(20 * 60);
    assert_string_equal(c.tl->steps[1].name, "Rest");
    assert_int_equal(event_with_text(c.tl, "Lie still.", 0)->start, rest);
    assert_int_equal(count_sound(c.tl, "chime"), 1);
    assert_int_equal(event_with_text(c.tl, "Breathe.", 0)->start, rest + SECS(25));
    assert_int_equal(event_with_text(c.tl, "Breathe.", 1)->start, rest + SECS(50));
    assert_null(event_with_text(c.tl, "Breathe.", 2));
    compiled_free(&c);
}

static void timed_cue_errors(void **state)
{
    (void)state;
    struct compiled c = compile_str("pose A, 1 min\n  at 2:00: Late.\n");
    assert_int_equal(c.err, AV_ESYNTAX);
    assert_error_at(c.d, 2, 3, "this cue falls outside its step, which lasts 1:00");
    compiled_free(&c);

    c = compile_str("rest 30s\n  40s left: Early.\n");
    assert_int_equal(c.err, AV_ESYNTAX);
    assert_error_at(c.d, 2, 3, "falls outside its step");
    compiled_free(&c);

    c = compile_str("silence 5s\n  countdown: 10\n");
    assert_int_equal(c.err, AV_ESYNTAX);
    assert_error_at(c.d, 2, 3, "falls outside its step, which lasts 0:05");
    compiled_free(&c);

    c = compile_str("silence 5 min\n  every 5 min: bell\n");
    assert_int_equal(c.err, AV_ESYNTAX);
    assert_error_at(c.d, 2, 3, "falls outside its step");
    compiled_free(&c);

    /* Two cues at the same moment, or one while another is still spoken. */
    c = compile_str("pose A, 3 min\n  at 1:00: One.\n  2 min left: Two.\n");
    assert_int_equal(c.err, AV_ESYNTAX);
    assert_error_at(c.d, 3, 3, "this cue collides with the cue on line 2 (1:00 into the step)");
    compiled_free(&c);

    c = compile_str("silence 10 min\n  every 2 min: bell\n  at 4:00: Now.\n");
    assert_int_equal(c.err, AV_ESYNTAX);
    assert_error_at(c.d, 3, 3, "collides with the cue on line 2");
    compiled_free(&c);

    c = compile_str("pose A, 1 min\n  at 0:10: A long sentence that takes a few seconds to say.\n"
                    "  at 0:11: Short.\n");
    assert_int_equal(c.err, AV_ESYNTAX);
    assert_error_at(c.d, 3, 3, "collides");
    compiled_free(&c);

    /* A long cue overlapping two that follow it: both are reported. */
    c = compile_str("pose A, 1 min\n  at 0:10: A long sentence that takes several seconds to say aloud.\n"
                    "  at 0:11: Short.\n  at 0:13: Bell.\n");
    assert_int_equal(c.err, AV_ESYNTAX);
    assert_error_at(c.d, 3, 3, "collides with the cue on line 2 (0:11 into the step)");
    assert_error_at(c.d, 4, 3, "collides with the cue on line 2 (0:13 into the step)");
    compiled_free(&c);

    /* The same pose in a repeat reports once. */
    c = compile_str("repeat 3\n  pose A, 1 min\n    at 2:00: Late.\nend\n");
    assert_int_equal(c.err, AV_ESYNTAX);
    assert_int_equal(diag_errors(c.d), 1);
    compiled_free(&c);
}

static void breathe_fits_whole_breaths(void **state)
{
    (void)state;
    struct compiled c = compile_str("pace: 4 6\nbreathe B, 1 min\n");
    assert_clean(c);
    check_invariants(c.tl);
    const struct tl_step *st = &c.tl->steps[0];
    assert_int_equal(st->kind, TL_STEP_BREATHE);
    assert_string_equal(tl_step_kind_name(st->kind), "breathe");
    assert_int_equal(st->breaths, 6);
    assert_int_equal(st->hold_end - st->hold_start, SECS(60));
    /* Prompts for the whole time: every phase has a prompt (spoken, then tones). */
    assert_int_equal(count_kind(c.tl, TL_BREATH), 12);
    for (size_t i = 0; i < c.tl->n_events; i++)
        if (c.tl->events[i].kind == TL_BREATH)
            assert_true(c.tl->events[i].text || c.tl->events[i].sound);
    compiled_free(&c);

    /* 65 s: 6 breaths, 5 s over = exactly half a breath: no warning. */
    c = compile_str("pace: 4 6\nbreathe B, 65s\n");
    assert_clean(c);
    assert_int_equal(c.tl->steps[0].breaths, 6);
    compiled_free(&c);

    /* 67 s: more than half a breath is left over; the plan says 1:00. */
    c = compile_str("pace: 4 6\nbreathe B, 67s\n");
    assert_int_equal(c.err, 0);
    assert_int_equal(c.tl->steps[0].breaths, 6);
    int i = find_diag(c.d, DIAG_WARNING, "1:07 does not fit whole breaths at this pace: the step lasts 1:00 (6 breaths)");
    assert_true(i >= 0);
    assert_int_equal(diag_get(c.d, (size_t)i)->line, 2);
    assert_int_equal(diag_get(c.d, (size_t)i)->col, 12);
    compiled_free(&c);

    /* Box breathing: four phases with prompts, in breaths too. */
    c = compile_str("breathe Box breathing, 2 breaths, pace 4 4 4 4\n  hold: Stay.\n");
    assert_clean(c);
    assert_int_equal(count_kind(c.tl, TL_BREATH), 8);
    assert_non_null(event_with_text(c.tl, "Stay.", 3));
    compiled_free(&c);

    /* Shorter than one breath: one breath, with a warning. */
    c = compile_str("breathe B, 3s\n");
    assert_int_equal(c.err, 0);
    assert_int_equal(c.tl->steps[0].breaths, 1);
    assert_true(find_diag(c.d, DIAG_WARNING, "does not fit whole breaths") >= 0);
    compiled_free(&c);

    /* A timed pose stays quiet by design; a pace on it is never used,
     * which says where the breath prompts are. */
    c = compile_str("pose Box breathing, 1 min, pace 4 4 4 4\n");
    assert_int_equal(c.err, 0);
    assert_int_equal(count_kind(c.tl, TL_BREATH), 0);
    int w = find_diag(c.d, DIAG_WARNING, "a pose held for a time is quiet, so its pace is never used; "
                                         "for breath prompts write 'breathe Box breathing, ...'");
    assert_true(w >= 0);
    assert_int_equal(diag_get(c.d, (size_t)w)->line, 1);
    assert_int_equal(diag_warnings(c.d), 1);
    compiled_free(&c);
    c = compile_str("pose Plank, 45s\n");
    assert_clean(c);
    compiled_free(&c);
}

static void pace_ramps(void **state)
{
    (void)state;
    struct compiled c = compile_str("breathe Slowing down, 3 breaths, pace 4 4 to 6 8\n");
    assert_clean(c);
    check_invariants(c.tl);
    /* Breath 1 at 4 4, breath 3 at 6 8, breath 2 halfway: 5 6. */
    const int64_t want[3][2] = {{SECS(4), SECS(4)}, {SECS(5), SECS(6)}, {SECS(6), SECS(8)}};
    int k = 0;
    for (size_t i = 0; i < c.tl->n_events; i++) {
        const struct tl_event *e = &c.tl->events[i];
        if (e->kind != TL_BREATH)
            continue;
        int b = k / 2;
        assert_int_equal(e->breath, b + 1);
        assert_true(e->ramp);
        assert_int_equal(e->pace[0], want[b][0]);
        assert_int_equal(e->pace[2], want[b][1]);
        assert_int_equal(e->end - e->start, want[b][k % 2]);
        k++;
    }
    assert_int_equal(k, 6);
    compiled_free(&c);

    /* Rounded to whole frames: 4 s to 4.005 s (240 frames) over 8 breaths
     * is 34.29 frames a breath: breath 2 gets 34 more, breath 3 gets 69. */
    c = compile_str("pose P, 8 breaths, pace 4 4 to 4.005 4\n");
    assert_clean(c);
    assert_int_equal(c.tl->events[1].pace[0], 192000);
    assert_int_equal(c.tl->events[3].pace[0], 192034);
    assert_int_equal(c.tl->events[5].pace[0], 192069);
    assert_int_equal(c.tl->events[15].pace[0], 192240);
    assert_int_equal(c.tl->events[3].pace[2], 192000);
    compiled_free(&c);

    /* In the pace: header, every hold ramps; without a ramp `ramp` is 0. */
    c = compile_str("pace: 4 6 to 5 7\npose A, 2 breaths\nbreathe B, 2 breaths, pace 4 6\n");
    assert_clean(c);
    assert_true(c.tl->events[1].ramp);
    assert_int_equal(c.tl->events[3].end - c.tl->events[3].start, SECS(5));
    const struct tl_event *last = &c.tl->events[c.tl->n_events - 2];
    assert_int_equal(last->kind, TL_BREATH);
    assert_false(last->ramp);
    assert_int_equal(last->pace[0], SECS(4));
    compiled_free(&c);

    /* A flow ramps round by round. */
    c = compile_str("flow F, 3 rounds, pace 2 2 to 4 4\n  inhale: Up.\n  exhale: Down.\n");
    assert_clean(c);
    for (int r = 0; r < 3; r++) {
        const struct tl_event *up = event_with_text(c.tl, r == 2 ? "Last round. Up." : "Up.", r == 2 ? 0 : r);
        assert_non_null(up);
        assert_int_equal(up->end - up->start, SECS(2 + r));
        assert_true(up->ramp);
    }
    compiled_free(&c);

    /* A breathe step in time with a ramp: the whole breaths that fit. 4 4
     * to 6 6 over n breaths lasts 10n s: 60 s is 6 breaths. */
    c = compile_str("breathe R, 1 min, pace 4 4 to 6 6\n");
    assert_clean(c);
    assert_int_equal(c.tl->steps[0].breaths, 6);
    assert_int_equal(c.tl->steps[0].hold_end - c.tl->steps[0].hold_start, SECS(60));
    compiled_free(&c);
}

static void every_error_in_one_run(void **state)
{
    (void)state;
    /* A parse error, a bad voice, a missing include and a missing sound,
     * and a layout error, all reported, in file order. */
    struct compiled c = compile_str("voice: nosuchvoice\n"
                                    "pose A\n"
                                    "include nowhere\n"
                                    "bell missing\n"
                                    "pose B, 1 min\n"
                                    "  at 5:00: Too late.\n");
    assert_int_equal(c.err, AV_ESYNTAX);
    const char *want[] = {"cannot be used; 'asanavox voices' lists", "needs a duration",
                          "no session named 'nowhere'", "no sound named 'missing'",
                          "falls outside its step"};
    size_t k = 0;
    for (size_t i = 0; i < diag_count(c.d); i++) {
        const struct diag_entry *e = diag_get(c.d, i);
        if (e->level != DIAG_ERROR)
            continue;
        assert_true(k < 5);
        if (!strstr(e->message, want[k]))
            dump_diag(c.d);
        assert_non_null(strstr(e->message, want[k]));
        assert_int_equal(e->line, (int)k + 1 + (k == 4));
        k++;
    }
    assert_int_equal(k, 5);
    compiled_free(&c);

    /* Errors inside an included file are reported with the includer's. */
    const char *inc[] = {"s/bad.yoga", "pose X\n", NULL};
    c = compile_files("include bad\nbell missing\n", inc, NULL);
    assert_int_equal(c.err, AV_ESYNTAX);
    assert_true(find_diag(c.d, DIAG_ERROR, "needs a duration") >= 0);
    assert_true(find_diag(c.d, DIAG_ERROR, "no sound named 'missing'") >= 0);
    compiled_free(&c);
}

static void length_scales_the_holds(void **state)
{
    (void)state;
    const char *src = "pace: 4 6\npose A, 10 breaths\npose B, 1 min\nsilence 30s\n";
    struct compile_options o;
    compile_options_init(&o);
    struct compiled c = compile_files(src, NULL, &o);
    assert_clean(c);
    int64_t natural = c.tl->duration;
    assert_int_equal(c.tl->length_asked, 0);
    compiled_free(&c);

    /* Twice as long: the holds grow, to whole breaths and whole seconds. */
    o.length_ms = 2 * natural * 1000 / RATE;
    c = compile_files(src, NULL, &o);
    assert_clean(c);
    check_invariants(c.tl);
    assert_int_equal(c.tl->length_asked, SECS(o.length_ms / 1000.0));
    int64_t off = c.tl->duration - c.tl->length_asked;
    assert_true(off < SECS(10) && off > -SECS(10)); /* within a breath */
    assert_true(c.tl->steps[0].breaths > 10);
    int64_t b = c.tl->steps[1].hold_end - c.tl->steps[1].hold_start;
    assert_true(b > SECS(60));
    assert_int_equal(b % RATE, 0);
    compiled_free(&c);

    /* Very short: never below one breath or 5 s. */
    o.length_ms = 1000;
    c = compile_files(src, NULL, &o);
    assert_clean(c);
    assert_int_equal(c.tl->steps[0].breaths, 1);
    assert_int_equal(c.tl->steps[1].hold_end - c.tl->steps[1].hold_start, SECS(5));
    assert_int_equal(c.tl->steps[2].end - c.tl->steps[2].start, SECS(5));
    compiled_free(&c);

    /* A cue that no longer fits is left out with a warning, not an error. */
    o.length_ms = 20000;
    c = compile_files("pose A, 3 min\n  at 2:00: Later.\n  10s left: Soon.\n", NULL, &o);
    assert_clean_errors(c);
    assert_true(find_diag(c.d, DIAG_WARNING, "with --length; it is left out") >= 0);
    assert_null(event_with_text(c.tl, "Later.", 0));
    assert_non_null(event_with_text(c.tl, "Soon.", 0));
    compiled_free(&c);
}

static void skip_steps(void **state)
{
    (void)state;
    const char *src = "pose A, 1 breath\nrest 10s\npose B, 1 breath, each side\nrest 10s\n"
                      "flow C, 1 round\n  inhale: Up.\n  exhale: Down.\n";
    struct compile_options o;
    compile_options_init(&o);
    const char *skip_b[] = {"b"};
    o.skip = skip_b;
    o.n_skip = 1;
    struct compiled c = compile_files(src, NULL, &o);
    assert_clean(c);
    check_invariants(c.tl);
    /* A, its rest, C: B (both sides) and the rest after it are gone, and
     * the rest announces C. */
    assert_int_equal(c.tl->n_steps, 3);
    assert_string_equal(c.tl->steps[0].name, "A");
    assert_int_equal(c.tl->steps[1].kind, TL_STEP_REST);
    assert_string_equal(c.tl->steps[2].name, "C");
    assert_non_null(event_with_text(c.tl, "Next: C.", 0));
    assert_null(event_with_text(c.tl, "Next: B, left side.", 0));
    compiled_free(&c);

    /* The last step takes the rest before it along. */
    const char *skip_c[] = {"C", "a"};
    o.skip = skip_c;
    o.n_skip = 2;
    c = compile_files(src, NULL, &o);
    assert_clean(c);
    assert_int_equal(c.tl->n_steps, 2);
    assert_string_equal(c.tl->steps[0].name, "B");
    assert_string_equal(c.tl->steps[1].name, "B");
    compiled_free(&c);

    /* Nothing left is an error, not a silent empty session. */
    const char *skip_all[] = {"a", "b", "c"};
    o.skip = skip_all;
    o.n_skip = 3;
    c = compile_files(src, NULL, &o);
    assert_int_equal(c.err, AV_ESYNTAX);
    assert_true(find_diag(c.d, DIAG_ERROR, "no steps are left to lay out once the --skip steps") >= 0);
    compiled_free(&c);

    const char *skip_x[] = {"Nothing"};
    o.skip = skip_x;
    o.n_skip = 1;
    c = compile_files(src, NULL, &o);
    assert_int_equal(c.err, AV_ESYNTAX);
    assert_true(find_diag(c.d, DIAG_ERROR, "--skip 'Nothing': the session has no pose, flow or breathe step") >= 0);
    compiled_free(&c);
}

/* A streamed compile publishes, step by step, events that are already
 * where the finished timeline has them (compile.h, "Streaming"): for every
 * golden session, with --length too, the events taken from the stream are
 * the timeline's, to the bit.  (The copies are made when each step starts,
 * so reading them after the compile checks what a reader during it got.) */
static void stream_publishes_final_events(void **state)
{
    (void)state;
    static const char *const files[] = {
        "tests/golden/plan-box-breath.yoga",   "tests/golden/plan-breathe-box.yoga",
        "tests/golden/plan-format-example.yoga", "tests/golden/plan-ramp.yoga",
        "tests/golden/plan-savasana.yoga",     "tests/golden/plan-sun-salutation.yoga",
        "tests/golden/plan-yin.yoga",          "sessions/upper-back-flow.yoga",
        "sessions/workday-rescue.yoga",
    };
    for (size_t k = 0; k < sizeof files / sizeof *files * 2; k++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", TEST_SOURCE_DIR, files[k / 2]);
        struct compile_env env;
        compile_env_default(&env, NULL);
        compile_env_fixed_speech(&env);
        struct compile_options o;
        compile_options_init(&o);
        if (k % 2)
            o.length_ms = 20 * 60 * 1000;
        struct compile_stream *s;
        assert_int_equal(compile_stream_create(&s), AV_OK);
        o.stream = s;
        struct diag *d = diag_create();
        struct timeline *tl = NULL;
        assert_int_equal(compile_session(path, &o, &env, d, &tl), AV_OK);
        struct timeline hdr;
        assert_int_equal(compile_stream_header(s, &hdr), AV_OK);
        assert_int_equal(hdr.rate, tl->rate);
        assert_string_equal(hdr.voice, tl->voice);
        struct compile_stream_view v = {.duration = -1};
        assert_int_equal(compile_stream_events(s, INT64_MAX - 1, true, &v), AV_OK);
        assert_int_equal(v.duration, tl->duration);
        assert_int_equal(v.n, tl->n_events);
        assert_true(v.n > 0);
        assert_memory_equal(v.ev, tl->events, v.n * sizeof(*v.ev));
        free(v.ev);
        timeline_destroy(tl);
        diag_destroy(d);
        compile_stream_destroy(s);
    }
}

/* A compile with an error late in the layout publishes nothing from the
 * error on, and the stream ends with the error. */
static void stream_stops_at_an_error(void **state)
{
    (void)state;
    static const char text[] = "pose Child's pose, 1 min\n"
                               "pose Cat cow, 6 breaths\n"
                               "at 0:30\n"
                               "pose Down dog, 1 min\n";
    struct mem_fs fs = {NULL, 0, 2.0};
    struct compile_env env;
    compile_env_memory(&env, &fs);
    struct compile_options o;
    compile_options_init(&o);
    struct compile_stream *s;
    assert_int_equal(compile_stream_create(&s), AV_OK);
    o.stream = s;
    struct diag *d = diag_create();
    struct timeline *tl = NULL;
    assert_int_equal(compile_buffer("late.yoga", text, strlen(text), &o, &env, d, &tl),
                     AV_ESYNTAX);
    assert_null(tl);
    struct compile_stream_view v = {.duration = -1};
    assert_int_equal(compile_stream_events(s, 0, true, &v), AV_OK);
    /* The first two poses' events, none of the down dog's. */
    assert_true(v.n > 0);
    assert_true(v.known > 60 * 48000);
    for (size_t i = 0; i < v.n; i++)
        assert_true(v.ev[i].start < v.known);
    assert_int_equal(v.duration, -1);
    assert_int_equal(compile_stream_events(s, v.known, true, &v), AV_ESYNTAX);
    for (size_t i = 0; i < v.n; i++)
        if (v.ev[i].text)
            assert_null(strstr(v.ev[i].text, "Down dog"));
    free(v.ev);
    diag_destroy(d);
    compile_stream_destroy(s); /* frees the failed timeline the events point into */
}

/* What the stream had published when the intro was spoken. */
static struct {
    int (*inner)(void *ctx, const char *text, int rate, int64_t *frames);
    struct compile_stream *s;
    int64_t known; /* -1 until the intro's text is spoken */
} intro_spy;

static int intro_spy_speech(void *ctx, const char *text, int rate, int64_t *frames)
{
    if (intro_spy.known < 0 && strstr(text, "Stop if anything hurts")) {
        struct compile_stream_view v = {.duration = -1};
        assert_int_equal(compile_stream_events(intro_spy.s, 0, false, &v), AV_OK);
        intro_spy.known = v.known;
        free(v.ev);
    }
    return intro_spy.inner(ctx, text, rate, frames);
}

/* A session that opens with a bell speaks its intro (the title and the
 * safety text, often its longest text) after it: the bell is published
 * before the intro is spoken, so that play sounds it while the intro's
 * speech is still being made, and the events are still the timeline's. */
static void stream_publishes_the_bell_before_the_intro(void **state)
{
    (void)state;
    static const char text[] = "title: Opening\n"
                               "safety: Stop if anything hurts.\n"
                               "bell bowl, 4s\n"
                               "pose Child's pose, 2 breaths\n";
    struct mem_fs fs = {NULL, 0, 2.0};
    struct compile_env env;
    compile_env_memory(&env, &fs);
    intro_spy.inner = env.speech;
    intro_spy.known = -1;
    env.speech = intro_spy_speech;
    struct compile_options o;
    compile_options_init(&o);
    assert_int_equal(compile_stream_create(&intro_spy.s), AV_OK);
    o.stream = intro_spy.s;
    struct diag *d = diag_create();
    struct timeline *tl = NULL;
    assert_int_equal(compile_buffer("bell.yoga", text, strlen(text), &o, &env, d, &tl), AV_OK);
    /* The bell is the first step and lasts 4 s; the intro comes after it. */
    assert_int_equal(tl->events[0].kind, TL_BELL);
    assert_int_equal(tl->steps[1].start, 4 * tl->rate);
    print_message("published up to %.2f s when the intro was spoken\n",
                  (double)intro_spy.known / tl->rate);
    assert_int_equal(intro_spy.known, 4 * tl->rate);
    struct compile_stream_view v = {.duration = -1};
    assert_int_equal(compile_stream_events(intro_spy.s, INT64_MAX - 1, true, &v), AV_OK);
    assert_int_equal(v.n, tl->n_events);
    assert_memory_equal(v.ev, tl->events, v.n * sizeof(*v.ev));
    free(v.ev);
    timeline_destroy(tl);
    diag_destroy(d);
    compile_stream_destroy(intro_spy.s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(stream_publishes_the_bell_before_the_intro),
        cmocka_unit_test(pose_in_breaths),
        cmocka_unit_test(prompts_then_tones),
        cmocka_unit_test(four_part_pace_and_custom_prompts),
        cmocka_unit_test(pace_option_and_pose_pace),
        cmocka_unit_test(each_side),
        cmocka_unit_test(repeats),
        cmocka_unit_test(reps_and_end_cue),
        cmocka_unit_test(up_on_exhale_prepares_before_the_first_lift),
        cmocka_unit_test(at_moves_the_clock),
        cmocka_unit_test(intro_and_bells),
        cmocka_unit_test(includes),
        cmocka_unit_test(warnings_for_long_cues),
        cmocka_unit_test(never_ends_mid_breath),
        cmocka_unit_test(limits),
        cmocka_unit_test(repeats_around_nothing),
        cmocka_unit_test(voice_and_rate),
        cmocka_unit_test(the_example_of_the_format),
        cmocka_unit_test(asking_ahead_changes_nothing),
        cmocka_unit_test(chime_none_and_no_chime),
        cmocka_unit_test(own_breath_lines_always_spoken),
        cmocka_unit_test(unused_cues_warn),
        cmocka_unit_test(no_steps_is_an_error),
        cmocka_unit_test(unknown_placeholder),
        cmocka_unit_test(flow_rounds),
        cmocka_unit_test(flow_hold_pace_and_sides),
        cmocka_unit_test(round_placeholders_and_long_movements),
        cmocka_unit_test(flow_hold_warnings_per_flow),
        cmocka_unit_test(timed_cues_in_a_hold),
        cmocka_unit_test(every_and_bells_in_silence_and_rest),
        cmocka_unit_test(timed_cue_errors),
        cmocka_unit_test(breathe_fits_whole_breaths),
        cmocka_unit_test(pace_ramps),
        cmocka_unit_test(every_error_in_one_run),
        cmocka_unit_test(length_scales_the_holds),
        cmocka_unit_test(skip_steps),
        cmocka_unit_test(budgets),
        cmocka_unit_test(stream_publishes_final_events),
        cmocka_unit_test(stream_stops_at_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
