/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_parse.c — the session parser: the tree it builds, and a diagnostic
 * at the right line and column for every class of bad input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "asanavox/diag.h"
#include "asanavox/error.h"
#include "asanavox/session.h"
#include "support.h"

struct parsed {
    struct diag *d;
    struct session *s;
};

static struct parsed parse_n(const char *src, size_t len)
{
    struct parsed p = {.d = diag_create()};
    assert_non_null(p.d);
    assert_int_equal(session_parse("t.yoga", src, len, p.d, &p.s), AV_OK);
    assert_non_null(p.s);
    return p;
}

static struct parsed parse(const char *src)
{
    return parse_n(src, strlen(src));
}

static void parsed_free(struct parsed *p)
{
    session_destroy(p->s);
    diag_destroy(p->d);
}

static void headers_and_steps(void **state)
{
    (void)state;
    struct parsed p = parse("\xEF\xBB\xBF# a comment\r\n"
                            "title: Upper back  flow   # trailing comment\r\n"
                            "about: Cat-cow and more.\n"
                            "pace: 4 2 6 1\n"
                            "voice: en-gb\n"
                            "speed: 140\n"
                            "prompts: all\n"
                            "gap: 1.5s\n"
                            "safety: Stop on sharp pain.\n"
                            "\n"
                            "bell\n"
                            "say Breathe \\# slowly.\n"
                            "pose Cat cow, 6 breaths, pace 3 3\n"
                            "  Move with your breath.\n"
                            "  inhale: Cow.\n"
                            "  Rest your forehead down.\n"
                            "pose Thread the needle, 45 s, each side\n"
                            "rest 30s\n"
                            "  Lie still.\n"
                            "include warm-up\n"
                            "at 15:00\n");
    assert_int_equal(diag_count(p.d), 0);
    const struct session *s = p.s;
    assert_string_equal(s->title.value, "Upper back flow");
    assert_int_equal(s->title.pos.line, 2);
    assert_string_equal(s->about.value, "Cat-cow and more.");
    assert_int_equal(s->pace_value.ms[0], 4000);
    assert_int_equal(s->pace_value.ms[1], 2000);
    assert_int_equal(s->pace_value.ms[2], 6000);
    assert_int_equal(s->pace_value.ms[3], 1000);
    assert_string_equal(s->voice.value, "en-gb");
    assert_int_equal(s->speed_value, 140);
    assert_int_equal(s->prompts_value, INT32_MAX);
    assert_int_equal(s->gap_ms, 1500);
    const struct node *n = s->steps;
    assert_int_equal(n->kind, NODE_BELL);
    assert_null(n->text);
    n = n->next;
    assert_int_equal(n->kind, NODE_SAY);
    assert_string_equal(n->text, "Breathe # slowly.");
    n = n->next;
    assert_int_equal(n->kind, NODE_POSE);
    assert_string_equal(n->text, "Cat cow");
    assert_int_equal(n->dur.unit, DUR_BREATHS);
    assert_int_equal(n->dur.count, 6);
    assert_true(n->has_pace);
    assert_int_equal(n->pace.ms[0], 3000);
    /* Inside a pose block no keyword is recognised: "Rest your..." is a cue. */
    const struct cue *q = n->cues;
    assert_int_equal(q->kind, CUE_PLAIN);
    assert_string_equal(q->text, "Move with your breath.");
    assert_int_equal(q->next->kind, CUE_INHALE);
    assert_string_equal(q->next->text, "Cow.");
    assert_int_equal(q->next->pos.line, 15);
    assert_int_equal(q->next->pos.col, 11);
    assert_int_equal(q->next->next->kind, CUE_PLAIN);
    assert_string_equal(q->next->next->text, "Rest your forehead down.");
    n = n->next;
    assert_int_equal(n->sides, SIDE_LEFT | SIDE_RIGHT);
    assert_int_equal(n->dur.unit, DUR_TIME);
    assert_int_equal(n->dur.ms, 45000);
    n = n->next;
    assert_int_equal(n->kind, NODE_REST);
    assert_string_equal(n->cues->text, "Lie still.");
    n = n->next;
    assert_int_equal(n->kind, NODE_INCLUDE);
    assert_string_equal(n->text, "warm-up");
    n = n->next;
    assert_int_equal(n->kind, NODE_AT);
    assert_int_equal(n->dur.ms, 15 * 60000);
    assert_null(n->next);
    parsed_free(&p);
}

