/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_sound.c — the shipped sounds and the module that reads them.
 *
 * Two halves: the files in sounds/ (they load, they have the lengths,
 * levels and shapes the generator promises, bells do not click and ring
 * out with gentle beating, the loops have no seam, the inhale guide sits
 * above the exhale guide) and sound.c itself on files written here
 * (length contract across rates and odd sizes, stereo mix-down, resampled
 * content lines up in time, errors for missing and non-audio files).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sndfile.h>

#include "asanavox/error.h"
#include "asanavox/sound.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

#define SOUNDS_DIR TEST_SOURCE_DIR "/sounds/"

static const int rates[] = {48000, 44100, 22050, 16000};
enum { NRATES_ALL = sizeof rates / sizeof rates[0] };

/* How many of a list of rates to use: all, or the first `n` with
 * ASANAVOX_SOUND_RATES=n.  ./dev sets 2 under valgrind: 48000 (the file as
 * it is) and 44100 (resampled) run every code path of sound.c, and the
 * other rates only run the resampler longer, which takes most of this
 * suite's time there (all the rates ran before, plain and under ASan). */
static size_t rates_used(size_t all)
{
    const char *e = getenv("ASANAVOX_SOUND_RATES");
    int n = e ? atoi(e) : 0;
    return n >= 2 && (size_t)n < all ? (size_t)n : all;
}
#define NRATES rates_used(NRATES_ALL)

struct shipped {
    const char *name;
    double min_s, max_s;  /* expected duration range, seconds */
    double peak_dbfs;     /* intended peak */
    int is_loop;          /* a guide or a bed: repeats seamlessly, no edges */
};

static const struct shipped shipped[] = {
    {"bowl.wav", 8.5, 9.0, -3.0, 0},
    {"chime.wav", 4.0, 5.0, -6.0, 0},
    {"inhale.wav", 4.0, 4.0, -9.0, 1},
    {"exhale.wav", 4.0, 4.0, -9.0, 1},
    {"hold.wav", 4.0, 4.0, -9.0, 1},
    {"ocean.wav", 16.0, 16.0, -6.0, 1},
    {"rain.wav", 16.0, 16.0, -6.0, 1},
    {"drone.wav", 16.0, 16.0, -6.0, 1},
};
enum { NSHIPPED = sizeof shipped / sizeof shipped[0] };

/* ---- helpers ---------------------------------------------------------- */

static void shipped_path(char *buf, size_t size, const char *name)
{
    int n = snprintf(buf, size, "%s%s", SOUNDS_DIR, name);
    assert_true(n > 0 && (size_t)n < size);
}

static struct sound *load_ok(const char *path, int rate)
{
    struct sound *s = NULL;
    int err = sound_load(path, rate, &s);
    if (err)
        fail_msg("%s at %d: %s", path, rate, av_strerror(err));
    assert_non_null(s);
    assert_non_null(s->samples);
    assert_int_equal(s->rate, rate);
    return s;
}

static struct sound *load_shipped(const char *name, int rate)
{
    char path[1024];
    shipped_path(path, sizeof path, name);
    return load_ok(path, rate);
}

static double peak_of(const float *x, size_t n)
{
    double p = 0.0;
    for (size_t i = 0; i < n; i++)
        if (fabs(x[i]) > p)
            p = fabs(x[i]);
    return p;
}

static double rms_db(const float *x, size_t from, size_t to)
{
    double sum = 0.0;
    for (size_t i = from; i < to; i++)
        sum += (double)x[i] * x[i];
    double rms = sqrt(sum / (double)(to - from));
    return 20.0 * log10(rms > 1e-12 ? rms : 1e-12);
}

/* Pitch of a near-sine from its zero-crossing rate over [from, to):
 * two sign changes per period; exact zeros do not count as a sign. */
static double zcr_hz(const float *x, size_t from, size_t to, int rate)
{
    int last = 0;
    size_t crossings = 0;
    for (size_t i = from; i < to; i++) {
        int sign = x[i] > 0.0f ? 1 : x[i] < 0.0f ? -1 : 0;
        if (sign == 0)
            continue;
        if (last != 0 && sign != last)
            crossings++;
        last = sign;
    }
    return (double)crossings / 2.0 / ((double)(to - from) / rate);
}

/* Spectral centroid (Hz) of a Hann-windowed stretch of `len` frames from
 * `from`, by a plain DFT: slow but short and obviously right. */
