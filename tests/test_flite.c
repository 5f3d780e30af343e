/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_flite.c — flite as the second speech engine: its voices are
 * selected by "flite:NAME", speak real (trimmed) speech at their own rate,
 * are deterministic whatever was spoken before, and a session spoken with
 * flite is mixed exactly where its plan says, and its clips are kept in
 * the persistent cache, never confused with another voice's or espeak-ng's.
 * Without flite built in, "flite:" voices are refused.  One voice per process (espeak-ng), so this
 * file has its own.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <math.h>

#include "asanavox/compile.h"
#include "asanavox/config.h"
#include "asanavox/diag.h"
#include "asanavox/error.h"
#include "asanavox/filecache.h"
#include "asanavox/mixer.h"
#include "asanavox/timeline.h"
#include "asanavox/voice.h"
#include "fs_support.h"

static int setup(void **state)
{
    struct voice *v = NULL;
    if (voice_create(&v))
        return -1;
    *state = v;
    return 0;
}

static int teardown(void **state)
{
    voice_destroy(*state);
    return 0;
}

#ifdef ASANAVOX_HAVE_FLITE

static int16_t *copy_clip(const struct voice_clip *c)
{
    int16_t *s = malloc((c->frames ? c->frames : 1) * sizeof(*s));
    assert_non_null(s);
    memcpy(s, c->samples, c->frames * sizeof(*s));
    return s;
}

static void speaks(void **state)
{
    struct voice *v = *state;
    assert_int_equal(voice_configure(v, "flite:slt", 150), AV_OK);
    assert_int_equal(voice_native_rate(v), 16000);
    const struct voice_clip *a;
    assert_int_equal(voice_synth(v, "Breathe in.", &a), AV_OK);
    assert_true(a->frames > 16000 / 4 && a->frames < 3 * 16000);
    int peak = 0;
    size_t first_loud = 0;
    for (size_t i = 0; i < a->frames; i++)
        peak = abs(a->samples[i]) > peak ? abs(a->samples[i]) : peak;
    while (first_loud < a->frames && abs(a->samples[first_loud]) <= 96)
        first_loud++;
    assert_true(peak > 3000);
    assert_true(first_loud <= 16000 / 100 + 1); /* trimmed like espeak-ng's */

    /* Slower speech is longer. */
    size_t at150 = a->frames;
    assert_int_equal(voice_configure(v, "flite:slt", 110), AV_OK);
    assert_int_equal(voice_synth(v, "Breathe in.", &a), AV_OK);
    assert_true(a->frames > at150 * 12 / 10);

    /* Unknown flite voices are refused; the engine switches back and
     * forth with espeak-ng, each at its own rate. */
    assert_int_equal(voice_configure(v, "flite:nosuch", 150), AV_EVOICE);
    assert_int_equal(voice_configure(v, "en-us", 150), AV_OK);
    assert_int_equal(voice_native_rate(v), 22050);
    assert_int_equal(voice_configure(v, "flite:kal16", 150), AV_OK);
    assert_int_equal(voice_native_rate(v), 16000);
    assert_int_equal(voice_synth(v, "Rest.", &a), AV_OK);
    assert_true(a->frames > 0);
}

/* The same text gives the same samples whatever came before it. */
static void deterministic(void **state)
{
    struct voice *v = *state;
    const char *x = "Lift the chest and lengthen the spine.", *y = "Let the arms rest.";
    const struct voice_clip *c;
    assert_int_equal(voice_configure(v, "flite:awb", 150), AV_OK);
    assert_int_equal(voice_synth(v, x, &c), AV_OK);
    size_t nx = c->frames;
    int16_t *sx = copy_clip(c);
    assert_int_equal(voice_synth(v, y, &c), AV_OK);
    size_t ny = c->frames;
    int16_t *sy = copy_clip(c);
    /* Another voice and back drops the cache: synthesized again, the
     * other way round. */
    assert_int_equal(voice_configure(v, "flite:rms", 150), AV_OK);
    assert_int_equal(voice_synth(v, y, &c), AV_OK);
    assert_int_equal(voice_configure(v, "flite:awb", 150), AV_OK);
    assert_int_equal(voice_synth(v, y, &c), AV_OK);
    assert_int_equal(c->frames, ny);
    assert_memory_equal(c->samples, sy, ny * sizeof(*sy));
    assert_int_equal(voice_synth(v, x, &c), AV_OK);
    assert_int_equal(c->frames, nx);
    assert_memory_equal(c->samples, sx, nx * sizeof(*sx));
    free(sx);
    free(sy);
}

