/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_mixer_peak.c — gentle peak control of speech (src/mix/peakctl.h):
 * on a real espeak-ng clip it holds the true peak at its threshold, only
 * lowers the signal, and costs less than 1 LU of loudness; through the
 * mixer, every spoken cue of a real session lands at -16 LUFS +-1 with its
 * true peak under the master limiter's ceiling, so the limiter does not
 * act on speech alone.  Every figure is measured here with libebur128.
 * Also the limiter's detector computed once per clip (limiter.h), which
 * the search for the threshold reuses.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <ebur128.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "asanavox/compile.h"
#include "asanavox/config.h"
#include "asanavox/diag.h"
#include "asanavox/error.h"
#include "asanavox/mixer.h"
#include "asanavox/timeline.h"
#include "asanavox/voice.h"
#include "dsp/resample.h"
#include "mix/limiter.h"
#include "mix/peakctl.h"

#define RATE 48000
static const double PI_ = 3.14159265358979323846;

/* One voice for the whole run: espeak-ng 1.51 hangs in
 * espeak_ng_Terminate() the second time a process terminates it. */
static struct voice *the_voice;

static struct voice *voice(void)
{
    if (!the_voice) {
        assert_int_equal(voice_create(&the_voice), AV_OK);
        assert_int_equal(voice_configure(the_voice, VOICE_DEFAULT, VOICE_DEFAULT_SPEED), AV_OK);
    }
    return the_voice;
}

struct level {
    double lufs, tp_db;
};

/* Integrated loudness and true peak of a mono signal, by libebur128. */
static struct level measure(const float *x, size_t n, int rate)
{
    ebur128_state *st = ebur128_init(1, (unsigned long)rate, EBUR128_MODE_I | EBUR128_MODE_TRUE_PEAK);
    assert_non_null(st);
    assert_int_equal(ebur128_add_frames_float(st, x, n), EBUR128_SUCCESS);
    struct level l;
    double tp;
    assert_int_equal(ebur128_loudness_global(st, &l.lufs), EBUR128_SUCCESS);
    assert_int_equal(ebur128_true_peak(st, 0, &tp), EBUR128_SUCCESS);
    l.tp_db = 20.0 * log10(tp);
    ebur128_destroy(&st);
    return l;
}

/* A real clip: its peaks stand far out of its loudness (that is why the
 * control exists); after it, the true peak is at the threshold, and the
 * samples are only ever scaled down (same sign, no delay) by a smooth
 * gain.  With the threshold peakctl_speech_threshold() finds, the true
 * peak ends PEAKCTL_SPEECH_PLR_DB above the loudness after the control. */
