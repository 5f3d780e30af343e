/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_voice.c — real espeak-ng speech: trimmed, cached once per text in
 * memory and on disk, the same samples whatever was spoken before, exact
 * lengths at other rates.
 */
#define _GNU_SOURCE 1 /* RTLD_DEFAULT, random_r() */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <dlfcn.h>
#include <pthread.h>
#include <sched.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <dirent.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "asanavox/error.h"
#include "asanavox/filecache.h"
#include "asanavox/voice.h"
#include "fs_support.h"

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
}

/* A copy of a clip's samples. */
/* "breathe " `words` times (malloc'd): a text as long as asked. */
static char *breathe_words(size_t words)
{
    char *t = malloc(words * 8 + 1);
    assert_non_null(t);
    for (size_t i = 0; i < words; i++)
        memcpy(t + i * 8, "breathe ", 8);
    t[words * 8] = '\0';
    return t;
}

struct copy {
    int16_t *s;
    size_t n;
};

static struct copy copy_of(const struct voice_clip *c)
{
    struct copy k = {malloc(c->frames * sizeof(int16_t) + 1), c->frames};
    assert_non_null(k.s);
    memcpy(k.s, c->samples, c->frames * sizeof(int16_t));
    return k;
}

static void assert_same(const struct voice_clip *c, struct copy k)
{
    assert_int_equal(c->frames, k.n);
    assert_memory_equal(c->samples, k.s, k.n * sizeof(int16_t));
}

/* espeak-ng 1.51 on its own gives a text different samples after
 * different predecessors (up to 1200 samples longer after a long
 * sentence, measured).  Through the voice, the same text comes out
 * identical, sample for sample, after each of many different texts,
 * voices and speeds, and from another voice object altogether. */
static void independent_of_what_came_before(void **state)
{
    (void)state;
    const char *x = "Same again, soften the jaw.";
    const char *before[] = {
        "Roll the shoulders away from the ears.",
        "Hello world, this is a much longer sentence with many different sounds like zebra, shh, and ahhh.",
        "Breathe in.",
        "One two three four five six seven.",
        "Inhale slowly through the nose, lengthen the spine?",
        "Exhale!",
        "Mmm.",
        "Keep going, twelve, thirteen.",
        "Roll the shoulders.",
        "Switch sides.",
        "Next: downward dog.",
        x,
    };
    const size_t nb = sizeof before / sizeof *before;
    struct voice *ref = NULL;
    assert_int_equal(voice_create(&ref), AV_OK);
    assert_int_equal(voice_configure(ref, "en-us", 150), AV_OK);
    const struct voice_clip *c;
    assert_int_equal(voice_synth(ref, x, &c), AV_OK);
    struct copy want = copy_of(c);

    struct voice *v = NULL;
    assert_int_equal(voice_create(&v), AV_OK);
    for (size_t i = 0; i < nb; i++) {
        for (int round = 0; round < 2; round++) {
            /* The predecessor in another voice or speed the second time. */
            assert_int_equal(voice_configure(v, round ? "en-gb" : "en-us", round ? 300 : 150),
                             AV_OK);
            assert_int_equal(voice_synth(v, before[i], &c), AV_OK);
            /* Changing the speed empties the memory cache: x is spoken anew. */
            assert_int_equal(voice_configure(v, "en-us", 151), AV_OK);
            assert_int_equal(voice_configure(v, "en-us", 150), AV_OK);
            size_t spoken = voice_synth_count(v);
            assert_int_equal(voice_synth(v, x, &c), AV_OK);
            assert_int_equal(voice_synth_count(v), spoken + 1);
            assert_same(c, want);
        }
    }
    voice_destroy(v);
    /* And the first voice, after all that, still agrees. */
    assert_int_equal(voice_synth(ref, before[1], &c), AV_OK);
    assert_int_equal(voice_configure(ref, "en-us", 160), AV_OK);
    assert_int_equal(voice_configure(ref, "en-us", 150), AV_OK);
    assert_int_equal(voice_synth(ref, x, &c), AV_OK);
    assert_same(c, want);
    voice_destroy(ref);
    free(want.s);
}