static void repeat_nesting(void **state)
{
    (void)state;
    struct parsed p = parse("repeat 2\n  repeat 3 times\n    say A.\n  end\n  rest 5s\nend\nsay B.\n");
    assert_int_equal(diag_count(p.d), 0);
    const struct node *r = p.s->steps;
    assert_int_equal(r->kind, NODE_REPEAT);
    assert_int_equal(r->count, 2);
    assert_int_equal(r->body->kind, NODE_REPEAT);
    assert_int_equal(r->body->count, 3);
    assert_int_equal(r->body->body->kind, NODE_SAY);
    assert_int_equal(r->body->next->kind, NODE_REST);
    assert_int_equal(r->next->kind, NODE_SAY);
    parsed_free(&p);
}

/* One bad input: the source, and the first error's line, column and text. */
struct bad {
    const char *src;
    int line, col;
    const char *msg;
};

static const struct bad bad_inputs[] = {
    /* unknown keyword, with a suggestion */
    {"psoe Cat, 6 breaths\n", 1, 1, "unknown keyword 'psoe' (did you mean 'pose'?)"},
    {"dance now\n", 1, 1, "unknown keyword 'dance'"},
    /* missing or bad duration */
    {"pose Cat\n", 1, 9, "pose 'Cat' needs a duration"},
    {"pose Cat,\n", 1, 10, "a pose needs a duration"},
    {"pose Cat, 6 breths\n", 1, 13, "unknown duration unit 'breths' (did you mean 'breaths'?)"},
    {"pose Cat, six breaths\n", 1, 11, "expected a duration"},
    {"rest\n", 1, 5, "rest needs a duration"},
    {"rest 6 breaths\n", 1, 6, "expected a time"},
    {"silence 30\n", 1, 11, "missing unit"},
    {"pose Cat, 0s\n", 1, 11, "must last longer than zero"},
    {"pose Cat, 1:75\n", 1, 13, "two digits, 00 to 59"},
    {"pose Cat, 25h\n", 1, 11, "at most 24 hours"},
    {"pose Cat, 1.2345s\n", 1, 11, "at most three decimals"},
    {"pose Cat, 30s 2m\n", 1, 15, "from hours to minutes to seconds"},
    /* the usual slips, with the line as it should be */
    {"pose Cat 5 breaths\n", 1, 10,
     "a comma goes between the pose's name and its duration: 'pose Cat, 5 breaths'"},
    {"pose Warrior 2 30s, each side\n", 1, 16,
     "a comma goes between the pose's name and its duration: 'pose Warrior 2, 30s'"},
    {"flow Sun salutation 3 rounds\n", 1, 21,
     "a comma goes between the flow's name and its rounds: 'flow Sun salutation, 3 rounds'"},
    {"breathe Box 2 min, pace 4 4 4 4\n", 1, 13,
     "a comma goes between the breathe step's name and its duration: 'breathe Box, 2 min'"},
    {"pose Warrior 2\n", 1, 15, "pose 'Warrior 2' needs a duration"},
    {"pose Cat, 5 breaths each side\n", 1, 21,
     "a comma goes between the duration and 'each side': 'pose Cat, 5 breaths, each side'"},
    {"pose Cat, 1 min 30s no chime\n", 1, 21,
     "a comma goes between the duration and 'no chime': 'pose Cat, 1 min 30s, no chime'"},
    {"flow Cat cow, 3 rounds each side\n", 1, 24,
     "a comma goes between the rounds and 'each side': 'flow Cat cow, 3 rounds, each side'"},
    {"pose Cat, 3 rounds\n", 1, 13, "rounds are for a flow; a pose is held for breaths, reps or a time"},
    {"pose Cat, 3rounds\n", 1, 12, "rounds are for a flow"},
    /* text after the duration that is no option gets the duration's own error */
    {"pose Cat, 1:30 min\n", 1, 15, "expected a duration like"},
    {"pose Cat, 30s slowly\n", 1, 15, "expected a duration like"},
    {"breathe Box, 1 round\n", 1, 16, "rounds are for a flow; a breathe step lasts a time"},
    /* repeat without end, stray end, bad counts */
    {"say a\nrepeat 3\n  say b\n", 2, 1, "'repeat' without 'end'"},
    {"say a\nend\n", 2, 1, "'end' without a 'repeat'"},
    {"repeat\nend\n", 1, 7, "needs a count"},
    {"repeat 0\nend\n", 1, 8, "at least 1"},
    {"repeat 1001\nend\n", 1, 8, "at most 1000"},
    {"repeat 99999999999999999999\nend\n", 1, 8, "at most 1000"},
    {"repeat 3 laps\nend\n", 1, 10, "unexpected text after the repeat count"},
    /* cue lines outside a pose */
    {"inhale: Breathe.\n", 1, 1, "cue line outside a pose"},
    {"say Hello.\n  Sit tall.\n", 2, 3, "cue line outside a pose"},
    {"rest 10s\n  inhale: In.\n", 2, 3, "'inhale:' cues belong under a pose"},
    {"pose A, 1 breath\n  inhale:\n", 2, 10, "empty cue"},
    {"pose A, 1 breath\n  inhale: a\n  inhale: b\n", 3, 3, "has its 'inhale:' cue already (line 2)"},
    /* headers */
    {"tittle: Flow\n", 1, 1, "unknown header 'tittle:' (did you mean 'title:'?)"},
    {"say a\ntitle: Late\n", 2, 1, "must come before the first step"},
    {"title: A\ntitle: B\n", 2, 1, "given twice (first on line 1)"},
    {"title:\n", 1, 7, "needs a value"},
    {"pace: 0 4\n", 1, 7, "inhale and exhale must last at least 0.1 seconds"},
    {"pace: -4 6\n", 1, 7, "cannot be negative"},
    {"pace: 4\n", 1, 8, "2 numbers"},
    {"pace: 4 6 2\n", 1, 12, "2 numbers"},
    {"pace: 4 x\n", 1, 9, "expected a number of seconds"},
    {"pose A, 2 breaths, pace 0 0\n", 1, 25, "at least 0.1 seconds"},
    {"speed: 30\n", 1, 8, "out of range"},
    {"speed: fast\n", 1, 8, "whole number of words per minute"},
    {"prompts: some\n", 1, 10, "'all' or 'none'"},
    {"voice: en/us\n", 1, 10, "letters, digits"},
    {"gap: 2 breaths\n", 1, 6, "expected a time"},
    /* pose options */
    {"pose A, 10s, each sid\n", 1, 14, "did you mean 'each side'?"},
    {"pose A, 10s, upside down\n", 1, 14, "unknown pose option"},
    {"pose A, 10s, left, right\n", 1, 20, "sides are given twice"},
    {"pose , 10s\n", 1, 6, "a pose needs a name"},
    {"say\n", 1, 4, "needs the words to speak"},
    {"pose A, 10s, up on exhale\n", 1, 9, "'up on exhale' is for holds counted in reps"},
    {"pose A, 3 breaths, alternate\n", 1, 9, "'alternate' is for holds counted in reps"},
    {"pose A, 4 reps, alternate, each side\n", 1, 1, "cannot both alternate and have sides"},
    {"pose A, 4 reps, alternate right\n", 1, 27, "'left first' or 'right first'"},
    {"pose A, 4 reps, alternate up first\n", 1, 27, "e.g. 'alternate right first'"},
    {"pose A, 4 reps, alternate, alternate right first\n", 1, 28, "'alternate' is given twice"},
    {"pose A, 3 breaths, alternate right first\n", 1, 9, "'alternate' is for holds counted in reps"},
    {"flow A, 2 rounds, alternate right first\n", 1, 19, "is for poses counted in reps, not for a flow"},
    {"pose A, 4 breaths, prompts some\n", 1, 28, "'all' or 'none'"},
    /* names that would escape the allowed directories */
    {"include ../secrets\n", 1, 9, "named, not a path"},
    {"include /etc/passwd\n", 1, 9, "named, not a path"},
    {"include\n", 1, 8, "needs a session name"},
    {"bell ../../etc/shadow\n", 1, 6, "plain file name"},
    {"bell: sub/dir\n", 1, 7, "plain file name"},
    {"chime: ..\n", 1, 8, "plain file name"},
    /* encoding: NUL bytes and invalid UTF-8, at their column */
    {"say caf\xC3\xA9 \xFF!\n", 1, 10, "invalid UTF-8 (byte 0xFF)"},
    {"say over\xC0\xAFlong\n", 1, 9, "invalid UTF-8"},
    {"say \xED\xA0\x80 surrogate\n", 1, 5, "invalid UTF-8"},
    {"at\n", 1, 3, "'at' needs a duration"},
    {"at 1:02:03:04\n", 1, 12, "at most three parts"},
    /* flows, breathe, timed cues, placeholders (issue 11) */
    {"flow Sun\n", 1, 9, "needs a number of rounds"},
    {"flow Sun, 3 breaths\n", 1, 13, "number of rounds"},
    {"flow Sun, 0 rounds\n", 1, 11, "1 to 1000 rounds"},
    {"flow Sun, 2 rounds, up on exhale\n", 1, 21, "'up on exhale' is for poses counted in reps, not for a flow"},
    {"flow Sun, 2 rounds, upside down\n", 1, 21, "unknown flow option 'upside down'"},
    {"flow Sun, 2 rounds\n  halfway: Half.\n", 2, 3, "a flow's lines are plain lines"},
    {"flow Sun, 2 rounds\n  at 0:10: Hi.\n", 2, 3, "a flow's lines are plain lines"},
    {"flow Sun, 2 rounds\n  hold 5 min: Stay.\n", 2, 8, "a hold in a flow counts whole breaths"},
    {"pose A, 5 breaths\n  hold 5 breaths: Stay.\n", 2, 3, "'hold N breaths:' belongs in a flow"},
    {"rest 1 min\n  hold 5 breaths: Stay.\n", 2, 3, "'hold N breaths:' belongs in a flow"},
    {"silence 1 min\n  hold 5 breaths: Stay.\n", 2, 3, "'hold N breaths:' belongs in a flow"},
    {"breathe B, 8 reps\n", 1, 12, "a breathe step lasts a time or a number of breaths, not reps"},
    {"breathe , 2 min\n", 1, 9, "a breathe needs a name"},
    {"silence 1 min\n  Lie still.\n", 2, 3, "a silence takes only timed cues"},
    {"pose A, 1 min\n  at 1:0: Soft.\n", 2, 8, "two digits"},
    {"pose A, 1 min\n  every 0s: Soft.\n", 2, 9, "'every' must last longer than zero"},
    {"pose A, 1 min\n  10 breaths left: Soft.\n", 2, 3, "expected a time"},
    {"pose A, 1 min\n  countdown: 11\n", 2, 14, "from 1 to 10"},
    {"pose A, 1 min\n  countdown:\n", 2, 13, "from 1 to 10"},
    {"pose A, 1 min\n  countdown: 3\n  countdown: 4\n", 3, 3, "has a countdown already (line 2)"},
    {"pose A, 1 min\n  at 0:10:\n", 2, 11, "empty cue"},
    {"pose A, 1 min, each side\n  Turn to the {sdie}.\n", 2, 15, "unknown placeholder '{sdie}' (did you mean '{side}'?)"},
    {"say Round {runds} of {rounds}.\n", 1, 11, "unknown placeholder '{runds}' (did you mean '{rounds}'?)"},
    {"say {xyzzy}\n", 1, 5, "unknown placeholder '{xyzzy}': cue text may use"},
    {"pose A, 2 breaths, pace 4 4 to 0 4\n", 1, 32, "at least 0.1 seconds"},
    {"pace: 4 6 to 5\n", 1, 15, "2 numbers"},
};