static void test_real_clip(void **state)
{
    (void)state;
    const struct voice_clip *c;
    assert_int_equal(voice_synth(voice(),
                                 "Press both palms together, breathe in deeply, "
                                 "and keep your back tall and quiet.",
                                 &c),
                     AV_OK);
    const int rate = voice_native_rate(the_voice);
    size_t n = c->frames;
    assert_true(n > (size_t)rate * 2);
    float *x = malloc(n * sizeof(float)), *y = malloc(n * sizeof(float));
    assert_non_null(x);
    assert_non_null(y);
    for (size_t i = 0; i < n; i++)
        x[i] = y[i] = (float)c->samples[i] / 32768.0f;
    struct level before = measure(x, n, rate);
    print_message("before: %.2f LUFS, %.2f dBTP (PLR %.2f dB)\n", before.lufs, before.tp_db,
                  before.tp_db - before.lufs);
    assert_true(before.tp_db - before.lufs > PEAKCTL_SPEECH_PLR_DB + 1.0);

    const double thr_db = before.lufs + 13.0; /* any threshold under the peaks */
    assert_int_equal(peakctl_apply(y, n, rate, (float)pow(10.0, thr_db / 20.0)), AV_OK);
    struct level after = measure(y, n, rate);
    print_message("after: %.2f LUFS, %.2f dBTP (threshold %.2f dBTP)\n", after.lufs, after.tp_db,
                  thr_db);
    /* libebur128 interpolates with its own filter: 0.1 dB of slack. */
    assert_true(after.tp_db <= thr_db + 0.1);
    assert_true(after.lufs <= before.lufs + 0.01);
    for (size_t i = 0; i < n; i++) {
        assert_true(fabsf(y[i]) <= fabsf(x[i]));
        assert_true(y[i] * x[i] >= 0.0f);
    }
    /* A smooth gain: where the signal is well above the noise, the
     * gain (y / x) moves by less than 0.3 dB from one frame to the next. */
    double worst = 0.0;
    for (size_t i = 1; i < n; i++) {
        if (fabsf(x[i]) < 0.05f || fabsf(x[i - 1]) < 0.05f)
            continue;
        double step = fabs(20.0 * log10((double)y[i] / x[i]) - 20.0 * log10((double)y[i - 1] / x[i - 1]));
        worst = step > worst ? step : worst;
    }
    print_message("largest gain step: %.3f dB\n", worst);
    assert_true(worst < 0.3);

    /* The threshold searched for: the ratio holds after the control. */
    float thr;
    memcpy(y, x, n * sizeof(float));
    assert_int_equal(peakctl_speech_threshold(y, n, rate, NULL, &thr), AV_OK);
    assert_memory_equal(x, y, n * sizeof(float));
    assert_true(thr > 0.0f);
    assert_int_equal(peakctl_apply(y, n, rate, thr), AV_OK);
    after = measure(y, n, rate);
    print_message("searched: threshold %.2f dBTP; after: %.2f LUFS, %.2f dBTP (PLR %.2f dB)\n",
                  20.0 * log10(thr), after.lufs, after.tp_db, after.tp_db - after.lufs);
    assert_true(after.tp_db <= 20.0 * log10(thr) + 0.1);
    assert_true(fabs(after.tp_db - after.lufs - PEAKCTL_SPEECH_PLR_DB) <= 0.3);

    /* peakctl_speech(): the same threshold, the clip controlled in place
     * exactly as peakctl_apply() does, and the profile after the control,
     * which it derives without measuring again, agrees with libebur128's
     * measurement of the controlled clip (loud_profile()) within 0.05 LU
     * in integrated loudness and has the controlled clip's bin peaks. */
    float thr2;
    struct loud_profile derived, measured;
    float *z = malloc(n * sizeof(float)), *env = NULL;
    assert_non_null(z);
    memcpy(z, x, n * sizeof(float));
    assert_int_equal(peakctl_speech(z, n, rate, NULL, &thr2, &derived), AV_OK);
    assert_true(thr2 == thr);
    assert_memory_equal(z, y, n * sizeof(float));
    assert_int_equal(loud_profile(y, n, rate, NULL, &measured), AV_OK);
    assert_int_equal(derived.n, measured.n);
    assert_true(derived.bin_seconds == measured.bin_seconds);
    env = malloc(measured.n * sizeof(float));
    assert_non_null(env);
    double l_derived = loud_clip_lufs(&derived, 1.0, 0.0, env);
    double l_measured = loud_clip_lufs(&measured, 1.0, 0.0, env);
    print_message("profile after control: derived %.3f LUFS, measured %.3f LUFS\n", l_derived,
                  l_measured);
    assert_true(fabs(l_derived - l_measured) <= 0.05);
    for (size_t b = 0; b < measured.n; b++)
        assert_true(derived.peak[b] == measured.peak[b]);
    loud_profile_free(&derived);
    loud_profile_free(&measured);
    free(env);
    free(z);

    /* The mixer controls speech at the voice's rate and then resamples it
     * to the output rate (clipcache.c, peakctl_at_native()): at 48 kHz,
     * measured by libebur128 there, the true peak keeps to the threshold
     * within 0.3 dB, not 0.1: the detector's 4x interpolation at 22.05 kHz
     * reads peaks of content near 11 kHz low (on 562 controlled cues of
     * the library, 10 went over by more than 0.1 dB, at most 0.26 dB;
     * this one by 0.05 dB), and the ratio holds within 0.3 dB. */
    {
        size_t n48 = (size_t)voice_frames_at(n, rate, RATE);
        float *r = malloc(n48 * sizeof(float));
        assert_non_null(r);
        assert_int_equal(dsp_resample(y, n, rate, RATE, r, n48), AV_OK);
        struct level at48 = measure(r, n48, RATE);
        print_message("resampled to %d Hz: %.2f LUFS, %.2f dBTP (threshold %.2f dBTP, "
                      "PLR %.2f dB)\n",
                      RATE, at48.lufs, at48.tp_db, 20.0 * log10(thr), at48.tp_db - at48.lufs);
        assert_true(at48.tp_db <= 20.0 * log10(thr) + 0.3);
        assert_true(fabs(at48.tp_db - at48.lufs - PEAKCTL_SPEECH_PLR_DB) <= 0.3);
        free(r);
    }

    /* A threshold above the clip's peaks leaves it exactly as it was. */
    memcpy(y, x, n * sizeof(float));
    assert_int_equal(peakctl_apply(y, n, rate, (float)pow(10.0, (before.tp_db + 1.0) / 20.0)),
                     AV_OK);
    assert_memory_equal(x, y, n * sizeof(float));
    free(x);
    free(y);
}

