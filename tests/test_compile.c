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
#include <cmocka.h>

#include "support.h"

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
    assert_int_equal(end->start, s->hold_end);
    /* The step lasts until the end cue is spoken (longer than the 1 s gap). */
    assert_int_equal(s->end, s->hold_end + SPEECH("Rest your forehead."));
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

static void voice_and_rate(void **state)
{
    (void)state;
    struct compiled c = compile_str("voice: nosuchvoice\nsay Hi.\n");
    assert_int_equal(c.err, AV_ESYNTAX);
    assert_error_at(c.d, 1, 8, "cannot speak with voice 'nosuchvoice'");
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

    /* Distinct speech over 20 minutes: 80 texts of 20 s each. */
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
    int i = find_diag(c.d, DIAG_ERROR, "distinct spoken text passes 20 minutes");
    assert_true(i >= 0);
    assert_true(diag_get(c.d, (size_t)i)->line > 50 && diag_get(c.d, (size_t)i)->line < 80);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
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
        cmocka_unit_test(voice_and_rate),
        cmocka_unit_test(the_example_of_the_format),
        cmocka_unit_test(budgets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
