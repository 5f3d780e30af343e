/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_speechbank.c — the speech bank (speechbank.h): the table itself,
 * and a session compiled with compile_session_spoken() rendering without
 * any voice at all, to the same samples as a render that asks the voice
 * (real espeak-ng), even after the voice has been reconfigured and has
 * spoken another session in between: the mixer never asks the voice.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asanavox/compile.h"
#include "asanavox/diag.h"
#include "asanavox/error.h"
#include "asanavox/mixer.h"
#include "asanavox/speechbank.h"
#include "asanavox/timeline.h"
#include "asanavox/voice.h"
#include "mix_support.h"

#define SESSION TEST_SOURCE_DIR "/tests/data/render-basic.yoga"
#define OTHER TEST_SOURCE_DIR "/sessions/breath-3-4.yoga"
enum { RATE = 16000 };

static void test_table(void **state)
{
    (void)state;
    struct speech_bank *b;
    assert_int_equal(speech_bank_create(&b), AV_OK);
    assert_null(speech_bank_get(b, "absent"));
    int16_t s[300];
    for (int i = 0; i < 300; i++)
        s[i] = (int16_t)(i * 7);
    char text[32];
    for (int i = 0; i < 300; i++) { /* several times the first table's size */
        snprintf(text, sizeof text, "text %d", i);
        assert_int_equal(speech_bank_put(b, text, s, (size_t)i, 22050), AV_OK);
    }
    /* The first samples for a text stay. */
    assert_int_equal(speech_bank_put(b, "text 5", s, 200, 8000), AV_OK);
    assert_int_equal(speech_bank_count(b), 300);
    for (int i = 0; i < 300; i++) {
        snprintf(text, sizeof text, "text %d", i);
        const struct speech_clip *c = speech_bank_get(b, text);
        assert_non_null(c);
        assert_int_equal(c->frames, (size_t)i);
        assert_int_equal(c->rate, 22050);
        int16_t *got = malloc((size_t)(i ? i : 1) * sizeof(int16_t));
        assert_non_null(got);
        assert_int_equal(speech_bank_read_into(b, c, got), AV_OK);
        if (i)
            assert_memory_equal(got, s, (size_t)i * sizeof(int16_t));
        free(got);
    }
    /* The bank has its own copy: changing the caller's buffer changes
     * nothing, and equal samples have equal ids. */
    const struct speech_clip *c10 = speech_bank_get(b, "text 10");
    s[3] = 12345;
    assert_int_equal(speech_bank_put(b, "changed", s, 10, 22050), AV_OK);
    const struct speech_clip *ch = speech_bank_get(b, "changed");
    c10 = speech_bank_get(b, "text 10");
    assert_true(ch->id[0] != c10->id[0] || ch->id[1] != c10->id[1]);
    int16_t *got = malloc(10 * sizeof(int16_t));
    assert_non_null(got);
    assert_int_equal(speech_bank_read_into(b, c10, got), AV_OK);
    assert_int_equal(got[3], 21);
    free(got);
    s[3] = 21;
    assert_int_equal(speech_bank_put(b, "same", s, 10, 22050), AV_OK);
    const struct speech_clip *same = speech_bank_get(b, "same");
    c10 = speech_bank_get(b, "text 10");
    assert_true(same->id[0] == c10->id[0] && same->id[1] == c10->id[1]);
    speech_bank_destroy(b);
    speech_bank_destroy(NULL);
}

static struct timeline *compile(struct voice *v, const char *path, bool spoken, int speed)
{
    struct compile_options co;
    compile_options_init(&co);
    co.rate = RATE;
    co.speed = speed;
    struct diag *d = diag_create();
    struct timeline *tl = NULL;
    int err;
    if (spoken) {
        err = compile_session_spoken(path, &co, v, d, &tl);
    } else {
        struct compile_env env;
        compile_env_default(&env, v);
        err = compile_session(path, &co, &env, d, &tl);
    }
    diag_print(d, stderr);
    diag_destroy(d);
    assert_int_equal(err, AV_OK);
    return tl;
}

static void test_render_without_voice(void **state)
{
    (void)state;
    struct voice *v;
    assert_int_equal(voice_create(&v), AV_OK);
    /* What the voice says for the session, asked at render time. */
    struct timeline *plain = compile(v, SESSION, false, 0);
    float *want = mix_mono_whole(plain, v, NULL);
    /* The same session with its speech kept... */
    struct timeline *tl = compile(v, SESSION, true, 0);
    assert_non_null(tl->speech);
    assert_true(speech_bank_count(tl->speech) > 0);
    for (size_t i = 0; i < tl->n_events; i++)
        if (tl->events[i].text && *tl->events[i].text)
            assert_non_null(speech_bank_get(tl->speech, tl->events[i].text));
    /* ...while the voice speaks another session at another speed... */
    struct timeline *other = compile(v, OTHER, true, 300);
    timeline_destroy(other);
    /* ...renders with no voice at all, to the same samples. */
    float *got = mix_mono_whole(tl, NULL, NULL);
    assert_int_equal(tl->duration, plain->duration);
    assert_memory_equal(got, want, (size_t)tl->duration * sizeof(float));
    free(got);
    free(want);
    timeline_destroy(tl);
    timeline_destroy(plain);
    voice_destroy(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_render_without_voice),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