static void every_bad_input(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(bad_inputs) / sizeof(bad_inputs[0]); i++) {
        const struct bad *b = &bad_inputs[i];
        struct parsed p = parse(b->src);
        const struct diag_entry *e = NULL;
        for (size_t k = 0; k < diag_count(p.d); k++) {
            if (diag_get(p.d, k)->level == DIAG_ERROR) {
                e = diag_get(p.d, k);
                break;
            }
        }
        if (!e || !strstr(e->message, b->msg) || e->line != b->line || e->col != b->col) {
            fprintf(stderr, "case %zu: %s\nwant %d:%d %s\ngot:\n", i, b->src, b->line, b->col, b->msg);
            diag_print(p.d, stderr);
            fail();
        }
        assert_string_equal(e->path, "t.yoga");
        parsed_free(&p);
    }
}

static void nul_bytes(void **state)
{
    (void)state;
    static const char src[] = "say ok\nsay bad\0byte\nsay fine\n";
    struct parsed p = parse_n(src, sizeof(src) - 1);
    assert_int_equal(diag_errors(p.d), 1);
    const struct diag_entry *e = diag_get(p.d, 0);
    assert_int_equal(e->line, 2);
    assert_int_equal(e->col, 8);
    assert_non_null(strstr(e->message, "NUL byte"));
    /* The source line shown stops before the NUL. */
    assert_string_equal(e->source, "say bad");
    /* Parsing went on after the bad line. */
    assert_int_equal(p.s->steps->next->kind, NODE_SAY);
    assert_string_equal(p.s->steps->next->text, "fine");
    parsed_free(&p);
}