/* Texts asked ahead are spoken several at once (one worker per CPU) and
 * in any order of finishing, yet each text's samples are the ones it has
 * when spoken alone, whichever order they are then asked for; a text that
 * fails (too long) fails alone; texts asked for in vain are dropped by
 * voice_prefetch_end() and the voice goes on. */
static void asked_ahead_same_samples(void **state)
{
    (void)state;
    const char *texts[] = {
        "Roll the shoulders away from the ears.",
        "Breathe in.",
        "Hello world, this is a much longer sentence with many different sounds like zebra, shh, and ahhh.",
        "Exhale!",
        NULL, /* too long: filled in below */
        "Mmm.",
        "Keep going, twelve, thirteen.",
        "Next: downward dog.",
        "Breathe in.", /* asked twice: spoken once */
        "Soften the jaw, and let the breath move the belly.",
    };
    const size_t n = sizeof texts / sizeof *texts;
    char *too_long = breathe_words(2600);
    texts[4] = too_long;

    struct voice *ref = NULL;
    assert_int_equal(voice_create(&ref), AV_OK);
    assert_int_equal(voice_configure(ref, "en-us", 150), AV_OK);
    struct copy want[sizeof texts / sizeof *texts];
    for (size_t i = 0; i < n; i++) {
        const struct voice_clip *c;
        if (i == 4) { /* too long (clip_budget shows it alone) */
            want[i].s = NULL;
            continue;
        }
        assert_int_equal(voice_synth(ref, texts[i], &c), AV_OK);
        want[i] = copy_of(c);
    }
    voice_destroy(ref);

    struct voice *v = NULL;
    assert_int_equal(voice_create(&v), AV_OK);
    assert_int_equal(voice_configure(v, "en-us", 150), AV_OK);
    for (size_t i = 0; i < n; i++) {
        int64_t known = 0;
        assert_int_equal(voice_prefetch(v, texts[i], &known), AV_OK);
        assert_int_equal(known, -1);
    }
    /* Asked for backwards: the last waits for every answer before it. */
    for (size_t k = n; k-- > 0;) {
        const struct voice_clip *c;
        if (k == 4) {
            assert_int_equal(voice_synth(v, texts[k], &c), AV_ELIMIT);
            continue;
        }
        assert_int_equal(voice_synth(v, texts[k], &c), AV_OK);
        assert_same(c, want[k]);
    }
    assert_int_equal(voice_synth_count(v), n - 2); /* the repeat once, the long one never */
    /* Known clips are answered at once, from memory. */
    int64_t known = -1;
    assert_int_equal(voice_prefetch(v, texts[0], &known), AV_OK);
    assert_int_equal(known, (int64_t)want[0].n);

    /* Asked in vain, then dropped: the voice goes on, with the same
     * samples, and after a change of speed too. */
    assert_int_equal(voice_configure(v, "en-us", 151), AV_OK);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(voice_prefetch(v, texts[i], &known), AV_OK);
    voice_prefetch_end(v);
    voice_prefetch_end(v); /* nothing left: does nothing */
    for (size_t i = 0; i < n; i++)
        assert_int_equal(voice_prefetch(v, texts[i], &known), AV_OK);
    assert_int_equal(voice_configure(v, "en-us", 150), AV_OK); /* drops them too */
    const struct voice_clip *c;
    for (size_t i = 0; i < n; i++)
        if (i != 4)
            assert_int_equal(voice_prefetch(v, texts[i], &known), AV_OK);
    assert_int_equal(voice_synth(v, texts[9], &c), AV_OK);
    assert_same(c, want[9]);
    voice_prefetch_end(v);
    assert_int_equal(voice_synth(v, texts[2], &c), AV_OK);
    assert_same(c, want[2]);
    voice_destroy(v);

    /* With a disk cache: a second voice knows every length from the disk
     * entries alone, queues nothing, and then reads the same samples. */
    char *dir = tmpdir_for("ahead");
    for (int round = 0; round < 2; round++) {
        assert_int_equal(voice_create(&v), AV_OK);
        assert_int_equal(voice_use_cache(v, dir, FILECACHE_DEFAULT_MAX), AV_OK);
        assert_int_equal(voice_configure(v, "en-us", 150), AV_OK);
        for (size_t i = 0; i < n; i++) {
            if (i == 4)
                continue;
            assert_int_equal(voice_prefetch(v, texts[i], &known), AV_OK);
            /* The first round queues every text (the repeat once). */
            assert_int_equal(known, round == 0 ? -1 : (int64_t)want[i].n);
        }
        for (size_t i = 0; i < n; i++) {
            if (i == 4)
                continue;
            assert_int_equal(voice_synth(v, texts[i], &c), AV_OK);
            assert_same(c, want[i]);
        }
        assert_int_equal(voice_synth_count(v), round == 0 ? n - 2 : 0);
        voice_destroy(v);
    }
    rm_rf(dir);
    free(dir);
    for (size_t i = 0; i < n; i++)
        free(want[i].s);
    free(too_long);
}

