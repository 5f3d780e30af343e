/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_transport.c — the keys of `play` without audio (transport.h):
 * pause, next, previous (restart, and twice: the step before), volume
 * steps and limits, --from by step and by time, and the status line.
 * Sessions are compiled in memory (support.h), so times are exact.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "asanavox/transport.h"
#include "support.h"

static const char *SESSION = "title: T\n"
                             "pace: 2 3\n"
                             "prompts: 1\n"
                             "bell\n"
                             "say Hello there.\n"
                             "pose Cat, 3 breaths\n"
                             "pose Child, 10s, each side\n"
                             "rest 5s\n";

static struct compiled C;

static int setup(void **state)
{
    (void)state;
    C = compile_str(SESSION);
    return C.err || !C.tl || C.tl->n_steps != 6;
}

static int teardown(void **state)
{
    (void)state;
    compiled_free(&C);
    return 0;
}

static void test_keys(void **state)
{
    (void)state;
    assert_int_equal(transport_key(' '), TRANSPORT_PAUSE);
    assert_int_equal(transport_key('n'), TRANSPORT_NEXT);
    assert_int_equal(transport_key('p'), TRANSPORT_PREVIOUS);
    assert_int_equal(transport_key('+'), TRANSPORT_LOUDER);
    assert_int_equal(transport_key('='), TRANSPORT_LOUDER);
    assert_int_equal(transport_key('-'), TRANSPORT_SOFTER);
    assert_int_equal(transport_key('q'), TRANSPORT_QUIT);
    assert_int_equal(transport_key('x'), TRANSPORT_NONE);
    /* An arrow key's escape sequence does nothing. */
    assert_int_equal(transport_key(27), TRANSPORT_NONE);
    assert_int_equal(transport_key('['), TRANSPORT_NONE);
    assert_int_equal(transport_key('A'), TRANSPORT_NONE);
}

static void test_step_at(void **state)
{
    (void)state;
    const struct timeline *tl = C.tl;
    assert_int_equal(transport_step_at(tl, 0), 0);
    for (size_t i = 0; i < tl->n_steps; i++) {
        assert_int_equal(transport_step_at(tl, tl->steps[i].start), i);
        if (i + 1 < tl->n_steps)
            assert_int_equal(transport_step_at(tl, tl->steps[i + 1].start - 1), i);
    }
    assert_int_equal(transport_step_at(tl, tl->duration), tl->n_steps - 1);
}

static void test_pause(void **state)
{
    (void)state;
    struct transport t;
    transport_init(&t, C.tl);
    int64_t seek;
    assert_false(t.paused);
    assert_true(transport_apply(&t, TRANSPORT_PAUSE, SECS(1), &seek));
    assert_true(t.paused);
    assert_int_equal(seek, -1); /* pausing does not move */
    assert_true(transport_apply(&t, TRANSPORT_PAUSE, SECS(1), &seek));
    assert_false(t.paused);
    assert_int_equal(seek, -1);
    /* Moving while paused stays paused. */
    transport_apply(&t, TRANSPORT_PAUSE, SECS(1), &seek);
    transport_apply(&t, TRANSPORT_NEXT, SECS(1), &seek);
    assert_true(t.paused);
    assert_int_equal(seek, C.tl->steps[1].start);
}

static void test_next(void **state)
{
    (void)state;
    const struct timeline *tl = C.tl;
    struct transport t;
    transport_init(&t, tl);
    int64_t seek;
    /* From anywhere in a step: the start of the next one. */
    for (size_t i = 0; i + 1 < tl->n_steps; i++) {
        int64_t mid = (tl->steps[i].start + tl->steps[i + 1].start) / 2;
        transport_apply(&t, TRANSPORT_NEXT, mid, &seek);
        assert_int_equal(seek, tl->steps[i + 1].start);
        transport_apply(&t, TRANSPORT_NEXT, tl->steps[i].start, &seek);
        assert_int_equal(seek, tl->steps[i + 1].start);
    }
    /* From the last step: the end, which ends the session. */
    transport_apply(&t, TRANSPORT_NEXT, tl->steps[tl->n_steps - 1].start + 1, &seek);
    assert_int_equal(seek, tl->duration);
    transport_apply(&t, TRANSPORT_NEXT, tl->duration, &seek);
    assert_int_equal(seek, tl->duration);
}