static void long_lines_and_big_files(void **state)
{
    (void)state;
    size_t n = 5000;
    char *src = malloc(n + 16);
    assert_non_null(src);
    memcpy(src, "say ", 4);
    memset(src + 4, 'a', n);
    strcpy(src + 4 + n, "\nsay ok\n");
    struct parsed p = parse(src);
    assert_int_equal(diag_errors(p.d), 1);
    assert_int_equal(diag_get(p.d, 0)->line, 1);
    assert_int_equal(diag_get(p.d, 0)->col, 4097);
    assert_non_null(strstr(diag_get(p.d, 0)->message, "longer than 4096 bytes"));
    parsed_free(&p);
    free(src);

    size_t big = SESSION_MAX_FILE_BYTES + 1;
    char *data = malloc(big);
    assert_non_null(data);
    memset(data, '\n', big);
    p = parse_n(data, big);
    assert_int_equal(diag_errors(p.d), 1);
    assert_non_null(strstr(diag_get(p.d, 0)->message, "larger than 1 MiB"));
    assert_null(p.s->steps);
    parsed_free(&p);
    free(data);
}

static void error_limit_and_recovery(void **state)
{
    (void)state;
    /* 30 bad lines: 20 are kept, the rest counted, and parsing stops. */
    char src[30 * 16 + 1];
    src[0] = '\0';
    for (int i = 0; i < 30; i++)
        strcat(src, "dance now\n");
    struct parsed p = parse(src);
    assert_true(diag_full(p.d));
    size_t kept = 0;
    for (size_t k = 0; k < diag_count(p.d); k++)
        kept += diag_get(p.d, k)->level == DIAG_ERROR;
    assert_int_equal(kept, 20);
    parsed_free(&p);

    /* Errors on several lines in one pass, each at its own line. */
    p = parse("pose A\nrest\nsay ok\nbogus\n");
    assert_int_equal(diag_errors(p.d), 3);
    assert_int_equal(diag_get(p.d, 0)->line, 1);
    assert_int_equal(diag_get(p.d, 1)->line, 2);
    assert_int_equal(diag_get(p.d, 2)->line, 4);
    parsed_free(&p);
}