static double centroid_hz(const float *x, size_t from, size_t len, int rate)
{
    double num = 0.0, den = 0.0;
    for (size_t k = 1; k < len / 2; k++) {
        double re = 0.0, im = 0.0;
        double w = 2.0 * M_PI * (double)k / (double)len;
        for (size_t i = 0; i < len; i++) {
            double hann = 0.5 - 0.5 * cos(2.0 * M_PI * (double)i / (double)len);
            double v = hann * x[from + i];
            re += v * cos(w * (double)i);
            im -= v * sin(w * (double)i);
        }
        double mag = sqrt(re * re + im * im);
        num += mag * (double)k * rate / (double)len;
        den += mag;
    }
    return den > 0.0 ? num / den : 0.0;
}

static int64_t ceil_div(int64_t a, int64_t b)
{
    return (a + b - 1) / b;
}

/* Write `frames` interleaved float frames to `path`. */
static void write_sound(const char *path, int rate, int channels, int format,
                        const float *data, size_t frames)
{
    SF_INFO info;
    memset(&info, 0, sizeof info);
    info.samplerate = rate;
    info.channels = channels;
    info.format = format;
    SNDFILE *sf = sf_open(path, SFM_WRITE, &info);
    if (!sf)
        fail_msg("cannot write %s: %s", path, sf_strerror(NULL));
    assert_int_equal(sf_writef_float(sf, data, (sf_count_t)frames), (sf_count_t)frames);
    assert_int_equal(sf_close(sf), 0);
}

static void write_text(const char *path, const char *text, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

/* A fresh scratch directory per test, removed afterwards with whatever the
 * test put in it (files only). */
static int scratch_setup(void **state)
{
    char *dir = malloc(1024);
    if (!dir)
        return -1;
    snprintf(dir, 1024, "%s/test-sound-XXXXXX", TEST_BINARY_DIR);
    if (!mkdtemp(dir)) {
        free(dir);
        return -1;
    }
    *state = dir;
    return 0;
}

static int scratch_teardown(void **state)
{
    char *dir = *state;
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char path[2048];
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            unlink(path);
        }
        closedir(d);
    }
    rmdir(dir);
    free(dir);
    return 0;
}

static void scratch_path(char *buf, size_t size, void **state, const char *name)
{
    int n = snprintf(buf, size, "%s/%s", (const char *)*state, name);
    assert_true(n > 0 && (size_t)n < size);
}

/* ---- the shipped sounds ----------------------------------------------- */

/* Every shipped sound is a 48 kHz mono 16-bit WAV of the intended length,
 * loads at every common rate, and the loaded length is the documented
 * ceil(frames * rate / file_rate), equal to sound_frames_at(). */
