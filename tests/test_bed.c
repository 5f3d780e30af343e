/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_bed.c — what surrounds the voice: levels by role, the breath guides
 * over their phases, and the ambient bed with its ducking under speech.
 *
 * Hand-built timelines and a fake source whose "text" says what the clip
 * is ("sine 1000 0.3 96000": 96000 frames of a 1 kHz sine at 0.3), so the
 * mixer's shaping can be measured exactly, without espeak-ng.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asanavox/arena.h"
#include "asanavox/error.h"
#include "asanavox/mixer.h"
#include "asanavox/timeline.h"
#include "mix/ambience.h"

#define RATE 48000
static const double PI = 3.14159265358979323846;

/* "sine F A N" (N frames of a sine at F Hz, amplitude A), "dc A N". */
static int fake_make(const char *what, int rate, float **samples, size_t *frames)
{
    double a = 0, f = 0;
    unsigned long n = 0;
    float *s = NULL;
    if (sscanf(what, "sine %lf %lf %lu", &f, &a, &n) == 3) {
        s = malloc(n * sizeof(float));
        for (size_t i = 0; s && i < n; i++)
            s[i] = (float)(a * sin(2 * PI * f * (double)i / rate));
    } else if (sscanf(what, "dc %lf %lu", &a, &n) == 2) {
        s = malloc(n * sizeof(float));
        for (size_t i = 0; s && i < n; i++)
            s[i] = (float)a;
    } else {
        return AV_ESOUND;
    }
    if (!s)
        return AV_ENOMEM;
    *samples = s;
    *frames = n;
    return AV_OK;
}

static int fake_speech(void *ctx, const char *text, int rate, float **samples, size_t *frames)
{
    (void)ctx;
    return fake_make(text, rate, samples, frames);
}

static int fake_sound(void *ctx, const char *path, int rate, float **samples, size_t *frames)
{
    (void)ctx;
    return fake_make(path, rate, samples, frames);
}

static const struct mixer_source fake = {NULL, fake_speech, fake_sound};

struct ev {
    enum tl_event_kind kind;
    int64_t start, end; /* end 0: the clip's length */
    const char *what;
    enum tl_phase phase;
};

static unsigned long what_len(const char *what)
{
    double a, f;
    unsigned long len = 0;
    if (sscanf(what, "sine %lf %lf %lu", &f, &a, &len) != 3)
        sscanf(what, "dc %lf %lu", &a, &len);
    return len;
}

static struct timeline *make_tl(int64_t duration, const struct ev *evs, size_t n)
{
    struct timeline *tl = calloc(1, sizeof(*tl));
    assert_non_null(tl);
    tl->arena = arena_create();
    tl->rate = RATE;
    tl->title = "test";
    tl->about = "";
    tl->duration = duration;
    tl->guide = TL_GUIDE_SWELL;
    tl->events = calloc(n ? n : 1, sizeof(struct tl_event));
    tl->n_events = n;
    for (size_t i = 0; i < n; i++) {
        struct tl_event *e = &tl->events[i];
        e->kind = evs[i].kind;
        e->start = evs[i].start;
        e->end = evs[i].end ? evs[i].end : e->start + (int64_t)what_len(evs[i].what);
        e->clip_end = e->end;
        e->phase = evs[i].phase;
        char *w = arena_strdup(tl->arena, evs[i].what);
        if (e->kind == TL_SPEECH)
            e->text = w;
        else
            e->sound = w;
    }
    return tl;
}

/* Mono mix of the whole timeline. */
static float *mix(const struct timeline *tl, const struct mixer_options *o)
{
    struct mixer *m;
    assert_int_equal(mixer_create(tl, NULL, o, &m), AV_OK);
    float *y = malloc((size_t)tl->duration * sizeof(float));
    assert_non_null(y);
    size_t done = 0, got;
    while (mixer_read_mono(m, y + done, 3000, &got) == AV_OK && got)
        done += got;
    assert_int_equal(done, (size_t)tl->duration);
    mixer_destroy(m);
    return y;
}