static void deep_nesting(void **state)
{
    (void)state;
    char src[64 * 12 + 64 * 4 + 16] = "";
    for (int i = 0; i < 40; i++)
        strcat(src, "repeat 2\n");
    strcat(src, "say x\n");
    for (int i = 0; i < 40; i++)
        strcat(src, "end\n");
    struct parsed p = parse(src);
    assert_true(diag_errors(p.d) >= 1);
    assert_int_equal(diag_get(p.d, 0)->line, 17);
    assert_non_null(strstr(diag_get(p.d, 0)->message, "nest at most 16 deep"));
    parsed_free(&p);
}

static void flows_breathe_and_timed_cues(void **state)
{
    (void)state;
    struct parsed p = parse("chime: none\n"
                            "bell: none\n"
                            "pace: 4 6 to 5 7\n"
                            "flow Sun salutation, 3 rounds, pace 3 5, each side\n"
                            "  Stand tall.\n"
                            "  inhale: Arms up.\n"
                            "  exhale: Fold.\n"
                            "  hold 5 breaths: Stay here.\n"
                            "  inhale: Rise.\n"
                            "pose Dragon, 3 min, each side, no chime\n"
                            "  at 1:00: Let the shoulders soften.\n"
                            "  30s left: Begin to come out.\n"
                            "  every 45 s: bell chime\n"
                            "  countdown: 5\n"
                            "  end: bell\n"
                            "  halfway: bell rings twice\n"
                            "breathe Box, 5 min, pace 4 4 4 4, prompts 2\n"
                            "silence 20 min\n"
                            "  every 5 min: bell\n"
                            "  at 19:00: Deepen the breath.\n"
                            "rest 1 min\n"
                            "  Lie still.\n"
                            "  10s left: Roll to the side.\n");
    if (diag_count(p.d))
        diag_print(p.d, stderr);
    assert_int_equal(diag_count(p.d), 0);
    const struct session *s = p.s;
    assert_string_equal(s->chime.value, "none");
    assert_string_equal(s->bell.value, "none");
    assert_true(s->pace_value.ramp);
    assert_int_equal(s->pace_value.ms[0], 4000);
    assert_int_equal(s->pace_value.ms[2], 6000);
    assert_int_equal(s->pace_value.to[0], 5000);
    assert_int_equal(s->pace_value.to[2], 7000);

    const struct node *n = s->steps;
    assert_int_equal(n->kind, NODE_FLOW);
    assert_string_equal(n->text, "Sun salutation");
    assert_int_equal(n->count, 3);
    assert_int_equal(n->sides, SIDE_LEFT | SIDE_RIGHT);
    assert_true(n->has_pace);
    assert_false(n->pace.ramp);
    assert_int_equal(n->pace.to[0], 3000);
    const struct cue *q = n->cues;
    enum cue_kind want[] = {CUE_PLAIN, CUE_INHALE, CUE_EXHALE, CUE_FLOW_HOLD, CUE_INHALE};
    for (int k = 0; k < 5; k++, q = q->next)
        assert_int_equal(q->kind, want[k]);
    assert_null(q);
    q = n->cues->next->next->next;
    assert_int_equal(q->count, 5);
    assert_string_equal(q->text, "Stay here.");
    assert_int_equal(q->line_pos.col, 3);
    assert_int_equal(q->pos.col, 19);

    n = n->next;
    assert_int_equal(n->kind, NODE_POSE);
    assert_true(n->no_chime);
    q = n->cues;
    assert_int_equal(q->kind, CUE_AT);
    assert_int_equal(q->ms, 60000);
    assert_string_equal(q->text, "Let the shoulders soften.");
    assert_false(q->bell);
    q = q->next;
    assert_int_equal(q->kind, CUE_LEFT);
    assert_int_equal(q->ms, 30000);
    q = q->next;
    assert_int_equal(q->kind, CUE_EVERY);
    assert_int_equal(q->ms, 45000);
    assert_true(q->bell);
    assert_string_equal(q->sound, "chime");
    q = q->next;
    assert_int_equal(q->kind, CUE_COUNTDOWN);
    assert_int_equal(q->count, 5);
    q = q->next;
    assert_int_equal(q->kind, CUE_END);
    assert_true(q->bell);
    assert_null(q->sound);
    q = q->next;
    assert_int_equal(q->kind, CUE_HALFWAY);
    assert_false(q->bell); /* "bell rings twice" is words */

    n = n->next;
    assert_int_equal(n->kind, NODE_BREATHE);
    assert_int_equal(n->dur.unit, DUR_TIME);
    assert_int_equal(n->dur.ms, 300000);
    assert_int_equal(n->prompts, 2);
    assert_int_equal(n->pace.ms[1], 4000);

    n = n->next;
    assert_int_equal(n->kind, NODE_SILENCE);
    assert_int_equal(n->cues->kind, CUE_EVERY);
    assert_int_equal(n->cues->ms, 300000);
    assert_true(n->cues->bell);
    assert_int_equal(n->cues->next->kind, CUE_AT);
    assert_int_equal(n->cues->next->ms, 19 * 60000);

    n = n->next;
    assert_int_equal(n->kind, NODE_REST);
    assert_int_equal(n->cues->kind, CUE_PLAIN);
    assert_int_equal(n->cues->next->kind, CUE_LEFT);
    assert_int_equal(n->cues->next->ms, 10000);
    parsed_free(&p);

    /* "countdown:5" without a space is a countdown too. */
    p = parse("pose A, 1 min\n  countdown:5\n");
    assert_int_equal(diag_count(p.d), 0);
    assert_int_equal(p.s->steps->cues->kind, CUE_COUNTDOWN);
    assert_int_equal(p.s->steps->cues->count, 5);
    parsed_free(&p);

    /* Plain cue lines may still start with "at" or end in "left" words. */
    p = parse("pose A, 1 min\n  at ease: the arms hang.\n  Turn left: slowly.\n");
    assert_int_equal(diag_count(p.d), 0);
    assert_int_equal(p.s->steps->cues->kind, CUE_PLAIN);
    assert_int_equal(p.s->steps->cues->next->kind, CUE_PLAIN);
    parsed_free(&p);

    /* A step line with an error is marked, so the compiler leaves it out. */
    p = parse("pose A\nsay fine\n");
    assert_true(p.s->steps->bad);
    assert_false(p.s->steps->next->bad);
    parsed_free(&p);
}

