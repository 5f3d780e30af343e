/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_clipstore.c — the mixer's clip store (src/mix/clipstore.h,
 * mixer_options.store_dir) with real espeak-ng speech from a speech bank:
 * a render with an empty store (cold), one with the store filled (warm)
 * and one without a store are the same samples, bit for bit; the store
 * holds each text's resampled clip and profile and each sound's profile;
 * the warm render rewrites no entry (it resampled and measured nothing);
 * entries
 * that are corrupt (a flipped byte) or truncated are detected, made again
 * and never played.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "asanavox/compile.h"
#include "asanavox/diag.h"
#include "asanavox/error.h"
#include "asanavox/mixer.h"
#include "asanavox/speechbank.h"
#include "asanavox/timeline.h"
#include "asanavox/voice.h"
#include "fs_support.h"
#include "mix_support.h"

#define SESSION TEST_SOURCE_DIR "/tests/data/render-basic.yoga"
enum { RATE = 48000, MAX_ENTRIES = 256 };

static struct timeline *compile(struct voice *v)
{
    struct compile_options co;
    compile_options_init(&co);
    co.rate = RATE;
    struct diag *d = diag_create();
    struct timeline *tl = NULL;
    int err = compile_session_spoken(SESSION, &co, v, d, &tl);
    diag_print(d, stderr);
    diag_destroy(d);
    assert_int_equal(err, AV_OK);
    assert_non_null(tl->speech);
    return tl;
}

struct entry_file {
    char *path;
    ino_t ino;
    off_t size;
    unsigned char *data; /* the whole file, when read */
};

/* The store's entries, sorted by name. */
static int entries(const char *dir, struct entry_file *e)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if (l < 4 || strcmp(de->d_name + l - 4, ".ent"))
            continue;
        assert_true(n < MAX_ENTRIES);
        e[n].path = path_in(dir, de->d_name);
        struct stat st;
        assert_int_equal(stat(e[n].path, &st), 0);
        e[n].ino = st.st_ino;
        e[n].size = st.st_size;
        n++;
    }
    closedir(d);
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            if (strcmp(e[j].path, e[i].path) < 0) {
                struct entry_file t = e[i];
                e[i] = e[j];
                e[j] = t;
            }
    return n;
}

static void entries_free(struct entry_file *e, int n)
{
    for (int i = 0; i < n; i++) {
        free(e[i].path);
        free(e[i].data);
    }
}

/* The distinct sounds the timeline plays (bells and breath tones). */
static int distinct_sounds(const struct timeline *tl)
{
    int n = 0;
    for (size_t i = 0; i < tl->n_events; i++) {
        const struct tl_event *e = &tl->events[i];
        if (!e->sound || (e->text && *e->text))
            continue;
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++) {
            const struct tl_event *f = &tl->events[j];
            seen = f->sound && !(f->text && *f->text) && !strcmp(f->sound, e->sound);
        }
        n += !seen;
    }
    return n;
}

static void test_cold_warm_damaged(void **state)
{
    (void)state;
    struct voice *v;
    assert_int_equal(voice_create(&v), AV_OK);
    struct timeline *tl = compile(v);
    voice_destroy(v); /* the bank is all the mixer needs */
    const size_t bytes = (size_t)tl->duration * sizeof(float);
    const size_t texts = speech_bank_count(tl->speech);
    assert_true(texts >= 2);

    char *root = tmpdir_for("clipstore");
    char *dir = path_in(root, "clips");
    float *none = mix_mono_whole(tl, NULL, NULL);
    /* Cold: the store is made, with a resampled clip and a profile per
     * text and a profile per sound, and the samples are those of a render
     * without a store. */
    float *cold = mix_mono_whole(tl, NULL, dir);
    assert_memory_equal(cold, none, bytes);
    static struct entry_file before[MAX_ENTRIES], after[MAX_ENTRIES];
    int n = entries(dir, before);
    const int sounds = distinct_sounds(tl);
    assert_true(sounds >= 2); /* the session's bell and its breath tones */
    assert_int_equal(n, (int)(2 * texts) + sounds);

    /* Warm: the same samples, and no entry written again (a put renames a
     * new file over the entry, which changes its inode). */
    float *warm = mix_mono_whole(tl, NULL, dir);
    assert_memory_equal(warm, none, bytes);
    assert_int_equal(entries(dir, after), n);
    for (int i = 0; i < n; i++) {
        assert_string_equal(after[i].path, before[i].path);
        assert_true(after[i].ino == before[i].ino);
    }
    entries_free(after, n);

    /* Damage every entry: a byte flipped near the end (in the samples or
     * the profile) in one half, cut to half its length in the other. */
    for (int i = 0; i < n; i++) {
        size_t len;
        before[i].data = slurp(before[i].path, &len);
        assert_int_equal(len, (size_t)before[i].size);
        if (i % 2) {
            assert_int_equal(truncate(before[i].path, before[i].size / 2), 0);
            continue;
        }
        FILE *f = fopen(before[i].path, "r+b");
        assert_non_null(f);
        assert_int_equal(fseek(f, (long)before[i].size - 3, SEEK_SET), 0);
        int c = fgetc(f);
        assert_int_equal(fseek(f, (long)before[i].size - 3, SEEK_SET), 0);
        fputc(c ^ 0x5a, f);
        assert_int_equal(fclose(f), 0);
    }
    float *mended = mix_mono_whole(tl, NULL, dir);
    assert_memory_equal(mended, none, bytes);
    /* Every entry was made again, whole: what it held before the damage
     * (the store's data is a pure function of the key). */
    assert_int_equal(entries(dir, after), n);
    for (int i = 0; i < n; i++) {
        assert_string_equal(after[i].path, before[i].path);
        size_t len;
        after[i].data = slurp(after[i].path, &len);
        assert_int_equal(len, (size_t)before[i].size);
        assert_memory_equal(after[i].data, before[i].data, len);
    }
    entries_free(after, n);
    float *again = mix_mono_whole(tl, NULL, dir);
    assert_memory_equal(again, none, bytes);

    entries_free(before, n);
    free(none);
    free(cold);
    free(warm);
    free(mended);
    free(again);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    assert_int_equal(system(cmd), 0);
    free(dir);
    free(root);
    timeline_destroy(tl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cold_warm_damaged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