static void test_previous(void **state)
{
    (void)state;
    const struct timeline *tl = C.tl;
    struct transport t;
    transport_init(&t, tl);
    int64_t seek;
    const int64_t window = (int64_t)(TRANSPORT_RESTART_WINDOW * tl->rate);
    /* Step 2 (Cat, 3 breaths of 5 s) is long enough to be well inside. */
    const struct tl_step *cat = &tl->steps[2];
    assert_true(cat->end - cat->start > 2 * window);
    int64_t deep = cat->start + window + SECS(1);
    transport_apply(&t, TRANSPORT_PREVIOUS, deep, &seek);
    assert_int_equal(seek, cat->start); /* restart this step */
    /* Pressed again at once (the clock is at the restart): the step before. */
    transport_apply(&t, TRANSPORT_PREVIOUS, seek, &seek);
    assert_int_equal(seek, tl->steps[1].start);
    /* Just inside the window still counts as "twice"; at it, it does not. */
    transport_apply(&t, TRANSPORT_PREVIOUS, cat->start + window - 1, &seek);
    assert_int_equal(seek, tl->steps[1].start);
    transport_apply(&t, TRANSPORT_PREVIOUS, cat->start + window, &seek);
    assert_int_equal(seek, cat->start);
    /* In the first step there is nothing before: back to the start. */
    transport_apply(&t, TRANSPORT_PREVIOUS, SECS(0.5), &seek);
    assert_int_equal(seek, 0);
    transport_apply(&t, TRANSPORT_PREVIOUS, 0, &seek);
    assert_int_equal(seek, 0);
    /* Next then previous twice comes back where it was. */
    transport_apply(&t, TRANSPORT_NEXT, deep, &seek);
    assert_int_equal(seek, tl->steps[3].start);
    transport_apply(&t, TRANSPORT_PREVIOUS, seek, &seek);
    assert_int_equal(seek, cat->start);
}

static void test_volume(void **state)
{
    (void)state;
    struct transport t;
    transport_init(&t, C.tl);
    int64_t seek;
    assert_true(fabsf(transport_gain(&t) - 1.0f) < 1e-6f);
    assert_true(transport_apply(&t, TRANSPORT_SOFTER, 0, &seek));
    assert_int_equal(seek, -1);
    assert_true(t.volume_db == -TRANSPORT_VOLUME_STEP);
    assert_true(fabsf(transport_gain(&t) - powf(10.0f, (float)(-TRANSPORT_VOLUME_STEP / 20))) <
                1e-6f);
    for (int i = 0; i < 100; i++)
        transport_apply(&t, TRANSPORT_LOUDER, 0, &seek);
    assert_true(t.volume_db == TRANSPORT_VOLUME_MAX);
    assert_false(transport_apply(&t, TRANSPORT_LOUDER, 0, &seek)); /* at the limit */
    for (int i = 0; i < 100; i++)
        transport_apply(&t, TRANSPORT_SOFTER, 0, &seek);
    assert_true(t.volume_db == TRANSPORT_VOLUME_MIN);
    assert_false(transport_apply(&t, TRANSPORT_QUIT, 0, &seek));
    assert_int_equal(seek, -1);
}

/* Starting at a kept volume (issue 14): the mix already has it, so the
 * gain is 1 until a key moves it, and the keys' limits still hold. */
static void test_start_volume(void **state)
{
    (void)state;
    struct transport t;
    transport_init(&t, C.tl);
    int64_t seek;
    assert_true(transport_start_at(&t, -4.0) == -4.0);
    assert_true(t.volume_db == -4.0);
    assert_true(fabsf(transport_gain(&t) - 1.0f) < 1e-6f);
    assert_true(transport_apply(&t, TRANSPORT_SOFTER, 0, &seek));
    assert_true(t.volume_db == -4.0 - TRANSPORT_VOLUME_STEP);
    assert_true(fabsf(transport_gain(&t) - powf(10.0f, (float)(-TRANSPORT_VOLUME_STEP / 20))) <
                1e-6f);
    for (int i = 0; i < 100; i++)
        transport_apply(&t, TRANSPORT_LOUDER, 0, &seek);
    assert_true(t.volume_db == TRANSPORT_VOLUME_MAX);
    assert_true(fabsf(transport_gain(&t) - powf(10.0f, (float)((TRANSPORT_VOLUME_MAX + 4.0) / 20))) <
                1e-5f);
    /* Out of range or not a number: clamped, or 0. */
    transport_init(&t, C.tl);
    assert_true(transport_start_at(&t, 40.0) == TRANSPORT_VOLUME_MAX);
    assert_true(transport_start_at(&t, -100.0) == TRANSPORT_VOLUME_MIN);
    assert_true(transport_start_at(&t, NAN) == 0.0);
    assert_true(fabsf(transport_gain(&t) - 1.0f) < 1e-6f);
}