static void options(struct mixer_options *o, bool normalize)
{
    mixer_options_init(o);
    o->channels = 1;
    o->normalize = normalize;
    o->limiter = false;
    o->source = &fake;
}

static double rms_db(const float *x, int64_t from, int64_t to)
{
    double s = 0.0;
    for (int64_t i = from; i < to; i++)
        s += (double)x[i] * x[i];
    s /= (double)(to - from);
    return 10.0 * log10(s > 1e-30 ? s : 1e-30);
}

static const int64_t SEC = RATE;

/* ---- levels by role -------------------------------------------------------- */

/* The same signal as speech, as a bell and as a breath tone lands at the
 * speech target, 6 LU and 10 LU (the swell's top) below; the role volumes
 * move each role alone; and the speech level does not depend on what else
 * the session holds (many quiet tones used to pull it up by the session's
 * loudness correction). */
static void test_levels_by_role(void **state)
{
    (void)state;
    const char *sig = "sine 997 0.3 96000"; /* 2 s */
    for (int busy = 0; busy < 2; busy++) {
        struct ev evs[40] = {
            {TL_SPEECH, 1 * SEC, 0, sig, TL_INHALE},
            {TL_BELL, 5 * SEC, 0, sig, TL_INHALE},
        };
        size_t n = 2;
        if (busy) /* twenty 3 s hold guides after them */
            for (int k = 0; k < 20; k++)
                evs[n++] = (struct ev){TL_BREATH, (9 + 3 * k) * SEC, (12 + 3 * k) * SEC,
                                       "sine 300 0.3 48000", TL_HOLD_IN};
        struct timeline *tl = make_tl(70 * SEC, evs, n);
        struct mixer_options o;
        options(&o, true);
        float *y = mix(tl, &o);
        double sp = mix_clip_loudness(y + SEC + SEC / 4, (size_t)SEC * 3 / 2, RATE);
        double bell = mix_clip_loudness(y + 5 * SEC + SEC / 4, (size_t)SEC * 3 / 2, RATE);
        print_message("%s: speech %.2f LUFS, bell %.2f LUFS\n", busy ? "busy" : "plain", sp,
                      bell);
        assert_true(fabs(sp - MIXER_TARGET_LUFS) <= 0.5);
        assert_true(fabs(bell - sp - MIXER_BELL_OFFSET_LU) <= 0.5);

        tl->voice_db = -4.0;
        tl->bell_db = 3.0;
        float *z = mix(tl, &o);
        double sp2 = mix_clip_loudness(z + SEC + SEC / 4, (size_t)SEC * 3 / 2, RATE);
        double bell2 = mix_clip_loudness(z + 5 * SEC + SEC / 4, (size_t)SEC * 3 / 2, RATE);
        print_message("voice -4, bell +3: speech %.2f, bell %.2f\n", sp2, bell2);
        assert_true(fabs(sp2 - (sp - 4.0)) <= 0.2);
        assert_true(fabs(bell2 - (bell + 3.0)) <= 0.2);
        free(y);
        free(z);
        timeline_destroy(tl);
    }

    /* A tone alone: its guide's top (the end of an inhale swell) at 10 LU
     * below speech. */
    struct ev evs[] = {
        {TL_SPEECH, 0, 0, sig, TL_INHALE},
        {TL_BREATH, 3 * SEC, 11 * SEC, "sine 997 0.3 96000", TL_INHALE},
    };
    struct timeline *tl = make_tl(12 * SEC, evs, 2);
    struct mixer_options o;
    options(&o, true);
    float *y = mix(tl, &o);
    double sp = mix_clip_loudness(y + SEC / 4, (size_t)SEC * 3 / 2, RATE);
    /* 8 s inhale: the last 0.4 s before the 250 ms edge is within 0.25 dB
     * of the top. */
    double top = mix_clip_loudness(y + 11 * SEC - SEC * 3 / 4, (size_t)SEC * 2 / 5, RATE);
    print_message("speech %.2f, guide top %.2f LUFS\n", sp, top);
    assert_true(fabs(top - sp - MIXER_TONE_OFFSET_LU) <= 0.7);
    free(y);
    timeline_destroy(tl);
}

