/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_library.c — every session in sessions/ is clean and renders.
 *
 * For each session file in sessions/: it compiles with real speech lengths and no
 * diagnostics at all (no warnings either), and its render — at 8 kHz mono
 * to keep the test quick — is a WAV file exactly as long as the plan says,
 * to the frame.  One voice serves every session (espeak-ng starts once per
 * process).
 *
 * Where sound must be is worked out here independently of the plan's
 * clip ends and of the mixer: each event's clip lasts as long as
 * espeak-ng's samples for its text, or its sound file as libsndfile reads
 * it, converted to 8 kHz.  Every clip must be audible in its span, every
 * sample outside all spans must be exactly zero, and each clip's source,
 * resampled here by libsoxr's one-call API at its low quality (not by the
 * mixer's resampler, whose alignment test_mixer checks against exact
 * sines), must correlate with the render best at its planned frame
 * (within 2 frames) — so a silent render, a clip in the wrong place or cut
 * short, or one that runs on fails.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <math.h>
#include <soxr.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "asanavox/compile.h"
#include "asanavox/diag.h"
#include "asanavox/error.h"
#include "asanavox/mixer.h"
#include "asanavox/render.h"
#include "asanavox/sink.h"
#include "asanavox/timeline.h"
#include "asanavox/voice.h"

enum { RATE = 8000 };

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A clip's length at RATE, from its source (speech: the voice's samples;
 * a sound: the file's frames), rounded up, or -1. */
static int64_t source_frames(struct voice *voice, const struct tl_event *e)
{
    if (e->text && *e->text) {
        const struct voice_clip *vc;
        if (voice_synth(voice, e->text, &vc) != AV_OK)
            return -1;
        int native = voice_native_rate(voice);
        return ((int64_t)vc->frames * RATE + native - 1) / native;
    }
    if (e->sound && e->kind == TL_BREATH)
        return e->end - e->start; /* a breath guide lasts its phase (mixer.h) */
    if (e->sound) {
        SF_INFO info = {0};
        SNDFILE *f = sf_open(e->sound, SFM_READ, &info);
        if (!f)
            return -1;
        sf_close(f);
        return ((int64_t)info.frames * RATE + info.samplerate - 1) / info.samplerate;
    }
    return 0;
}

/* The clip's source at RATE (mono float), made here; NULL if none. */
static float *source_at_rate(struct voice *voice, const struct tl_event *e, int64_t len)
{
    float *in = NULL;
    long frames = 0;
    int rate = 0;
    if (e->text && *e->text) {
        const struct voice_clip *vc;
        if (voice_synth(voice, e->text, &vc) != AV_OK)
            return NULL;
        rate = voice_native_rate(voice);
        frames = (long)vc->frames;
        in = malloc((size_t)(frames ? frames : 1) * sizeof(float));
        for (long i = 0; in && i < frames; i++)
            in[i] = vc->samples[i] / 32768.0f;
    } else if (e->sound) {
        SF_INFO info = {0};
        SNDFILE *f = sf_open(e->sound, SFM_READ, &info);
        if (!f)
            return NULL;
        rate = info.samplerate;
        frames = (long)info.frames;
        float *all = malloc((size_t)(frames ? frames : 1) * (size_t)info.channels * sizeof(float));
        in = malloc((size_t)(frames ? frames : 1) * sizeof(float));
        if (all && in && sf_readf_float(f, all, frames) == frames)
            for (long i = 0; i < frames; i++)
                in[i] = all[i * info.channels];
        free(all);
        sf_close(f);
    }
    if (!in)
        return NULL;
    /* A breath guide repeats its tone over the phase: the source is the
     * file tiled to the phase's length (its swell or fade is a slow gain,
     * which the correlation does not mind). */
    bool guide = e->sound && e->kind == TL_BREATH;
    int64_t file_len = guide ? ((int64_t)frames * RATE + rate - 1) / rate : len;
    float *out = calloc((size_t)(len > file_len ? len : file_len) + 64, sizeof(float));
    size_t made = 0;
    soxr_error_t err = soxr_oneshot(rate, RATE, 1, in, (size_t)frames, NULL, out,
                                    (size_t)file_len + 64, &made, NULL, NULL, NULL);
    free(in);
    if (err) {
        free(out);
        return NULL;
    }
    for (int64_t k = file_len; guide && k < len; k++)
        out[k] = out[k % file_len];
    /* ... and shaped as documented (mixer.h, guide.h): the library's
     * sessions use the default swell, rising through the inhale, falling
     * through the exhale; a hold is level; 250 ms edges. */
    for (int64_t k = 0; guide && k < len; k++) {
        const double pi = 3.14159265358979323846;
        double u = ((double)k + 0.5) / (double)len, g = 1.0;
        if (e->phase == TL_INHALE)
            g = sin(0.5 * pi * u) * sin(0.5 * pi * u);
        else if (e->phase == TL_EXHALE)
            g = cos(0.5 * pi * u) * cos(0.5 * pi * u);
        int64_t edge = RATE / 4 < len / 4 ? RATE / 4 : len / 4;
        int64_t near = k < len - 1 - k ? k : len - 1 - k;
        if (near < edge)
            g *= sin(0.5 * pi * ((double)near + 0.5) / (double)edge) *
                 sin(0.5 * pi * ((double)near + 0.5) / (double)edge);
        out[k] *= (float)g;
    }
    return out;
}