static void test_from(void **state)
{
    (void)state;
    const struct timeline *tl = C.tl;
    int64_t f = -1;
    assert_int_equal(transport_parse_from(tl, "1", &f), AV_OK);
    assert_int_equal(f, 0);
    assert_int_equal(transport_parse_from(tl, "3", &f), AV_OK);
    assert_int_equal(f, tl->steps[2].start);
    assert_int_equal(transport_parse_from(tl, " 6 ", &f), AV_OK);
    assert_int_equal(f, tl->steps[5].start);
    assert_int_equal(transport_parse_from(tl, "0", &f), AV_ELIMIT);
    assert_int_equal(transport_parse_from(tl, "7", &f), AV_ELIMIT);
    assert_int_equal(transport_parse_from(tl, "99999999999", &f), AV_ELIMIT);
    assert_int_equal(transport_parse_from(tl, "0:05", &f), AV_OK);
    assert_int_equal(f, SECS(5));
    assert_int_equal(transport_parse_from(tl, "0:00", &f), AV_OK);
    assert_int_equal(f, 0);
    assert_int_equal(transport_parse_from(tl, "12s", &f), AV_OK);
    assert_int_equal(f, SECS(12));
    assert_int_equal(transport_parse_from(tl, "2.5s", &f), AV_OK);
    assert_int_equal(f, SECS(2.5));
    assert_int_equal(transport_parse_from(tl, "0.5m", &f), AV_OK);
    assert_int_equal(f, SECS(30));
    assert_int_equal(transport_parse_from(tl, "1:00:00", &f), AV_ELIMIT); /* past the end */
    assert_int_equal(transport_parse_from(tl, "0:5", &f), AV_EINVAL);
    assert_int_equal(transport_parse_from(tl, "abc", &f), AV_EINVAL);
    assert_int_equal(transport_parse_from(tl, "", &f), AV_EINVAL);
    assert_int_equal(transport_parse_from(tl, "3 breaths", &f), AV_EINVAL);
    assert_int_equal(transport_parse_from(tl, "-1", &f), AV_EINVAL);
}

static void test_status(void **state)
{
    (void)state;
    const struct timeline *tl = C.tl;
    struct transport t;
    transport_init(&t, tl);
    struct transport_status st;
    /* In the breath hold of Cat: which breath is sounding. */
    const struct tl_step *cat = &tl->steps[2];
    int seen[4] = {0};
    for (size_t i = 0; i < tl->n_events; i++) {
        const struct tl_event *e = &tl->events[i];
        if (e->kind != TL_BREATH || e->step != 2)
            continue;
        transport_status(&t, e->start, &st);
        assert_int_equal(st.step, 2);
        assert_string_equal(st.name, "Cat");
        assert_int_equal(st.breath, e->breath);
        assert_int_equal(st.breaths, 3);
        transport_status(&t, e->end - 1, &st);
        assert_int_equal(st.breath, e->breath);
        seen[e->breath] = 1;
    }
    assert_true(seen[1] && seen[2] && seen[3]);
    /* The announcement comes before the breaths. */
    transport_status(&t, cat->start, &st);
    assert_int_equal(st.breath, 0);
    /* Sides. */
    transport_status(&t, tl->steps[3].start, &st);
    assert_string_equal(st.side, "left");
    transport_status(&t, tl->steps[4].start, &st);
    assert_string_equal(st.side, "right");
    assert_int_equal(st.breath, 0); /* a timed hold has no breath count */

    int64_t seek;
    transport_apply(&t, TRANSPORT_PAUSE, 0, &seek);
    transport_apply(&t, TRANSPORT_SOFTER, 0, &seek);
    const struct tl_event *b2 = NULL;
    for (size_t i = 0; i < tl->n_events && !b2; i++)
        if (tl->events[i].kind == TL_BREATH && tl->events[i].step == 2 && tl->events[i].breath == 2)
            b2 = &tl->events[i];
    assert_non_null(b2);
    transport_status(&t, b2->start, &st);
    char line[256];
    transport_format(&st, tl->rate, 0, line, sizeof line);
    assert_non_null(strstr(line, "3/6 Cat"));
    assert_non_null(strstr(line, "breath 2/3"));
    assert_non_null(strstr(line, "paused"));
    assert_non_null(strstr(line, "-2 dB"));
    char total[16];
    snprintf(total, sizeof total, "/ 0:%02d", (int)(tl->duration / tl->rate));
    assert_non_null(strstr(line, total));
    /* Narrow terminals: never wider than asked, the name is what gives. */
    for (int w = 10; w < 80; w++) {
        transport_format(&st, tl->rate, w, line, sizeof line);
        size_t cps = 0;
        for (const char *p = line; *p; p++)
            cps += (*p & 0xC0) != 0x80;
        assert_true(cps <= (size_t)w);
    }
    transport_format(&st, tl->rate, 40, line, sizeof line);
    assert_non_null(strstr(line, "paused"));
}

