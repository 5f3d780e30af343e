/*
 * test_voice.c — espeak-ng in-process: real speech, trimmed, cached once
 * per text, exact lengths at other rates.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "asanavox/error.h"
#include "asanavox/voice.h"

static int setup(void **state)
{
    struct voice *v = NULL;
    if (voice_create(&v))
        return -1;
    if (voice_configure(v, "en-us", 150))
        return -1;
    *state = v;
    return 0;
}

static int teardown(void **state)
{
    voice_destroy(*state);
    return 0;
}

static void speaks(void **state)
{
    struct voice *v = *state;
    assert_int_equal(voice_native_rate(v), 22050);
    const struct voice_clip *a;
    assert_int_equal(voice_synth(v, "Breathe in.", &a), AV_OK);
    /* A short phrase: between a quarter of a second and three seconds. */
    assert_true(a->frames > 22050 / 4 && a->frames < 3 * 22050);
    int peak = 0;
    for (size_t i = 0; i < a->frames; i++)
        if (abs(a->samples[i]) > peak)
            peak = abs(a->samples[i]);
    assert_true(peak > 3000);
    /* Trimmed: the first and last 5 ms are near silence, and the clip does
     * not start with long silence. */
    int head = 0;
    for (size_t i = 0; i < 110; i++)
        if (abs(a->samples[i]) > head)
            head = abs(a->samples[i]);
    assert_true(head < 2000);
    size_t first_loud = 0;
    while (first_loud < a->frames && abs(a->samples[first_loud]) <= 96)
        first_loud++;
    assert_true(first_loud <= 22050 / 100 + 1);

    const struct voice_clip *longer;
    assert_int_equal(voice_synth(v, "Roll the shoulders away from the ears, slowly.", &longer), AV_OK);
    assert_true(longer->frames > a->frames * 2);
}

static void caches_each_text_once(void **state)
{
    struct voice *v = *state;
    size_t before = voice_cache_count(v);
    const struct voice_clip *a, *b, *c;
    assert_int_equal(voice_synth(v, "Cache me.", &a), AV_OK);
    assert_int_equal(voice_synth(v, "Something else.", &c), AV_OK);
    assert_int_equal(voice_synth(v, "Cache me.", &b), AV_OK);
    assert_ptr_equal(a, b);
    assert_ptr_equal(a->samples, b->samples);
    assert_int_equal(voice_cache_count(v), before + 2);
    /* Many texts: the table grows and old clips stay valid. */
    char text[32];
    for (int i = 0; i < 100; i++) {
        const struct voice_clip *x;
        snprintf(text, sizeof text, "Number %d.", i);
        assert_int_equal(voice_synth(v, text, &x), AV_OK);
    }
    assert_int_equal(voice_synth(v, "Cache me.", &b), AV_OK);
    assert_ptr_equal(a, b);
    /* espeak-ng carries state between utterances (see voice.h): the same
     * text spoken after different ones differs by a few samples at most.
     * Exact determinism is per process and is checked end to end by the
     * golden plan test. */
    assert_int_equal(voice_configure(v, "en-us", 151), AV_OK);
    const struct voice_clip *d1, *d2;
    assert_int_equal(voice_synth(v, "Same again.", &d1), AV_OK);
    size_t n1 = d1->frames;
    assert_int_equal(voice_configure(v, "en-us", 150), AV_OK);
    assert_int_equal(voice_synth(v, "Roll the shoulders away from the ears.", &d2), AV_OK);
    assert_int_equal(voice_configure(v, "en-us", 151), AV_OK);
    assert_int_equal(voice_synth(v, "Same again.", &d2), AV_OK);
    size_t diff = d2->frames > n1 ? d2->frames - n1 : n1 - d2->frames;
    assert_true(diff < n1 / 20);
    assert_int_equal(voice_configure(v, "en-us", 150), AV_OK);
}

static void speed_changes_length(void **state)
{
    struct voice *v = *state;
    const char *t = "Lengthen through the spine and let the shoulders soften.";
    const struct voice_clip *slow, *fast;
    assert_int_equal(voice_configure(v, "en-us", 120), AV_OK);
    assert_int_equal(voice_synth(v, t, &slow), AV_OK);
    size_t n_slow = slow->frames;
    assert_int_equal(voice_configure(v, "en-us", 240), AV_OK);
    assert_int_equal(voice_synth(v, t, &fast), AV_OK);
    assert_true(fast->frames * 3 < n_slow * 2);
    assert_int_equal(voice_configure(v, "en-us", 150), AV_OK);
}

static void bad_settings(void **state)
{
    struct voice *v = *state;
    assert_int_equal(voice_configure(v, "no-such-voice-xyz", 150), AV_EVOICE);
    /* Language names work too ("en-gb" lives in the file gmw/en). */
    assert_int_equal(voice_configure(v, "en-gb", 150), AV_OK);
    assert_int_equal(voice_configure(v, "fr", 150), AV_OK);
    assert_int_equal(voice_configure(v, "en-us", 50), AV_EINVAL);
    assert_int_equal(voice_configure(v, "en-us", 500), AV_EINVAL);
    assert_int_equal(voice_configure(v, "en-us", 150), AV_OK);
    const struct voice_clip *c;
    assert_int_equal(voice_synth(v, "Still fine.", &c), AV_OK);
}

static void lengths_at_other_rates(void **state)
{
    (void)state;
    assert_int_equal(voice_frames_at(22050, 22050, 48000), 48000);
    assert_int_equal(voice_frames_at(1, 22050, 48000), 3);       /* ceil(2.18) */
    assert_int_equal(voice_frames_at(22051, 22050, 48000), 48003);
    assert_int_equal(voice_frames_at(44100, 22050, 44100), 88200);
    assert_int_equal(voice_frames_at(0, 22050, 48000), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(speaks),
        cmocka_unit_test(caches_each_text_once),
        cmocka_unit_test(speed_changes_length),
        cmocka_unit_test(bad_settings),
        cmocka_unit_test(lengths_at_other_rates),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