static void test_shipped_load_at_all_rates(void **state)
{
    (void)state;
    for (size_t k = 0; k < NSHIPPED; k++) {
        char path[1024];
        shipped_path(path, sizeof path, shipped[k].name);

        SF_INFO info;
        memset(&info, 0, sizeof info);
        SNDFILE *sf = sf_open(path, SFM_READ, &info);
        if (!sf)
            fail_msg("%s: %s", path, sf_strerror(NULL));
        sf_close(sf);
        assert_int_equal(info.samplerate, 48000);
        assert_int_equal(info.channels, 1);
        assert_int_equal(info.format, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
        double seconds = (double)info.frames / info.samplerate;
        if (seconds < shipped[k].min_s || seconds > shipped[k].max_s)
            fail_msg("%s lasts %.3f s, expected %.1f..%.1f", shipped[k].name,
                     seconds, shipped[k].min_s, shipped[k].max_s);

        for (size_t r = 0; r < NRATES; r++) {
            int64_t frames = -1;
            assert_int_equal(sound_frames_at(path, rates[r], &frames), AV_OK);
            assert_int_equal(frames, ceil_div((int64_t)info.frames * rates[r],
                                              info.samplerate));
            struct sound *s = load_ok(path, rates[r]);
            assert_int_equal((int64_t)s->frames, frames);
            sound_destroy(s);
        }
    }
}

/* No clicks: every one-shot sound starts and ends at (near) zero at every
 * rate. */
static void test_shipped_no_clicks(void **state)
{
    (void)state;
    for (size_t k = 0; k < NSHIPPED; k++) {
        if (shipped[k].is_loop)
            continue;
        for (size_t r = 0; r < NRATES; r++) {
            struct sound *s = load_shipped(shipped[k].name, rates[r]);
            const float *x = s->samples;
            size_t n = s->frames;
            if (fabsf(x[0]) >= 1e-3f || fabsf(x[n - 1]) >= 1e-3f)
                fail_msg("%s at %d: first %g last %g", shipped[k].name,
                         rates[r], x[0], x[n - 1]);
            /* The attack is a ramp: the first millisecond stays small. */
            size_t ms = (size_t)rates[r] / 1000;
            assert_true(peak_of(x, ms) < 0.05);
            assert_true(peak_of(x + n - ms, ms) < 0.01);
            sound_destroy(s);
        }
    }
}

/* Loops have no seam: the step from the last sample back to the first is
 * within the signal's normal range, i.e. no larger than the largest step
 * between neighbours in 99.9 % of the loop (a click would be far above
 * it); and the frames around the loop point have the loudness of the
 * rest (no fade hiding a seam). */
static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

static void test_loops_seamless(void **state)
{
    (void)state;
    static const int loop_rates[] = {48000, 44100, 22050};
    for (size_t k = 0; k < NSHIPPED * rates_used(3); k++) {
        if (!shipped[k % NSHIPPED].is_loop)
            continue;
        /* At 48 kHz the file as it is; at other rates resampled as a loop
         * (sound_load_loop(), what the mixer uses for guides and beds). */
        const char *name = shipped[k % NSHIPPED].name;
        int rate = loop_rates[k / NSHIPPED];
        struct sound *s;
        char path[1024];
        shipped_path(path, sizeof path, name);
        assert_int_equal(sound_load_loop(path, rate, &s), AV_OK);
        const float *x = s->samples;
        size_t n = s->frames;
        float *d = malloc((n - 1) * sizeof(*d));
        assert_non_null(d);
        for (size_t i = 1; i < n; i++)
            d[i - 1] = fabsf(x[i] - x[i - 1]);
        qsort(d, n - 1, sizeof(*d), cmp_float);
        float normal = d[(size_t)((double)(n - 1) * 0.999)];
        float seam = fabsf(x[0] - x[n - 1]);
        if (!(seam <= normal))
            fail_msg("%s at %d: step %g at the loop point, normal steps up to %g", name, rate,
                     (double)seam, (double)normal);
        /* 50 ms either side of the loop point against the whole loop. */
        size_t w = (size_t)rate / 20;
        double sum = 0.0;
        for (size_t i = 0; i < w; i++)
            sum += (double)x[i] * x[i] + (double)x[n - 1 - i] * x[n - 1 - i];
        double edge = 10.0 * log10(sum / (2.0 * (double)w) + 1e-20);
        double all = rms_db(x, 0, n);
        if (edge < all - 12.0)
            fail_msg("%s at %d: %.1f dB at the loop point, %.1f dB overall", name, rate, edge, all);
        free(d);
        sound_destroy(s);
    }
}

/* Levels: bowl about -3 dBFS, chime -6, tones -9, both at the file's rate
 * (a plain copy) and after resampling to 44.1 kHz. */
static void test_shipped_peaks(void **state)
{
    (void)state;
    for (size_t k = 0; k < NSHIPPED; k++) {
        for (int pass = 0; pass < 2; pass++) {
            int rate = pass == 0 ? 48000 : 44100;
            double tol = pass == 0 ? 0.1 : 0.5;
            struct sound *s = load_shipped(shipped[k].name, rate);
            double db = 20.0 * log10(peak_of(s->samples, s->frames));
            if (fabs(db - shipped[k].peak_dbfs) > tol)
                fail_msg("%s at %d: peak %.2f dBFS, expected %.1f", shipped[k].name,
                         rate, db, shipped[k].peak_dbfs);
            sound_destroy(s);
        }
    }
}

/* The bowls ring out: loud at first, each second of the ring-out quieter
 * than the one before, and the natural decay reaches -60 dB (its T60)
 * before the file's closing fade begins, so the file is at least T60
 * long.  The beating is gentle: over 0.5..4 s, the 50 ms level deviates
 * from its straight-line decay (in dB) by under 4 dB peak to peak (the
 * old bowl wobbled 11 dB). */
static void check_rings_out(const char *name, double fade_s)
{
    struct sound *s = load_shipped(name, 48000);
    size_t sec = 48000, w = 2400;
    double peak = -200.0;
    size_t nw = s->frames / w;
    double *db = malloc(nw * sizeof(*db));
    assert_non_null(db);
    for (size_t i = 0; i < nw; i++) {
        db[i] = rms_db(s->samples, i * w, (i + 1) * w);
        if (db[i] > peak)
            peak = db[i];
    }
    assert_true(rms_db(s->samples, 0, sec / 2) > -20.0);
    size_t fade_start = (size_t)((double)s->frames / (double)w - fade_s * 20.0);
    if (!(db[fade_start - 1] < peak - 60.0))
        fail_msg("%s: %.1f dB below its peak where its fade starts: shorter than T60", name,
                 peak - db[fade_start - 1]);
    /* Straight line through 0.5..4 s by least squares. */
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    size_t a = 10, b = 80, m = b - a;
    for (size_t i = a; i < b; i++) {
        sx += (double)i, sy += db[i], sxx += (double)i * i, sxy += (double)i * db[i];
    }
    double slope = (m * sxy - sx * sy) / (m * sxx - sx * sx), icpt = (sy - slope * sx) / m;
    double lo = 1e9, hi = -1e9;
    for (size_t i = a; i < b; i++) {
        double r = db[i] - (icpt + slope * (double)i);
        lo = r < lo ? r : lo;
        hi = r > hi ? r : hi;
    }
    if (hi - lo > 4.0)
        fail_msg("%s wobbles %.1f dB", name, hi - lo);
    free(db);
    sound_destroy(s);
}

static void test_bowl_rings_out(void **state)
{
    (void)state;
    check_rings_out("bowl.wav", 0.5);
    struct sound *s = load_shipped("bowl.wav", 48000);
    size_t sec = 48000;
    double prev = rms_db(s->samples, sec, 2 * sec);
    for (size_t t = 2; (t + 1) * sec <= s->frames; t++) {
        double db = rms_db(s->samples, t * sec, (t + 1) * sec);
        if (db >= prev - 3.0)
            fail_msg("bowl second %zu: %.1f dB after %.1f dB", t, db, prev);
        prev = db;
    }
    sound_destroy(s);
}

static void test_chime_rings_out(void **state)
{
    (void)state;
    check_rings_out("chime.wav", 0.3);
}

/* The chime is clearly not the bowl: shorter and much brighter. */
static void test_chime_differs_from_bowl(void **state)
{
    (void)state;
    struct sound *bowl = load_shipped("bowl.wav", 48000);
    struct sound *chime = load_shipped("chime.wav", 48000);
    /* Both ring out to their T60 now: the chime is still the shorter. */
    assert_true(chime->frames * 3 < bowl->frames * 2);
    size_t at = 48000 / 10; /* 100 ms in, past the attack */
    double cb = centroid_hz(bowl->samples, at, 2048, 48000);
    double cc = centroid_hz(chime->samples, at, 2048, 48000);
    if (!(cb > 200.0 && cb < 900.0 && cc > 1100.0 && cc > 2.0 * cb))
        fail_msg("centroids: bowl %.0f Hz, chime %.0f Hz", cb, cc);
    sound_destroy(bowl);
    sound_destroy(chime);
}

/* The guides are told apart by pitch: the exhale's lowest strong partial
 * is below the inhale's, and the hold's is steady in between; checked by
 * the zero-crossing rate of each guide low-passed around its fundamental
 * region (a plain 4-pole one-pole cascade at 400 Hz), at 48 and 16 kHz. */
static double low_zcr(const struct sound *s)
{
    float *y = malloc(s->frames * sizeof(*y));
    assert_non_null(y);
    double a = 1.0 - exp(-2.0 * M_PI * 400.0 / s->rate), st[4] = {0};
    for (size_t i = 0; i < s->frames; i++) {
        double v = s->samples[i];
        for (int k = 0; k < 4; k++) {
            st[k] += a * (v - st[k]);
            v = st[k];
        }
        y[i] = (float)v;
    }
    double hz = zcr_hz(y, s->frames / 10, s->frames, s->rate);
    free(y);
    return hz;
}

static void test_breath_guides_distinct(void **state)
{
    (void)state;
    static const int check_rates[] = {48000, 16000};
    for (size_t r = 0; r < 2; r++) {
        struct sound *in = load_shipped("inhale.wav", check_rates[r]);
        struct sound *ex = load_shipped("exhale.wav", check_rates[r]);
        struct sound *hold = load_shipped("hold.wav", check_rates[r]);
        double fi = low_zcr(in), fe = low_zcr(ex), fh = low_zcr(hold);
        if (!(fe * 1.2 < fh && fh * 1.1 < fi && fe > 150.0 && fi < 400.0))
            fail_msg("guide pitches: inhale %.0f, hold %.0f, exhale %.0f Hz", fi, fh, fe);
        sound_destroy(in);
        sound_destroy(ex);
        sound_destroy(hold);
    }
}

/* ---- sound.c on files made here --------------------------------------- */

/* The length contract on awkward sizes and rates, including one-frame
 * files, where the converter's own count is most likely to be off. */
static void test_lengths_odd_sizes(void **state)
{
    static const size_t sizes[] = {1, 2, 3, 7, 100, 1001, 44101};
    static const int file_rates[] = {8000, 44100, 96000};
    static const int targets[] = {48000, 44100, 22050, 16000, 8000, 96000};
    char path[2048];
    scratch_path(path, sizeof path, state, "odd.wav");
    for (size_t a = 0; a < sizeof sizes / sizeof sizes[0]; a++) {
        float *data = malloc(sizes[a] * sizeof *data);
        assert_non_null(data);
        for (size_t i = 0; i < sizes[a]; i++)
            data[i] = 0.5f * (float)sin(2.0 * M_PI * 300.0 * (double)i / 8000.0);
        for (size_t b = 0; b < sizeof file_rates / sizeof file_rates[0]; b++) {
            write_sound(path, file_rates[b], 1, SF_FORMAT_WAV | SF_FORMAT_FLOAT,
                        data, sizes[a]);
            for (size_t c = 0; c < sizeof targets / sizeof targets[0]; c++) {
                int64_t want = ceil_div((int64_t)sizes[a] * targets[c], file_rates[b]);
                int64_t frames = -1;
                assert_int_equal(sound_frames_at(path, targets[c], &frames), AV_OK);
                assert_int_equal(frames, want);
                struct sound *s = load_ok(path, targets[c]);
                assert_int_equal((int64_t)s->frames, want);
                for (size_t i = 0; i < s->frames; i++)
                    assert_true(isfinite(s->samples[i]) && fabsf(s->samples[i]) < 1.0f);
                sound_destroy(s);
            }
        }
        free(data);
    }
}

/* Stereo is mixed to the mean of its channels; at the file's rate the
 * samples come through exactly. */
static void test_stereo_mixdown(void **state)
{
    enum { N = 4410 };
    char path[2048];
    scratch_path(path, sizeof path, state, "stereo.wav");
    float *data = malloc(2 * N * sizeof *data);
    assert_non_null(data);
    for (size_t i = 0; i < N; i++) {
        float v = (float)sin(2.0 * M_PI * 441.0 * (double)i / 44100.0);
        data[2 * i] = 0.8f * v;
        data[2 * i + 1] = 0.2f * (float)i / N;
    }
    write_sound(path, 44100, 2, SF_FORMAT_WAV | SF_FORMAT_FLOAT, data, N);
    struct sound *s = load_ok(path, 44100);
    assert_int_equal(s->frames, N);
    for (size_t i = 0; i < N; i++)
        assert_float_equal(s->samples[i], (data[2 * i] + data[2 * i + 1]) / 2.0f, 1e-6);
    sound_destroy(s);
    free(data);
}

/* Resampling keeps the signal where it was in time (no converter delay)
 * and its shape: a faded 441 Hz sine at 44.1 kHz loaded at 48 kHz matches
 * the same sine computed at 48 kHz.  The file is FLAC when libsndfile can
 * write it, so a non-WAV format is read too. */
static void test_resampled_content(void **state)
{
    enum { N = 44100 };
    char path[2048];
    int format = SF_FORMAT_FLAC | SF_FORMAT_PCM_24;
    SF_INFO probe = {.samplerate = 44100, .channels = 1, .format = format};
    if (!sf_format_check(&probe))
        format = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
    scratch_path(path, sizeof path, state,
                 (format & SF_FORMAT_TYPEMASK) == SF_FORMAT_FLAC ? "sine.flac" : "sine.wav");

    /* 1 s: 100 ms raised-cosine fades at both ends. */
    float *data = malloc(N * sizeof *data);
    assert_non_null(data);
    for (size_t i = 0; i < N; i++) {
        double t = (double)i / 44100.0;
        double g = t < 0.1 ? 0.5 - 0.5 * cos(M_PI * t / 0.1)
                 : t > 0.9 ? 0.5 - 0.5 * cos(M_PI * (1.0 - t) / 0.1) : 1.0;
        data[i] = (float)(0.5 * g * sin(2.0 * M_PI * 441.0 * t));
    }
    write_sound(path, 44100, 1, format, data, N);
    free(data);

    struct sound *s = load_ok(path, 48000);
    assert_int_equal(s->frames, 48000);
    double worst = 0.0;
    for (size_t i = 6000; i < 42000; i++) { /* the steady middle */
        double t = (double)i / 48000.0;
        double want = 0.5 * sin(2.0 * M_PI * 441.0 * t);
        if (fabs(s->samples[i] - want) > worst)
            worst = fabs(s->samples[i] - want);
    }
    if (worst > 1e-3)
        fail_msg("resampled sine is off by %g", worst);
    sound_destroy(s);
}

static void test_missing_file(void **state)
{
    (void)state;
    int64_t frames = 1234;
    struct sound *sentinel = (struct sound *)&frames, *s = sentinel;
    const char *paths[] = {SOUNDS_DIR "no-such-sound.wav",
                           TEST_SOURCE_DIR "/no-such-dir/bowl.wav"};
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(sound_frames_at(paths[i], 48000, &frames), AV_ENOENT);
        assert_int_equal(frames, 1234);
        assert_int_equal(sound_load(paths[i], 48000, &s), AV_ENOENT);
        assert_ptr_equal(s, sentinel);
    }
}