/* Bytes as a terminal sends them: arrows as escape sequences (normal and
 * application mode, with modifiers); unbound keys and sequences do
 * nothing. */
static void test_key_sequences(void **state)
{
    (void)state;
    struct {
        const char *bytes;
        enum transport_action want; /* of the last byte; NONE before it */
    } cases[] = {
        {"\033[A", TRANSPORT_LOUDER},  {"\033[B", TRANSPORT_SOFTER},
        {"\033[C", TRANSPORT_FORWARD}, {"\033[D", TRANSPORT_BACK},
        {"\033OD", TRANSPORT_BACK},    {"\033[1;5C", TRANSPORT_FORWARD},
        {"\033OP", TRANSPORT_NONE},    {"\033[15~", TRANSPORT_NONE},
        {"\033q", TRANSPORT_QUIT},     {"t", TRANSPORT_TIME},
        {"?", TRANSPORT_HELP},         {"x", TRANSPORT_NONE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct transport_keys k = {0};
        const char *b = cases[i].bytes;
        size_t n = strlen(b);
        for (size_t j = 0; j + 1 < n; j++)
            assert_int_equal(transport_key_feed(&k, (unsigned char)b[j]), TRANSPORT_NONE);
        assert_int_equal(transport_key_feed(&k, (unsigned char)b[n - 1]), cases[i].want);
        /* The decoder is back to plain keys. */
        assert_int_equal(transport_key_feed(&k, 'n'), TRANSPORT_NEXT);
    }
}

/* The arrows go 15 s back and forward, within the session. */
static void test_seek_keys(void **state)
{
    (void)state;
    const struct timeline *tl = C.tl;
    struct transport t;
    transport_init(&t, tl);
    int64_t seek;
    const int64_t r = tl->rate;
    assert_true(transport_apply(&t, TRANSPORT_BACK, 20 * r, &seek));
    assert_int_equal(seek, 5 * r);
    assert_true(transport_apply(&t, TRANSPORT_BACK, 10 * r, &seek));
    assert_int_equal(seek, 0);
    assert_true(transport_apply(&t, TRANSPORT_FORWARD, 2 * r, &seek));
    assert_int_equal(seek, 17 * r);
    assert_true(transport_apply(&t, TRANSPORT_FORWARD, tl->duration - r, &seek));
    assert_int_equal(seek, tl->duration);
    /* t and ? change nothing here (play says and shows). */
    assert_false(transport_apply(&t, TRANSPORT_TIME, 2 * r, &seek));
    assert_int_equal(seek, -1);
    assert_false(transport_apply(&t, TRANSPORT_HELP, 2 * r, &seek));
}

/* Resuming after a pause: the start of the cue sounding then. */
static void test_resume_point(void **state)
{
    (void)state;
    const struct timeline *tl = C.tl;
    size_t checked_speech = 0, checked_breath = 0;
    for (size_t i = 0; i < tl->n_events; i++) {
        const struct tl_event *e = &tl->events[i];
        if (e->end - e->start < 4)
            continue;
        int64_t mid = e->start + (e->end - e->start) / 2;
        /* Only where no other cue overlaps (the cue is the only one). */
        bool alone = true;
        for (size_t j = 0; j < tl->n_events; j++)
            if (j != i && tl->events[j].start <= mid && mid < tl->events[j].end &&
                (tl->events[j].kind == TL_SPEECH || tl->events[j].text || tl->events[j].sound))
                alone = false;
        if (!alone)
            continue;
        if (e->kind == TL_SPEECH) {
            assert_int_equal(transport_resume_point(tl, mid), e->start);
            checked_speech++;
        } else if (e->kind == TL_BREATH && (e->text || e->sound)) {
            assert_int_equal(transport_resume_point(tl, mid), e->start);
            checked_breath++;
        }
    }
    assert_true(checked_speech >= 2);
    assert_true(checked_breath >= 2);
    /* In the silent rest (after its cue): no rewind. */
    const struct tl_step *rest = &tl->steps[tl->n_steps - 1];
    assert_int_equal(transport_resume_point(tl, rest->end - 1), rest->end - 1);
}

/* Where --from TIME and --resume start: the step's start. */
static void test_step_start(void **state)
{
    (void)state;
    const struct timeline *tl = C.tl;
    for (size_t i = 0; i < tl->n_steps; i++) {
        const struct tl_step *s = &tl->steps[i];
        if (s->end > s->start) {
            assert_int_equal(transport_step_start(tl, s->start), s->start);
            assert_int_equal(transport_step_start(tl, s->end - 1), s->start);
        }
    }
}

/* What t says. */
static void test_time_text(void **state)
{
    (void)state;
    const struct timeline *tl = C.tl;
    char buf[256];
    /* In Cat (step 3): the next pose is Child, left. */
    const struct tl_step *cat = &tl->steps[2];
    long left = (long)((tl->duration - cat->start) / tl->rate);
    char want[256];
    snprintf(want, sizeof want, "%ld seconds left. Next: Child, left.", left);
    if (left >= 60)
        snprintf(want, sizeof want, "%ld minute%s left. Next: Child, left.", (left + 30) / 60,
                 (left + 30) / 60 == 1 ? "" : "s");
    assert_string_equal(transport_time_text(tl, cat->start, buf, sizeof buf), want);
    /* In the rest at the end: no next pose. */
    const struct tl_step *rest = &tl->steps[5];
    snprintf(want, sizeof want, "%ld seconds left.",
             (long)((tl->duration - rest->start) / tl->rate));
    assert_string_equal(transport_time_text(tl, rest->start, buf, sizeof buf), want);
}

static void test_status_in_a_flow(void **state)
{
    (void)state;
    /* A flow shows its round; a hold inside it shows its breath too. */
    /* The hold has as many breaths as the flow has rounds, so only the
     * event's `movement` tells a movement from a breath of the hold. */
    struct compiled c = compile_str("pace: 2 3\nflow Sun, 3 rounds\n  inhale: Up.\n"
                                    "  hold 3 breaths: Stay.\n  exhale: Down.\n");
    assert_int_equal(c.err, 0);
    struct transport t;
    transport_init(&t, c.tl);
    struct transport_status st;
    char line[256];
    size_t movements = 0, holds = 0;
    for (size_t i = 0; i < c.tl->n_events; i++) {
        const struct tl_event *e = &c.tl->events[i];
        if (e->kind != TL_BREATH)
            continue;
        transport_status(&t, e->start, &st);
        assert_int_equal(st.round, e->round);
        assert_int_equal(st.rounds, 3);
        transport_format(&st, c.tl->rate, 0, line, sizeof line);
        char want[32];
        snprintf(want, sizeof want, "round %d/3", e->round);
        assert_non_null(strstr(line, want));
        if (!e->movement) { /* a breath of the hold */
            assert_int_equal(st.breath, e->breath);
            assert_int_equal(st.breaths, 3);
            snprintf(want, sizeof want, "breath %d/3", e->breath);
            assert_non_null(strstr(line, want));
            holds++;
        } else {
            assert_int_equal(st.breaths, 0);
            assert_null(strstr(line, "breath"));
            movements++;
        }
    }
    assert_int_equal(movements, 6);
    assert_int_equal(holds, 18);
    /* The announcement comes before the first round. */
    transport_status(&t, 0, &st);
    assert_int_equal(st.rounds, 0);
    compiled_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keys),     cmocka_unit_test(test_step_at),
        cmocka_unit_test(test_pause),    cmocka_unit_test(test_next),
        cmocka_unit_test(test_previous), cmocka_unit_test(test_volume), cmocka_unit_test(test_start_volume),
        cmocka_unit_test(test_from),     cmocka_unit_test(test_status),
        cmocka_unit_test(test_key_sequences), cmocka_unit_test(test_seek_keys),
        cmocka_unit_test(test_resume_point),  cmocka_unit_test(test_step_start),
        cmocka_unit_test(test_time_text),
        cmocka_unit_test(test_status_in_a_flow),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