/* The limiter's detector alone (limiter_true_peaks(), which peak control
 * computes once per clip): each value is the largest of |x| at the frame
 * and the three interpolated values after it, by the taps limiter.h
 * describes, summed here plainly; and limiting with those values
 * (limiter_run_peaks()) gives the samples limiter_run() gives, block by
 * block, on a signal with loud and quiet stretches. */
static void test_detector_values(void **state)
{
    (void)state;
    enum { N = 20000, BLK = 1024 };
    struct limiter l;
    assert_int_equal(limiter_init(&l, RATE, -6.0, true, BLK), AV_OK);
    const size_t la = (size_t)l.la, count = N + la - 1;
    float *x = calloc(LIM_TP_HALF + count + LIM_TP_HALF, sizeof(float));
    float *tp = malloc(count * sizeof(float));
    float *y1 = malloc(N * sizeof(float)), *y2 = malloc(N * sizeof(float));
    assert_non_null(x);
    assert_non_null(tp);
    assert_non_null(y1);
    assert_non_null(y2);
    uint32_t r = 12345;
    for (size_t i = 0; i < N; i++) {
        r = r * 1664525u + 1013904223u;
        double noise = (double)(r >> 8) / (double)(1u << 24) - 0.5;
        /* silence first (a stream starts from silence: the limiter's
         * look-ahead has no past to lower), then loud and quiet */
        double env = i < 1000 ? 0.0 : (i / 3000) % 2 ? 0.05 : 1.0;
        x[LIM_TP_HALF + i] = (float)(env * (0.8 * sin(0.7 * (double)i) + noise));
    }
    limiter_true_peaks(&l, x, count, tp);
    for (size_t s = 0; s < count; s++) {
        float want = fabsf(x[s + LIM_TP_HALF]);
        for (int ph = 0; ph < 3; ph++) {
            float acc = 0.0f;
            for (int i = 0; i < LIM_TP_TAPS; i++)
                acc += l.tp_coef[ph][i] * x[s + 1 + i];
            want = fabsf(acc) > want ? fabsf(acc) : want;
        }
        assert_true(tp[s] == want);
    }
    for (size_t t = 0; t < N; t += BLK)
        limiter_run(&l, x + t, N - t < BLK ? N - t : BLK, y1 + t);
    limiter_reset(&l);
    for (size_t t = 0; t < N; t += BLK)
        limiter_run_peaks(&l, x + LIM_TP_HALF + t, tp + t, N - t < BLK ? N - t : BLK, y2 + t);
    assert_memory_equal(y1, y2, N * sizeof(float));
    float top = 0.0f;
    for (size_t i = 0; i < N; i++)
        top = fabsf(y1[i]) > top ? fabsf(y1[i]) : top;
    /* The limiter did act (the input reaches 1.3), and its sample peaks
     * keep to the ceiling but for the float rounding of the gain. */
    print_message("detector: limited to %.6f (ceiling %.6f)\n", top, l.ceiling);
    assert_true(top <= l.ceiling * 1.0001f);
    limiter_deinit(&l);
    free(x);
    free(tp);
    free(y1);
    free(y2);
}

/* Through the mixer: a session of cues alone (no bells, no breath
 * guides), spoken by `voice_line`'s voice.  Each cue measures -16 LUFS
 * +-1 and peaks below the master limiter's ceiling; so the limiter is left
 * nothing to do.  And each cue's true peak, at the output rate, is at
 * most 0.3 dB over where the peak control put it, PEAKCTL_SPEECH_PLR_DB
 * above the target: the search's 0.1 dB and, for espeak-ng's clips,
 * controlled at 22.05 kHz and then resampled (peakctl_at_native()), up to
 * 0.26 dB more at 48 kHz (the last cue here: 0.21 dB); flite's 16 kHz
 * voices are resampled first and controlled at 48 kHz, since at 16 kHz
 * they would go up to 0.71 dB over. */