/* Which side an alternating pose starts on (issue 17). */
static void alternate_first_side(void **state)
{
    (void)state;
    struct parsed p = parse("pose A, 4 reps, alternate\n"
                            "pose B, 4 reps, alternate left first\n"
                            "pose C, 4 reps, alternating  right   first, up on exhale\n");
    assert_int_equal(diag_count(p.d), 0);
    const struct node *n = p.s->steps;
    assert_true(n->alternate);
    assert_false(n->alternate_right);
    n = n->next;
    assert_true(n->alternate);
    assert_false(n->alternate_right);
    n = n->next;
    assert_true(n->alternate);
    assert_true(n->alternate_right);
    assert_true(n->up_on_exhale);
    parsed_free(&p);
}

static void cue_typo_warning(void **state)
{
    (void)state;
    struct parsed p = parse("pose A, 2 breaths\n  inhal: Breathe.\n  Note: keep knees soft.\n");
    assert_int_equal(diag_errors(p.d), 0);
    assert_int_equal(diag_warnings(p.d), 1);
    assert_non_null(strstr(diag_get(p.d, 0)->message, "did you mean 'inhale:'?"));
    /* Both lines are spoken as written. */
    assert_string_equal(p.s->steps->cues->text, "inhal: Breathe.");
    assert_string_equal(p.s->steps->cues->next->text, "Note: keep knees soft.");
    parsed_free(&p);
}