/* Normalised correlation of pcm[at ..] with ref[0 .. len), over the
 * frames where only this clip plays (solo[start + k]). */
static double correlate(const int16_t *pcm, int64_t n, int64_t at, const float *ref, int64_t len,
                        const unsigned char *solo, int64_t start)
{
    double xy = 0, xx = 0, yy = 0;
    for (int64_t k = 0; k < len; k++) {
        if (start + k >= n || !solo[start + k])
            continue;
        int64_t t = at + k;
        double x = t >= 0 && t < n ? pcm[t] / 32768.0 : 0.0;
        xy += x * ref[k];
        xx += x * x;
        yy += (double)ref[k] * ref[k];
    }
    return xx > 0 && yy > 0 ? xy / sqrt(xx * yy) : 0.0;
}

/* Check the rendered samples against the clips' spans (see the top). */
static void check_placement(const char *name, struct voice *voice, const struct timeline *tl,
                            const int16_t *pcm, int64_t n)
{
    enum { SLACK = 2 }; /* frames of rounding at each end of a span */
    unsigned char *covered = calloc((size_t)n, 1);
    assert_non_null(covered);
    size_t clips = 0;
    /* How many clips sound at each frame: solo frames are those with one. */
    for (size_t i = 0; i < tl->n_events; i++) {
        int64_t len = source_frames(voice, &tl->events[i]);
        for (int64_t t = tl->events[i].start - SLACK;
             len > 0 && t < tl->events[i].start + len + SLACK && t < n; t++)
            if (t >= 0 && covered[t] < 2)
                covered[t]++;
    }
    unsigned char *solo = calloc((size_t)n, 1);
    assert_non_null(solo);
    for (int64_t t = 0; t < n; t++)
        solo[t] = covered[t] == 1;
    for (size_t i = 0; i < tl->n_events; i++) {
        const struct tl_event *e = &tl->events[i];
        int64_t len = source_frames(voice, e);
        assert_true(len >= 0);
        if (len == 0)
            continue;
        clips++;
        int64_t a = e->start - SLACK, b = e->start + len + SLACK;
        if (a < 0)
            a = 0;
        if (b > n)
            b = n;
        int peak = 0;
        for (int64_t t = a; t < b; t++) {
            covered[t] = 1;
            int v = abs(pcm[t]);
            peak = v > peak ? v : peak;
        }
        if (peak < 300) /* about -40 dBFS */
            fail_msg("%s: event %zu at frame %lld (%s) is silent", name, i, (long long)e->start,
                     e->text ? e->text : e->sound);
        int64_t alone = 0;
        for (int64_t t = e->start; t < e->start + len && t < n; t++)
            alone += solo[t];
        if (alone < len / 4)
            continue; /* mostly under other clips: presence is all we check */
        float *ref = source_at_rate(voice, e, len);
        assert_non_null(ref);
        int best_lag = 0;
        double best = -2.0;
        for (int lag = -24; lag <= 24; lag++) {
            double c = correlate(pcm, n, e->start + lag, ref, len, solo, e->start);
            if (c > best) {
                best = c;
                best_lag = lag;
            }
        }
        free(ref);
        if (best < 0.8 || best_lag < -SLACK || best_lag > SLACK)
            fail_msg("%s: event %zu (%s) matches its source best %d frames off (r = %.3f)", name,
                     i, e->text ? e->text : e->sound, best_lag, best);
    }
    assert_true(clips > 0);
    for (int64_t t = 0; t < n; t++)
        if (!covered[t] && pcm[t] != 0)
            fail_msg("%s: sound at frame %lld (%d), where no clip plays", name, (long long)t,
                     pcm[t]);
    free(covered);
    free(solo);
}