/* Files that exist but are not sound: text (also under a .wav name), an
 * empty file, a WAV with no frames, a directory. */
static void test_not_audio(void **state)
{
    static const char text[] = "session: morning\npose: tadasana 30s\n";
    char txt[2048], fake[2048], empty[2048], nodata[2048];
    scratch_path(txt, sizeof txt, state, "notes.txt");
    scratch_path(fake, sizeof fake, state, "fake.wav");
    scratch_path(empty, sizeof empty, state, "empty.wav");
    scratch_path(nodata, sizeof nodata, state, "noframes.wav");
    write_text(txt, text, sizeof text - 1);
    write_text(fake, text, sizeof text - 1);
    write_text(empty, "", 0);
    write_sound(nodata, 48000, 1, SF_FORMAT_WAV | SF_FORMAT_PCM_16, NULL, 0);

    const char *paths[] = {txt, fake, empty, nodata, (const char *)*state};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        int64_t frames = 1234;
        struct sound *sentinel = (struct sound *)&frames, *s = sentinel;
        int err = sound_frames_at(paths[i], 48000, &frames);
        if (err != AV_ESOUND)
            fail_msg("%s: frames_at gave %s", paths[i], av_strerror(err));
        assert_int_equal(frames, 1234);
        err = sound_load(paths[i], 44100, &s);
        if (err != AV_ESOUND)
            fail_msg("%s: load gave %s", paths[i], av_strerror(err));
        assert_ptr_equal(s, sentinel);
    }
}