/* voice_forget() drops the one clip: the clips answered ahead for other
 * texts stay in memory, found again (whatever the probing left where) and
 * not spoken twice, with their own samples. */
static void forget_keeps_the_others(void **state)
{
    (void)state;
    enum { N = 48 };
    char text[N][32];
    struct voice *ref = NULL, *v = NULL;
    assert_int_equal(voice_create(&ref), AV_OK);
    assert_int_equal(voice_configure(ref, "en-us", 150), AV_OK);
    assert_int_equal(voice_create(&v), AV_OK);
    assert_int_equal(voice_configure(v, "en-us", 150), AV_OK);
    struct copy want[N];
    int64_t known;
    for (int i = 0; i < N; i++) {
        snprintf(text[i], sizeof text[i], "Breath number %d.", i + 1);
        const struct voice_clip *c;
        assert_int_equal(voice_synth(ref, text[i], &c), AV_OK);
        want[i] = copy_of(c);
        assert_int_equal(voice_prefetch(v, text[i], &known), AV_OK);
    }
    /* The last asked for first: every answer before it is kept. */
    const struct voice_clip *c;
    assert_int_equal(voice_synth(v, text[N - 1], &c), AV_OK);
    assert_same(c, want[N - 1]);
    voice_forget(v, text[N - 1]);
    voice_forget(v, "Never asked for."); /* nothing to forget */
    /* Forget every third, then find all the others from memory. */
    for (int i = 0; i < N - 1; i += 3)
        voice_forget(v, text[i]);
    for (int i = 0; i < N - 1; i++) {
        if (i % 3 == 0)
            continue;
        assert_int_equal(voice_synth(v, text[i], &c), AV_OK);
        assert_same(c, want[i]);
    }
    assert_int_equal(voice_synth_count(v), N);
    voice_destroy(v);
    voice_destroy(ref);
    for (int i = 0; i < N; i++)
        free(want[i].s);
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

/* ---- the persistent cache ------------------------------------------------------ */

static const char *const texts[] = {
    "Settle into the mat.",
    "Lift the chest and look forward.",
    "Press the floor away.",
    "Let the breath slow down.",
    "Open across the collarbones.",
    "Rest here for a moment.",
};
enum { NTEXTS = sizeof texts / sizeof *texts };

static struct voice *cached_voice(const char *dir)
{
    struct voice *v = NULL;
    assert_int_equal(voice_create(&v), AV_OK);
    assert_int_equal(voice_use_cache(v, dir, FILECACHE_DEFAULT_MAX), AV_OK);
    assert_int_equal(voice_configure(v, "en-us", 150), AV_OK);
    return v;
}

/* Every text of `texts` through a fresh voice on `dir`: how many were
 * spoken (not found on disk); each must equal want[i]. */
static size_t run_texts(const char *dir, const struct copy *want)
{
    struct voice *v = cached_voice(dir);
    for (size_t i = 0; i < NTEXTS; i++) {
        const struct voice_clip *c;
        assert_int_equal(voice_synth(v, texts[i], &c), AV_OK);
        assert_same(c, want[i]);
    }
    size_t spoken = voice_synth_count(v);
    voice_destroy(v);
    return spoken;
}

/* The entry files (*.ent) in `dir`, as paths (malloc'd, NULL-ended). */
static char **entries(const char *dir, size_t *count)
{
    char **v = calloc(256, sizeof(*v));
    size_t n = 0;
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)) && n < 255)
        if (strstr(e->d_name, ".ent"))
            v[n++] = path_in(dir, e->d_name);
    closedir(d);
    *count = n;
    return v;
}