/* A session spoken by flite: each cue is as long as the plan says and is
 * heard exactly there in the mix: silence on the frame before it, sound
 * within its first 20 ms, silence again on the frame after it (the steps
 * are only speech and gaps). */
static void timing_equals_plan(void **state)
{
    struct voice *v = *state;
    static const char session[] = "voice: flite:awb\n"
                                  "say One, two, three.\n"
                                  "say Breathe in slowly through the nose.\n"
                                  "say Rest now.\n";
    struct compile_env env;
    compile_env_default(&env, v);
    struct diag *d = diag_create();
    struct timeline *tl = NULL;
    assert_int_equal(compile_buffer("flite.yoga", session, sizeof session - 1, NULL, &env, d, &tl),
                     AV_OK);
    diag_destroy(d);
    assert_string_equal(tl->voice, "flite:awb");
    struct mixer_options o;
    mixer_options_init(&o);
    o.channels = 1;
    struct mixer *m;
    assert_int_equal(mixer_create(tl, v, &o, &m), AV_OK);
    float *y = malloc((size_t)tl->duration * sizeof(float));
    size_t done = 0, got;
    while (mixer_read_mono(m, y + done, 4096, &got) == AV_OK && got)
        done += got;
    assert_int_equal(done, (size_t)tl->duration);
    mixer_destroy(m);
    size_t checked = 0;
    for (size_t i = 0; i < tl->n_events; i++) {
        const struct tl_event *e = &tl->events[i];
        if (e->kind != TL_SPEECH)
            continue;
        const struct voice_clip *c;
        assert_int_equal(voice_synth(v, e->text, &c), AV_OK);
        assert_int_equal(e->end - e->start, voice_frames_at(c->frames, 16000, tl->rate));
        if (e->start > 0)
            assert_true(y[e->start - 1] == 0.0f);
        float peak = 0.0f;
        for (int64_t t = e->start; t < e->start + tl->rate / 50; t++)
            peak = fabsf(y[t]) > peak ? fabsf(y[t]) : peak;
        assert_true(peak > 1e-3f);
        if (e->end < tl->duration)
            assert_true(y[e->end] == 0.0f);
        checked++;
    }
    assert_int_equal(checked, 3);
    free(y);
    timeline_destroy(tl);
}

/* ---- the persistent cache ------------------------------------------------------ */

static const char *const texts[] = {
    "Settle into the mat.",
    "Lift the chest and look forward.",
    "Press the floor away.",
    "Rest here for a moment.",
};
enum { NTEXTS = sizeof texts / sizeof *texts };

/* What voice `name` at `speed` says for each of `texts` with no cache at
 * all (as with --no-cache): want[i] (malloc'd), want_n[i] frames. */
static void spoken_without_cache(const char *name, int speed, int16_t **want, size_t *want_n)
{
    struct voice *v = NULL;
    assert_int_equal(voice_create(&v), AV_OK);
    assert_int_equal(voice_configure(v, name, speed), AV_OK);
    for (size_t i = 0; i < NTEXTS; i++) {
        const struct voice_clip *c;
        assert_int_equal(voice_synth(v, texts[i], &c), AV_OK);
        want[i] = copy_clip(c);
        want_n[i] = c->frames;
    }
    assert_int_equal(voice_synth_count(v), NTEXTS);
    voice_destroy(v);
}

/* Every text of `texts` through a fresh voice `name` at `speed` on the
 * cache `dir`, each asked ahead first: how many were spoken (not found on
 * disk).  Each clip must equal want[i] (when want is not NULL), and a
 * text asked ahead knows its length exactly when it was on disk. */
static size_t run_texts(const char *dir, const char *name, int speed, int16_t *const *want,
                        const size_t *want_n)
{
    struct voice *v = NULL;
    assert_int_equal(voice_create(&v), AV_OK);
    assert_int_equal(voice_use_cache(v, dir, FILECACHE_DEFAULT_MAX), AV_OK);
    assert_int_equal(voice_configure(v, name, speed), AV_OK);
    int64_t known[NTEXTS];
    for (size_t i = 0; i < NTEXTS; i++)
        assert_int_equal(voice_prefetch(v, texts[i], &known[i]), AV_OK);
    assert_int_equal(voice_synth_count(v), 0); /* flite speaks nothing ahead */
    size_t was_known = 0;
    for (size_t i = 0; i < NTEXTS; i++) {
        const struct voice_clip *c;
        size_t before = voice_synth_count(v);
        assert_int_equal(voice_synth(v, texts[i], &c), AV_OK);
        if (known[i] >= 0) {
            was_known++;
            assert_int_equal(known[i], (int64_t)c->frames);
        }
        if (voice_synth_count(v) == before)
            assert_true(known[i] >= 0); /* read from disk: its length was there */
        if (want) {
            assert_int_equal(c->frames, want_n[i]);
            assert_memory_equal(c->samples, want[i], want_n[i] * sizeof(int16_t));
        }
    }
    size_t spoken = voice_synth_count(v);
    assert_true(was_known >= NTEXTS - spoken);
    voice_destroy(v);
    return spoken;
}