static void session_cues(const char *voice_line)
{
    char path[] = "/tmp/asanavox-peak-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    static const char text[] =
        "title: Peaks\n"
        "say Press both palms together and breathe in deeply.\n"
        "rest 2s\n"
        "say Keep your back tall, and let the shoulders drop.\n"
        "rest 2s\n"
        "say Tip the pelvis back, then pull the belly in.\n"
        "rest 2s\n"
        "say Stretch both arms up, and reach past the fingertips.\n"
        "rest 2s\n"
        /* at 48 kHz, 0.2 dB over for espeak-ng (controlled at 22.05
         * kHz); flite's kal16 controlled at its own 16 kHz would be 0.4 dB
         * over */
        "say Locust. Two of four. Breathe out and lift.\n";
    size_t vl = strlen(voice_line);
    assert_int_equal(write(fd, voice_line, vl), (ssize_t)vl);
    assert_int_equal(write(fd, text, sizeof text - 1), (ssize_t)(sizeof text - 1));
    close(fd);

    struct compile_env env;
    compile_env_default(&env, voice());
    struct compile_options co;
    compile_options_init(&co);
    struct diag *d = diag_create();
    struct timeline *tl = NULL;
    int err = compile_session(path, &co, &env, d, &tl);
    if (err)
        diag_print(d, stderr);
    diag_destroy(d);
    unlink(path);
    assert_int_equal(err, AV_OK);

    struct mixer_options o;
    mixer_options_init(&o);
    o.channels = 1;
    struct mixer *m;
    assert_int_equal(mixer_create(tl, the_voice, &o, &m), AV_OK);
    float *y = malloc((size_t)tl->duration * sizeof(float));
    assert_non_null(y);
    size_t got, done = 0;
    while (mixer_read_mono(m, y + done, 4096, &got) == AV_OK && got)
        done += got;
    assert_int_equal(done, tl->duration);
    mixer_destroy(m);
    int cues = 0;
    const double held = MIXER_TARGET_LUFS + PEAKCTL_SPEECH_PLR_DB;
    for (size_t i = 0; i < tl->n_events; i++) {
        const struct tl_event *e = &tl->events[i];
        if (!e->text)
            continue;
        struct level l = measure(y + e->start, (size_t)(e->end - e->start), RATE);
        print_message("%.*s\"%s\": %.2f LUFS, %.2f dBTP\n", (int)(vl ? vl - 1 : 0), voice_line, e->text, l.lufs, l.tp_db);
        assert_true(fabs(l.lufs - MIXER_TARGET_LUFS) <= 1.0);
        assert_true(l.tp_db <= MIXER_CEILING_DBTP - 0.5);
        assert_true(l.tp_db <= held + 0.3);
        cues++;
    }
    assert_true(cues >= 4);
    free(y);
    timeline_destroy(tl);
}

/* The true peak after control is at the threshold (within libebur128's
 * 0.1 dB of slack) and PEAKCTL_SPEECH_PLR_DB above the loudness, for a
 * clip of `rate` peakctl_speech() controls. */
static float check_controlled(const char *what, const float *x, size_t n, int rate)
{
    float *y = malloc(n * sizeof(float));
    assert_non_null(y);
    memcpy(y, x, n * sizeof(float));
    float thr;
    struct loud_profile p;
    assert_int_equal(peakctl_speech(y, n, rate, NULL, &thr, &p), AV_OK);
    loud_profile_free(&p);
    /* The loudness as the mixer measures clips (loudness.h: on a clip
     * under 2 s it reads up to a few tenths of a LU above libebur128's
     * integrated loudness), measured again on the controlled clip. */
    struct loud_profile m;
    assert_int_equal(loud_profile(y, n, rate, NULL, &m), AV_OK);
    float *env = malloc((m.n ? m.n : 1) * sizeof(float));
    assert_non_null(env);
    double lufs = loud_clip_lufs(&m, 1.0, 0.0, env);
    free(env);
    loud_profile_free(&m);
    struct level before = measure(x, n, rate), after = measure(y, n, rate);
    print_message("%s: before %.2f dBTP (PLR %.2f dB); threshold %.2f dBTP; after %.2f dBTP "
                  "(PLR %.2f dB)\n",
                  what, before.tp_db, before.tp_db - before.lufs, 20.0 * log10(thr), after.tp_db,
                  after.tp_db - lufs);
    assert_true(thr > 0.0f);
    assert_true(after.tp_db <= 20.0 * log10(thr) + 0.1);
    assert_true(fabs(after.tp_db - lufs - PEAKCTL_SPEECH_PLR_DB) <= 0.2);
    for (size_t i = 0; i < n; i++)
        assert_true(fabsf(y[i]) <= fabsf(x[i]) && y[i] * x[i] >= 0.0f);
    free(y);
    return thr;
}