/* A WAV cut short (its header claims more data than the file holds):
 * libsndfile trusts the file size over the header, so the sound loads with
 * the frames actually present, and frames_at() agrees with load. */
static void test_truncated_wav(void **state)
{
    char src[1024], cut[2048];
    shipped_path(src, sizeof src, "chime.wav");
    scratch_path(cut, sizeof cut, state, "cut.wav");
    FILE *f = fopen(src, "rb");
    assert_non_null(f);
    char buf[10000];
    assert_int_equal(fread(buf, 1, sizeof buf, f), sizeof buf);
    fclose(f);
    write_text(cut, buf, sizeof buf);

    /* 10000 bytes minus the 44-byte header: 4978 16-bit frames. */
    int64_t want = ceil_div(4978 * 22050, 48000);
    int64_t frames = -1;
    assert_int_equal(sound_frames_at(cut, 22050, &frames), AV_OK);
    assert_int_equal(frames, want);
    struct sound *s = load_ok(cut, 22050);
    assert_int_equal((int64_t)s->frames, want);
    sound_destroy(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shipped_load_at_all_rates),
        cmocka_unit_test(test_shipped_no_clicks),
        cmocka_unit_test(test_shipped_peaks),
        cmocka_unit_test(test_loops_seamless),
        cmocka_unit_test(test_bowl_rings_out),
        cmocka_unit_test(test_chime_rings_out),
        cmocka_unit_test(test_chime_differs_from_bowl),
        cmocka_unit_test(test_breath_guides_distinct),
        cmocka_unit_test_setup_teardown(test_lengths_odd_sizes, scratch_setup, scratch_teardown),
        cmocka_unit_test_setup_teardown(test_stereo_mixdown, scratch_setup, scratch_teardown),
        cmocka_unit_test_setup_teardown(test_resampled_content, scratch_setup, scratch_teardown),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test_setup_teardown(test_not_audio, scratch_setup, scratch_teardown),
        cmocka_unit_test_setup_teardown(test_truncated_wav, scratch_setup, scratch_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