/* The entry files (*.ent) in `dir`, as paths (malloc'd, NULL-ended). */
static char **entries(const char *dir, size_t *count)
{
    char **v = calloc(64, sizeof(*v));
    assert_non_null(v);
    size_t n = 0;
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)) && n < 63)
        if (strstr(e->d_name, ".ent"))
            v[n++] = path_in(dir, e->d_name);
    closedir(d);
    *count = n;
    return v;
}

/* flite's clips on disk: a warm run speaks nothing and gets the samples
 * spoken without a cache; another flite voice, another speed and
 * espeak-ng each speak the same texts for themselves rather than take
 * these; damaged entries are spoken again, never returned. */
static void disk_cache(void **state)
{
    (void)state;
    int16_t *slt[NTEXTS], *awb[NTEXTS];
    size_t slt_n[NTEXTS], awb_n[NTEXTS];
    spoken_without_cache("flite:slt", 150, slt, slt_n);
    spoken_without_cache("flite:awb", 150, awb, awb_n);
    size_t differ = 0;
    for (size_t i = 0; i < NTEXTS; i++)
        differ += slt_n[i] != awb_n[i] || memcmp(slt[i], awb[i], slt_n[i] * sizeof(int16_t));
    assert_int_equal(differ, NTEXTS); /* so taking one for the other would show */

    char *dir = tmpdir_for("flite");
    assert_int_equal(run_texts(dir, "flite:slt", 150, slt, slt_n), NTEXTS); /* cold */
    int temps = 0;
    assert_int_equal(count_entries(dir, &temps), NTEXTS); /* one entry per text */
    assert_int_equal(temps, 0);
    assert_int_equal(run_texts(dir, "flite:slt", 150, slt, slt_n), 0); /* warm */

    /* Not another voice's, speed's or engine's clips. */
    assert_int_equal(run_texts(dir, "flite:awb", 150, awb, awb_n), NTEXTS);
    assert_int_equal(run_texts(dir, "flite:awb", 150, awb, awb_n), 0);
    assert_int_equal(run_texts(dir, "flite:slt", 120, NULL, NULL), NTEXTS);
    assert_int_equal(run_texts(dir, "en-us", 150, NULL, NULL), NTEXTS);
    assert_int_equal(run_texts(dir, "flite:slt", 150, slt, slt_n), 0);
    assert_int_equal(run_texts(dir, "flite:awb", 150, awb, awb_n), 0);
    rm_rf(dir);
    free(dir);

    /* Damaged entries: one byte flipped, one truncated, one emptied; each
     * is detected and spoken again, and the next run finds it whole. */
    dir = tmpdir_for("flite");
    assert_int_equal(run_texts(dir, "flite:slt", 150, slt, slt_n), NTEXTS);
    size_t n;
    char **files = entries(dir, &n);
    assert_int_equal(n, NTEXTS);
    for (size_t i = 0; i < 3; i++) {
        size_t len;
        unsigned char *b = slurp(files[i], &len);
        assert_true(len > 1000);
        FILE *f = fopen(files[i], "wb");
        assert_non_null(f);
        if (i == 0) {
            b[len - 7] ^= 0x40;
            fwrite(b, 1, len, f);
        } else if (i == 1) {
            fwrite(b, 1, len - 100, f);
        }
        fclose(f);
        free(b);
    }
    for (size_t i = 0; i < n; i++)
        free(files[i]);
    free(files);
    assert_int_equal(run_texts(dir, "flite:slt", 150, slt, slt_n), 3);
    assert_int_equal(run_texts(dir, "flite:slt", 150, slt, slt_n), 0);
    rm_rf(dir);
    free(dir);
    for (size_t i = 0; i < NTEXTS; i++) {
        free(slt[i]);
        free(awb[i]);
    }
}

#else

static void speaks(void **state)
{
    print_message("flite is not built in: flite: voices must be refused\n");
    assert_int_equal(voice_configure(*state, "flite:slt", 150), AV_EVOICE);
}

static void deterministic(void **state)
{
    (void)state;
}

static void timing_equals_plan(void **state)
{
    (void)state;
}

static void disk_cache(void **state)
{
    (void)state;
}

#endif

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(speaks),
        cmocka_unit_test(deterministic),
        cmocka_unit_test(timing_equals_plan),
        cmocka_unit_test(disk_cache),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