/* ---- breath guides ------------------------------------------------------- */

/* A guide lasts its whole phase, however long, repeating a tone shorter
 * than the phase: an inhale swell rises through its phase (each quarter
 * louder than the one before, the first already audible), an exhale swell
 * falls, a hold stays level; the guide stops exactly at the phase end.  In
 * `tone` mode every quarter of the phase is equally loud. */
static void test_guide_spans_phase(void **state)
{
    (void)state;
    const char *tone = "sine 330 0.3 24000"; /* 0.5 s loop: 165 whole cycles */
    struct ev evs[] = {
        {TL_BREATH, 1 * SEC, 5 * SEC, tone, TL_INHALE},
        {TL_BREATH, 5 * SEC, 11 * SEC, tone, TL_EXHALE},
        {TL_BREATH, 11 * SEC, 15 * SEC, tone, TL_HOLD_OUT},
    };
    for (int mode = 0; mode < 2; mode++) {
        struct timeline *tl = make_tl(17 * SEC, evs, 3);
        tl->guide = mode ? TL_GUIDE_TONE : TL_GUIDE_SWELL;
        struct mixer_options o;
        options(&o, false);
        float *y = mix(tl, &o);
        assert_true(y[SEC - 1] == 0.0f);
        assert_true(y[15 * SEC] == 0.0f && y[16 * SEC] == 0.0f);
        for (int k = 0; k < 3; k++) {
            int64_t s = tl->events[k].start, e = tl->events[k].end, q = (e - s) / 4;
            double db[4];
            for (int j = 0; j < 4; j++)
                db[j] = rms_db(y, s + j * q, s + (j + 1) * q);
            print_message("%s phase %d: %.1f %.1f %.1f %.1f dB\n", mode ? "tone" : "swell", k,
                          db[0], db[1], db[2], db[3]);
            for (int j = 0; j < 4; j++)
                assert_true(db[j] > -40.0); /* audible through the whole phase */
            bool rising = tl->events[k].phase == TL_INHALE && !mode;
            bool falling = tl->events[k].phase == TL_EXHALE && !mode;
            for (int j = 1; j < 4; j++) {
                if (rising)
                    assert_true(db[j] > db[j - 1] + 1.0);
                else if (falling)
                    assert_true(db[j] < db[j - 1] - 1.0);
                else if (j == 2) /* the middle quarters, away from the edges */
                    assert_true(fabs(db[j] - db[j - 1]) < 0.3);
            }
        }
        /* No click where the phases meet: the step between neighbouring
         * samples stays within a 330 Hz sine's own (2 pi f A / rate). */
        double worst = 0.0;
        for (int64_t t = SEC; t < 15 * SEC; t++) {
            double d = fabs((double)y[t + 1] - y[t]);
            worst = d > worst ? d : worst;
        }
        assert_true(worst <= 2 * PI * 330 * 0.3 / RATE * 1.05);
        free(y);
        timeline_destroy(tl);
    }
}

/* ---- the ambient bed ------------------------------------------------------ */

/* A bed (a 200 Hz sine, seamless in 1 s) under two spoken cues of silence,
 * so only the bed is heard: it is ducked by AMB_DUCK_DB (at least 10 dB)
 * over each whole cue, fully down when the cue starts and until it ends,
 * untouched before the attack and after the release, moving smoothly
 * (monotonically, in 10 ms steps) between; two cues 0.5 s apart are one
 * ducked stretch (no pumping between them); the bed fades in at the start
 * and out at the end; and a mixer that seeks into the middle gives the
 * same samples as one that played from the start (as `play` and `render`
 * do). */