/* A timed cue written without the ':' after its time is spoken as it is,
 * with a warning at the time's end that shows the line as it should be;
 * lines that only start like one ("At the top", "at 3 points") are not. */
static void timed_cue_slip_warning(void **state)
{
    (void)state;
    struct parsed p = parse("pose A, 1 min\n"
                            "  at 0:30 - Halfway.\n"
                            "  Every 10s, soften.\n"
                            "  At 1 min 30s switch.\n"
                            "  At the top, pause.\n"
                            "  at 3 points of contact, press.\n"
                            "  at 0:40: Fine.\n");
    assert_int_equal(diag_errors(p.d), 0);
    assert_int_equal(diag_warnings(p.d), 3);
    static const struct {
        int line, col;
        const char *msg;
    } want[] = {
        {2, 10, "a timed cue has a ':' after its time: 'at 0:30: Halfway.'; this line is spoken as it is"},
        {3, 12, "a timed cue has a ':' after its time: 'every 10s: soften.'"},
        {4, 15, "a timed cue has a ':' after its time: 'at 1 min 30s: switch.'"},
    };
    for (size_t i = 0; i < 3; i++) {
        const struct diag_entry *e = diag_get(p.d, i);
        assert_int_equal(e->line, want[i].line);
        assert_int_equal(e->col, want[i].col);
        assert_non_null(strstr(e->message, want[i].msg));
    }
    const struct cue *c = p.s->steps->cues;
    assert_int_equal(c->kind, CUE_PLAIN);
    assert_string_equal(c->text, "at 0:30 - Halfway.");
    while (c->next)
        c = c->next;
    assert_int_equal(c->kind, CUE_AT);
    parsed_free(&p);

    /* Not in a flow, whose lines have no times, nor with nothing to say;
     * and a flow whose name ends in rounds is still a flow. */
    p = parse("flow F, 2 rounds\n  at 0:30 Halfway.\n  inhale: Up.\n"
              "pose A, 1 min\n  at 0:30\n"
              "flow Warm up 2 rounds, 3rounds\n  inhale: Up.\n");
    assert_int_equal(diag_count(p.d), 0);
    assert_int_equal(p.s->steps->next->next->count, 3);
    parsed_free(&p);

    /* With its ':' but a capital, it is spoken as it is too: said at the
     * line's start. */
    p = parse("pose A, 1 min\n  At 30s: Soften.\n  Every 0:10: Breathe.\n");
    assert_int_equal(diag_errors(p.d), 0);
    assert_int_equal(diag_warnings(p.d), 2);
    assert_int_equal(diag_get(p.d, 0)->line, 2);
    assert_int_equal(diag_get(p.d, 0)->col, 3);
    assert_string_equal(diag_get(p.d, 0)->message,
                        "a timed cue is written in lower case: 'at 30s: Soften.'; this line is "
                        "spoken as it is");
    assert_non_null(strstr(diag_get(p.d, 1)->message, "'every 0:10: Breathe.'"));
    assert_int_equal(p.s->steps->cues->kind, CUE_PLAIN);
    parsed_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(timed_cue_slip_warning),
        cmocka_unit_test(headers_and_steps),
        cmocka_unit_test(repeat_nesting),
        cmocka_unit_test(every_bad_input),
        cmocka_unit_test(nul_bytes),
        cmocka_unit_test(long_lines_and_big_files),
        cmocka_unit_test(error_limit_and_recovery),
        cmocka_unit_test(deep_nesting),
        cmocka_unit_test(cue_typo_warning),
        cmocka_unit_test(alternate_first_side),
        cmocka_unit_test(flows_breathe_and_timed_cues),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