static void free_list(char **v)
{
    for (char **p = v; *p; p++)
        free(*p);
    free(v);
}

static void disk_cache(void **state)
{
    (void)state;
    char *dir = tmpdir_for("speech");
    /* What espeak-ng says without any cache. */
    struct copy want[NTEXTS];
    struct voice *plain = NULL;
    assert_int_equal(voice_create(&plain), AV_OK);
    assert_int_equal(voice_configure(plain, "en-us", 150), AV_OK);
    for (size_t i = 0; i < NTEXTS; i++) {
        const struct voice_clip *c;
        assert_int_equal(voice_synth(plain, texts[i], &c), AV_OK);
        want[i] = copy_of(c);
    }
    voice_destroy(plain);

    /* Cold, then warm: the warm run speaks nothing and gets the same
     * samples. */
    assert_int_equal(run_texts(dir, want), NTEXTS);
    assert_int_equal(run_texts(dir, want), 0);

    /* Corrupt entries: one byte flipped, one truncated, one emptied, one
     * replaced by another entry's file (a stand-in for a hash collision).
     * Each is detected and spoken again, never returned as is, and the
     * next run finds them whole again. */
    size_t n;
    char **files = entries(dir, &n);
    assert_int_equal(n, NTEXTS + 1); /* the texts and the voice name */
    int damaged = 0;
    for (size_t i = 0; i < n; i++) {
        size_t len;
        unsigned char *b = slurp(files[i], &len);
        assert_non_null(b);
        if (len < 1000) { /* the voice-name entry: leave it */
            free(b);
            continue;
        }
        FILE *f = fopen(files[i], "wb");
        assert_non_null(f);
        switch (damaged++) {
        case 0: b[len - 7] ^= 0x40; fwrite(b, 1, len, f); break;
        case 1: fwrite(b, 1, len - 100, f); break;
        case 2: break;
        case 3: {
            size_t other_len;
            unsigned char *o = slurp(files[(i + 1) % n], &other_len);
            fwrite(o, 1, other_len, f);
            free(o);
            break;
        }
        default: fwrite(b, 1, len, f); break;
        }
        fclose(f);
        free(b);
    }
    free_list(files);
    assert_int_equal(run_texts(dir, want), 4);
    assert_int_equal(run_texts(dir, want), 0);

    /* Two processes filling an empty cache at once, in opposite orders:
     * afterwards every entry is whole. */
    assert_int_equal(filecache_clear(dir), AV_OK);
    pid_t pids[2];
    for (int p = 0; p < 2; p++) {
        pids[p] = fork();
        assert_true(pids[p] >= 0);
        if (pids[p] == 0) {
            struct voice *v = NULL;
            if (voice_create(&v) || voice_use_cache(v, dir, FILECACHE_DEFAULT_MAX) ||
                voice_configure(v, "en-us", 150))
                _exit(1);
            for (int round = 0; round < 3; round++) {
                for (size_t i = 0; i < NTEXTS; i++) {
                    const struct voice_clip *c;
                    size_t k = p ? NTEXTS - 1 - i : i;
                    if (voice_synth(v, texts[k], &c) || c->frames != want[k].n ||
                        memcmp(c->samples, want[k].s, want[k].n * sizeof(int16_t)))
                        _exit(2);
                }
                assert_int_equal(voice_configure(v, "en-us", 151), AV_OK);
                assert_int_equal(voice_configure(v, "en-us", 150), AV_OK);
            }
            voice_destroy(v);
            _exit(0);
        }
    }
    for (int p = 0; p < 2; p++) {
        int st;
        assert_int_equal(waitpid(pids[p], &st, 0), pids[p]);
        assert_true(WIFEXITED(st));
        assert_int_equal(WEXITSTATUS(st), 0);
    }
    assert_int_equal(run_texts(dir, want), 0);
    int temps = 0;
    assert_int_equal(count_entries(dir, &temps), NTEXTS + 1);

    /* A voice name is remembered only once espeak-ng accepted it. */
    struct voice *v = NULL;
    assert_int_equal(voice_create(&v), AV_OK);
    assert_int_equal(voice_use_cache(v, dir, FILECACHE_DEFAULT_MAX), AV_OK);
    assert_int_equal(voice_configure(v, "no-such-voice-xyz", 150), AV_EVOICE);
    assert_int_equal(voice_configure(v, "no-such-voice-xyz", 150), AV_EVOICE);
    voice_destroy(v);

    for (size_t i = 0; i < NTEXTS; i++)
        free(want[i].s);
    rm_rf(dir);
    free(dir);
}