/* A peak in a clip's first 5 ms (the limiter's look-ahead): espeak-ng's
 * clips open with a click about 2 ms in, far over this one's threshold.
 * The limiter's attack averages the gain of the frames before, which a
 * fresh limiter took as 1, so the click was lowered only in part: 3.6 dB
 * over the threshold before the control ran from silence before the clip
 * (peakctl.c). */
static void test_start_peak(void **state)
{
    (void)state;
    const struct voice_clip *c;
    assert_int_equal(voice_synth(voice(), "Out, two, three, four.", &c), AV_OK);
    const int rate = voice_native_rate(the_voice);
    size_t n = c->frames;
    float *x = malloc(n * sizeof(float)), start = 0.0f;
    assert_non_null(x);
    for (size_t i = 0; i < n; i++) {
        x[i] = (float)c->samples[i] / 32768.0f;
        if (i < (size_t)rate / 200)
            start = fabsf(x[i]) > start ? fabsf(x[i]) : start;
    }
    float thr = check_controlled("start peak", x, n, rate);
    print_message("largest sample of the first 5 ms: %.2f dB over the threshold\n",
                  20.0 * log10((double)start / thr));
    assert_true(start > thr * 1.5f);
    free(x);
}

/* A clip whose sample peak is within the ratio but whose true peak is
 * not: a soft 100 Hz tone with a 0.4 ms burst at a quarter of the rate,
 * sampled 45 degrees off its crests (the samples 3 dB under its peak),
 * at a zero crossing of the tone.
 * The control used to skip any clip whose sample peak was 1 dB within
 * the ratio. */
static void test_intersample_peak(void **state)
{
    (void)state;
    const int rate = 22050;
    const size_t n = (size_t)rate * 3, burst = (size_t)rate / 2, len = 8;
    float *x = malloc(n * sizeof(float));
    assert_non_null(x);
    for (size_t i = 0; i < n; i++)
        x[i] = 0.05f * (float)sin(2.0 * PI_ * 100.0 * (double)i / rate);
    for (size_t i = burst; i < burst + len; i++)
        x[i] += 0.15f * (float)sin(PI_ / 2.0 * (double)(i - burst) + PI_ / 4.0);
    struct level l = measure(x, n, rate);
    float sample_peak = 0.0f;
    for (size_t i = 0; i < n; i++)
        sample_peak = fabsf(x[i]) > sample_peak ? fabsf(x[i]) : sample_peak;
    double sample_plr = 20.0 * log10(sample_peak) - l.lufs;
    print_message("sample peak %.2f dB over the loudness, true peak %.2f dB\n", sample_plr,
                  l.tp_db - l.lufs);
    assert_true(sample_plr <= PEAKCTL_SPEECH_PLR_DB - 1.0);
    assert_true(l.tp_db - l.lufs >= PEAKCTL_SPEECH_PLR_DB + 0.5);
    check_controlled("intersample peak", x, n, rate);
    free(x);
}

static void test_session_cues(void **state)
{
    (void)state;
    session_cues("");
#ifdef ASANAVOX_HAVE_FLITE
    session_cues("voice: flite:kal16\n");
    session_cues("voice: flite:slt\n");
#endif
}

static int teardown(void **state)
{
    (void)state;
    voice_destroy(the_voice);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_detector_values),
        cmocka_unit_test(test_real_clip),
        cmocka_unit_test(test_start_peak),
        cmocka_unit_test(test_intersample_peak),
        cmocka_unit_test(test_session_cues),
    };
    return cmocka_run_group_tests(tests, NULL, teardown);
}