static void every_session_renders_to_its_planned_length(void **state)
{
    (void)state;
    DIR *dir = opendir(TEST_SOURCE_DIR "/sessions");
    assert_non_null(dir);
    char *names[64];
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(dir)) && n < 64) {
        size_t len = strlen(de->d_name);
        if (len > 5 && !strcmp(de->d_name + len - 5, ".yoga"))
            names[n++] = strdup(de->d_name);
    }
    closedir(dir);
    qsort(names, n, sizeof(names[0]), by_name);
    /* The library of issues 5 and 17: at least eighteen sessions. */
    assert_true(n >= 18);
    /* ASANAVOX_LIBRARY_SHARD=K/N renders only the sessions K, K+N, K+2N...
     * (from 1), so that ctest runs the library as N tests side by side
     * (tests/CMakeLists.txt) instead of one long one. */
    size_t shard = 0, shards = 1;
    const char *sh = getenv("ASANAVOX_LIBRARY_SHARD");
    if (sh) {
        unsigned k = 0, m = 0;
        assert_int_equal(sscanf(sh, "%u/%u", &k, &m), 2);
        assert_true(k >= 1 && k <= m);
        shard = k - 1;
        shards = m;
    }

    struct voice *voice = NULL;
    assert_int_equal(voice_create(&voice), AV_OK);
    struct compile_env env;
    compile_env_default(&env, voice);
    char tmpdir[] = "/tmp/asanavox-library-XXXXXX";
    assert_non_null(mkdtemp(tmpdir));

    for (size_t i = shard; i < n; i += shards) {
        char path[512], out[512];
        snprintf(path, sizeof path, "%s/sessions/%s", TEST_SOURCE_DIR, names[i]);
        snprintf(out, sizeof out, "%s/%s.wav", tmpdir, names[i]);
        struct compile_options o;
        compile_options_init(&o);
        o.rate = RATE;
        struct diag *d = diag_create();
        struct timeline *tl = NULL;
        int err = compile_session(path, &o, &env, d, &tl);
        if (err || diag_count(d)) {
            fprintf(stderr, "%s:\n", names[i]);
            diag_print(d, stderr);
        }
        assert_int_equal(err, AV_OK);
        assert_int_equal(diag_count(d), 0);
        diag_destroy(d);
        /* Every library session starts and ends with a bell, has a title,
         * an about line and safety advice. */
        assert_int_equal(tl->steps[0].kind, TL_STEP_BELL);
        assert_int_equal(tl->steps[tl->n_steps - 1].kind == TL_STEP_BELL ||
                             tl->steps[tl->n_steps - 2].kind == TL_STEP_BELL,
                         1);
        assert_true(tl->about[0] != '\0');
        assert_int_equal(tl->steps[1].kind, TL_STEP_SAY); /* title + safety */

        struct mixer_options mo;
        mixer_options_init(&mo);
        mo.channels = 1;
        struct mixer *m = NULL;
        assert_int_equal(mixer_create(tl, voice, &mo, &m), AV_OK);
        struct sink *s = NULL;
        assert_int_equal(sink_create(&sink_file_ops, &s), AV_OK);
        struct sink_params p = {.rate = RATE, .channels = 1, .format = SINK_FORMAT_WAV,
                                .frames = tl->duration};
        assert_int_equal(sink_open(s, out, &p), AV_OK);
        err = render_run(m, s, NULL, NULL);
        if (err)
            fprintf(stderr, "%s: %s %s %s\n", names[i], av_strerror(err), sink_message(s),
                    mixer_error_detail(m));
        assert_int_equal(err, AV_OK);
        sink_destroy(s);
        mixer_destroy(m);

        SF_INFO info = {0};
        SNDFILE *f = sf_open(out, SFM_READ, &info);
        assert_non_null(f);
        int16_t *pcm = malloc((size_t)(info.frames ? info.frames : 1) * sizeof(int16_t));
        assert_non_null(pcm);
        assert_int_equal(sf_readf_short(f, pcm, info.frames), info.frames);
        sf_close(f);
        assert_int_equal(info.samplerate, RATE);
        assert_int_equal(info.channels, 1);
        if (info.frames != tl->duration)
            fprintf(stderr, "%s: %lld frames, plan says %lld\n", names[i], (long long)info.frames,
                    (long long)tl->duration);
        assert_int_equal(info.frames, tl->duration);
        check_placement(names[i], voice, tl, pcm, info.frames);
        free(pcm);
        unlink(out);
        timeline_destroy(tl);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    rmdir(tmpdir);
    voice_destroy(voice);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_session_renders_to_its_planned_length),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