static void test_ambience_ducking(void **state)
{
    (void)state;
    struct ev evs[] = {
        {TL_SPEECH, 10 * SEC, 0, "dc 0 96000", TL_INHALE},        /* 10..12 s */
        {TL_SPEECH, 12 * SEC + SEC / 2, 0, "dc 0 48000", TL_INHALE}, /* 12.5..13.5 s */
    };
    struct timeline *tl = make_tl(30 * SEC, evs, 2);
    tl->ambience = "sine 200 0.5 48000";
    struct mixer_options o;
    options(&o, false);
    float *y = mix(tl, &o);
    const int64_t att = (int64_t)RATE * AMB_ATTACK_MS / 1000;
    const int64_t rel = (int64_t)RATE * AMB_RELEASE_MS / 1000;
    double up = rms_db(y, 6 * SEC, 9 * SEC);
    double down = rms_db(y, 10 * SEC, 13 * SEC + SEC / 2);
    print_message("bed %.2f dB, under speech %.2f dB: ducked %.2f dB\n", up, down, up - down);
    assert_true(up - down >= 10.0);
    assert_true(fabs(up - down - AMB_DUCK_DB) < 0.1);
    /* Timing, in whole 200 Hz periods (240 frames). */
    assert_true(fabs(rms_db(y, 10 * SEC - att - 4800, 10 * SEC - att) - up) < 0.05);
    assert_true(fabs(rms_db(y, 10 * SEC, 10 * SEC + 4800) - down) < 0.05);
    assert_true(fabs(rms_db(y, 13 * SEC + SEC / 2 - 4800, 13 * SEC + SEC / 2) - down) < 0.05);
    assert_true(fabs(rms_db(y, 13 * SEC + SEC / 2 + rel, 13 * SEC + SEC / 2 + rel + 4800) - up) <
                0.05);
    /* Between the cues: still down. */
    assert_true(fabs(rms_db(y, 12 * SEC, 12 * SEC + SEC / 2) - down) < 0.05);
    /* Smooth: the level in 240-frame windows moves one way through the
     * attack and the other through the release. */
    double prev = 1e9;
    for (int64_t t = 10 * SEC - att; t + 240 <= 10 * SEC; t += 240) {
        double d = rms_db(y, t, t + 240);
        assert_true(d <= prev + 0.01);
        prev = d;
    }
    prev = -1e9;
    for (int64_t t = 13 * SEC + SEC / 2; t + 240 <= 13 * SEC + SEC / 2 + rel; t += 240) {
        double d = rms_db(y, t, t + 240);
        assert_true(d >= prev - 0.01);
        prev = d;
    }
    /* Fades at both ends. */
    assert_true(rms_db(y, 0, 240) < up - 30.0);
    assert_true(rms_db(y, 30 * SEC - 240, 30 * SEC) < up - 30.0);

    /* Seeking gives the same bed. */
    struct mixer *m;
    assert_int_equal(mixer_create(tl, NULL, &o, &m), AV_OK);
    assert_int_equal(mixer_seek(m, 9 * SEC + 123), AV_OK);
    float *z = malloc((size_t)(21 * SEC) * sizeof(float));
    size_t got;
    assert_int_equal(mixer_read_mono(m, z, (size_t)(20 * SEC), &got), AV_OK);
    assert_int_equal(got, (size_t)(20 * SEC));
    for (int64_t t = SEC / 10; t < 20 * SEC; t++) /* past the seek's fade-in */
        assert_true(z[t] == y[9 * SEC + 123 + t]);
    free(z);
    mixer_destroy(m);
    free(y);
    timeline_destroy(tl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_levels_by_role),
        cmocka_unit_test(test_guide_spans_phase),
        cmocka_unit_test(test_ambience_ducking),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