/* The helper process keeps none of the caller's files open: a pipe the
 * caller closes (as `render -o -` closes its output) reaches end of file
 * at once, even while voices and their helpers are alive. */
static void helper_keeps_no_caller_files(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    struct voice *v = NULL;
    assert_int_equal(voice_create(&v), AV_OK);
    assert_int_equal(voice_configure(v, "en-us", 150), AV_OK);
    const struct voice_clip *c;
    assert_int_equal(voice_synth(v, "A worker was forked.", &c), AV_OK);
    close(p[1]);
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    char b;
    errno = 0;
    assert_int_equal(read(p[0], &b, 1), 0); /* end of file, not EAGAIN */
    close(p[0]);
    voice_destroy(v);
}

/* A text longer than VOICE_MAX_CLIP_SECONDS is refused (the helper stops
 * synthesis there), and the voice goes on working. */
static void clip_budget(void **state)
{
    (void)state;
    char *text = breathe_words(2600); /* about 17 minutes at 150 wpm */
    struct voice *v = NULL;
    assert_int_equal(voice_create(&v), AV_OK);
    assert_int_equal(voice_configure(v, "en-us", 150), AV_OK);
    const struct voice_clip *c;
    assert_int_equal(voice_synth(v, text, &c), AV_ELIMIT);
    assert_int_equal(voice_synth(v, "Still here.", &c), AV_OK);
    assert_true(c->frames > 0);
    voice_destroy(v);
    free(text);
}

static volatile sig_atomic_t stop_flag;

static void on_alarm(int sig)
{
    (void)sig;
    stop_flag = 1;
}

/* The stop flag: raised before, nothing is spoken; raised by a signal
 * while the helper speaks a long text, the wait ends with
 * AV_EINTERRUPTED instead of running to the clip budget. */
static void stop_flag_ends_the_wait(void **state)
{
    (void)state;
    struct voice *v = NULL;
    assert_int_equal(voice_create(&v), AV_OK);
    assert_int_equal(voice_configure(v, "en-us", 150), AV_OK);
    voice_set_stop(v, &stop_flag);
    const struct voice_clip *c;
    stop_flag = 1;
    assert_int_equal(voice_synth(v, "Never spoken.", &c), AV_EINTERRUPTED);
    assert_int_equal(voice_synth_count(v), 0);
    stop_flag = 0;
    char *text = breathe_words(600);
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sa.sa_flags = SA_RESTART; /* the wait must not rely on EINTR */
    sigemptyset(&sa.sa_mask);
    assert_int_equal(sigaction(SIGALRM, &sa, &old), 0);
    struct itimerval it = {.it_value = {.tv_sec = 0, .tv_usec = 20000}};
    assert_int_equal(setitimer(ITIMER_REAL, &it, NULL), 0);
    int err = voice_synth(v, text, &c);
    struct itimerval none = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &none, NULL);
    sigaction(SIGALRM, &old, NULL);
    assert_int_equal(err, AV_EINTERRUPTED);
    stop_flag = 0;
    voice_destroy(v);
    free(text);
}

/* Field `want` (3: state, 4: parent, 19: nice) of /proc/PID/stat, or
 * -99. */
static long stat_field(long pid, int want)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -99;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *p = strrchr(buf, ')'); /* the name may hold spaces */
    int field = 2;
    for (; p && *p; p++)
        if (*p == ' ' && ++field == want)
            return strtol(p + 1, NULL, 10);
    return -99;
}

/* How many processes whose parent is `parent` run at nice `nice`. */
static int children_at(long parent, int nice, long *one)
{
    DIR *d = opendir("/proc");
    assert_non_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));) {
        long pid = strtol(e->d_name, NULL, 10);
        if (pid > 0 && stat_field(pid, 4) == parent && stat_field(pid, 19) == nice) {
            *one = pid;
            n++;
        }
    }
    closedir(d);
    return n;
}

/* voice_lower_priority(): the helper, and the copy it forks for the voice,
 * run that many nice levels below this process, and speech still comes. */
static void lower_priority(void **state)
{
    (void)state;
    errno = 0;
    int mine = getpriority(PRIO_PROCESS, 0);
    assert_int_equal(errno, 0);
    if (mine > 19 - 3)
        skip(); /* already as low as it goes */
    long helper = 0, copy = 0;
    assert_int_equal(children_at(getpid(), mine + 3, &helper), 0);
    struct voice *v = NULL;
    assert_int_equal(voice_create(&v), AV_OK);
    assert_int_equal(voice_lower_priority(v, 3), AV_OK);
    assert_int_equal(voice_configure(v, "en-us", 150), AV_OK);
    const struct voice_clip *c;
    assert_int_equal(voice_synth(v, "Lower, and still speaking.", &c), AV_OK);
    assert_true(c->frames > 0);
    assert_int_equal(children_at(getpid(), mine + 3, &helper), 1);
    assert_int_equal(children_at(helper, mine + 3, &copy), 1); /* the configured copy */
    voice_destroy(v);
}

static void *draw_many(void *arg)
{
    unsigned *sink = arg;
    for (int i = 0; i < 200000; i++)
        *sink ^= (unsigned)rand();
    return NULL;
}

/* rand() is the executable's (src/voice/rand.c), for the libraries too,
 * with one state per thread: seeded with 1, a thread's draws are glibc's
 * own generator's from seed 1 (random_r() on a state of our own here),
 * however much another thread draws at the same time.  With glibc's one
 * shared state the other thread's draws would fall in between. */
static void rand_per_thread(void **state)
{
    (void)state;
    int (*ours)(void) = rand;
    assert_true(dlsym(RTLD_DEFAULT, "rand") == *(void **)&ours);
    enum { N = 4096 };
    static int32_t want[N];
    static int got[N];
    struct random_data rd;
    memset(&rd, 0, sizeof rd);
    static int32_t st[32];
    assert_int_equal(initstate_r(1, (char *)st, sizeof st, &rd), 0);
    for (int i = 0; i < N; i++)
        random_r(&rd, &want[i]);
    unsigned sink = 0;
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, draw_many, &sink), 0);
    srand(1);
    for (int i = 0; i < N; i++) {
        got[i] = rand();
        if (i % 64 == 0)
            sched_yield(); /* let the other thread draw in between */
    }
    assert_int_equal(pthread_join(t, NULL), 0);
    for (int i = 0; i < N; i++)
        assert_int_equal(got[i], want[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(speaks),
        cmocka_unit_test(caches_each_text_once),
        cmocka_unit_test(independent_of_what_came_before),
        cmocka_unit_test(disk_cache),
        cmocka_unit_test(asked_ahead_same_samples),
        cmocka_unit_test(helper_keeps_no_caller_files),
        cmocka_unit_test(clip_budget),
        cmocka_unit_test(stop_flag_ends_the_wait),
        cmocka_unit_test(forget_keeps_the_others),
        cmocka_unit_test(speed_changes_length),
        cmocka_unit_test(bad_settings),
        cmocka_unit_test(lengths_at_other_rates),
        cmocka_unit_test(rand_per_thread),
        cmocka_unit_test(lower_priority),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
