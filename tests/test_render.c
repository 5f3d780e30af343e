/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_render.c — render_run() and the `asanavox render` command: the
 * file's length is the plan's, every format comes out readable and
 * deterministic, standard output and pipes are streamed to, and every
 * failure (unwritable directory, file-size limit, full device) exits 1,
 * and Ctrl-C and SIGTERM 130 and 143, with one line and no file left behind.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <dirent.h>
#include <ebur128.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "asanavox/arena.h"
#include "asanavox/compile.h"
#include "asanavox/diag.h"
#include "asanavox/error.h"
#include "asanavox/mixer.h"
#include "asanavox/render.h"
#include "asanavox/sink.h"
#include "asanavox/tags.h"
#include "asanavox/timeline.h"
#include "asanavox/voice.h"
#include "fs_support.h"

#define PROGRAM TEST_BINARY_DIR "/asanavox"
#define BASIC TEST_SOURCE_DIR "/tests/data/render-basic.yoga"

/* ---- helpers ---------------------------------------------------------------- */

static bool has_temp(const char *dir)
{
    DIR *d = opendir(dir);
    bool found = false;
    struct dirent *e;
    while (d && (e = readdir(d)))
        found = found || strstr(e->d_name, ".tmp");
    if (d)
        closedir(d);
    return found;
}

struct run {
    int status;       /* exit status, or 128 + signal */
    char err[4096];   /* standard error */
    unsigned char *out; /* standard output when captured */
    size_t out_len;
};

struct run_opts {
    const char *cwd;
    long fsize_limit;      /* RLIMIT_FSIZE in bytes, 0 for none */
    bool capture_out;
    const char *watch_dir; /* send `sig` once a temporary file shows here */
    int sig;
    int sig_after_ms;      /* or send `sig` this long after the start */
};

static void drain(int fd, unsigned char **buf, size_t *len, size_t cap_hint)
{
    size_t cap = cap_hint;
    *buf = malloc(cap);
    *len = 0;
    ssize_t n;
    for (;;) {
        if (*len == cap) {
            cap *= 2;
            *buf = realloc(*buf, cap);
        }
        n = read(fd, *buf + *len, cap - *len);
        if (n <= 0)
            break;
        *len += (size_t)n;
    }
}

/* Run the program with argv (NULL-terminated, argv[0] ignored). */
static struct run run_program(const char *const *argv, const struct run_opts *o)
{
    int errp[2], outp[2];
    assert_int_equal(pipe(errp), 0);
    assert_int_equal(pipe(outp), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(errp[1], 2);
        if (o && o->capture_out)
            dup2(outp[1], 1);
        else {
            int devnull = open("/dev/null", O_WRONLY);
            dup2(devnull, 1);
        }
        close(errp[0]);
        close(outp[0]);
        if (o && o->cwd && chdir(o->cwd) != 0)
            _exit(99);
        if (o && o->fsize_limit) {
            struct rlimit rl = {(rlim_t)o->fsize_limit, (rlim_t)o->fsize_limit};
            setrlimit(RLIMIT_FSIZE, &rl);
        }
        execv(PROGRAM, (char *const *)argv);
        _exit(98);
    }
    close(errp[1]);
    close(outp[1]);
    struct run r = {0};
    if (o && o->watch_dir) {
        /* Wait for the temporary file, then interrupt. */
        struct timespec ms = {0, 1000 * 1000};
        for (int i = 0; i < 20000 && !has_temp(o->watch_dir); i++)
            nanosleep(&ms, NULL);
        assert_true(has_temp(o->watch_dir));
        kill(pid, o->sig);
    } else if (o && o->sig_after_ms) {
        struct timespec t = {o->sig_after_ms / 1000, (long)(o->sig_after_ms % 1000) * 1000000L};
        nanosleep(&t, NULL);
        kill(pid, o->sig);
    }
    if (o && o->capture_out)
        drain(outp[0], &r.out, &r.out_len, 1 << 20);
    unsigned char *e;
    size_t elen;
    drain(errp[0], &e, &elen, 4096);
    size_t k = elen < sizeof(r.err) - 1 ? elen : sizeof(r.err) - 1;
    memcpy(r.err, e, k);
    r.err[k] = '\0';
    free(e);
    close(errp[0]);
    close(outp[0]);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return r;
}

static int lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* The planned duration of a session, by compiling it here. */
static struct voice *the_voice; /* one per process: see test_mixer.c */

static int64_t planned_frames(const char *path, int rate)
{
    if (!the_voice)
        assert_int_equal(voice_create(&the_voice), AV_OK);
    struct compile_env env;
    compile_env_default(&env, the_voice);
    struct compile_options co;
    compile_options_init(&co);
    co.rate = rate;
    struct diag *d = diag_create();
    struct timeline *tl;
    assert_int_equal(compile_session(path, &co, &env, d, &tl), AV_OK);
    diag_destroy(d);
    int64_t n = tl->duration;
    timeline_destroy(tl);
    return n;
}

static sf_count_t file_frames(const char *path, int *rate, int *channels)
{
    SF_INFO info = {0};
    SNDFILE *sf = sf_open(path, SFM_READ, &info);
    if (!sf)
        return -1;
    sf_close(sf);
    *rate = info.samplerate;
    *channels = info.channels;
    return info.frames;
}

/* True peak (dBTP, libebur128) of a file as decoded. */
static double decoded_true_peak(const char *path)
{
    SF_INFO info = {0};
    SNDFILE *sf = sf_open(path, SFM_READ, &info);
    assert_non_null(sf);
    ebur128_state *st = ebur128_init((unsigned)info.channels, (unsigned long)info.samplerate,
                                     EBUR128_MODE_TRUE_PEAK);
    float *buf = malloc(8192 * (size_t)info.channels * sizeof(float));
    sf_count_t n;
    while ((n = sf_readf_float(sf, buf, 8192)) > 0)
        ebur128_add_frames_float(st, buf, (size_t)n);
    double worst = 0;
    for (int c = 0; c < info.channels; c++) {
        double p;
        ebur128_true_peak(st, (unsigned)c, &p);
        worst = p > worst ? p : worst;
    }
    ebur128_destroy(&st);
    free(buf);
    sf_close(sf);
    return 20 * log10(worst);
}

/* Lossy formats keep their true peak under -1 dBTP once decoded, mono
 * too (the hardest case: mono is 3 dB hotter per channel). */
static void test_cli_lossy_true_peak(void **state)
{
    (void)state;
    static const char *const exts[] = {"ogg", "mp3"};
    char *dir = tmpdir_for("render");
    for (size_t k = 0; k < 2; k++) {
        char name[32];
        snprintf(name, sizeof(name), "mono.%s", exts[k]);
        char *p = path_in(dir, name);
        const char *argv[] = {"asanavox", "render", BASIC, "-o", p, "--mono", NULL};
        assert_int_equal(run_program(argv, NULL).status, 0);
        double tp = decoded_true_peak(p);
        print_message("%s mono: true peak %.2f dBTP\n", exts[k], tp);
        assert_true(tp <= -1.0);
        free(p);
    }
    rm_rf(dir);
    free(dir);
}

/* ---- render_run() ------------------------------------------------------------- */

static struct timeline *bells_timeline(void)
{
    struct timeline *tl = calloc(1, sizeof(*tl));
    tl->arena = arena_create();
    tl->rate = 48000;
    tl->title = tl->about = "";
    tl->duration = 48000 * 12 + 17;
    tl->n_events = 3;
    tl->events = calloc(3, sizeof(struct tl_event));
    const char *snd = arena_strdup(tl->arena, TEST_SOURCE_DIR "/sounds/bowl.wav");
    for (int i = 0; i < 3; i++) {
        tl->events[i].kind = TL_BELL;
        tl->events[i].start = 48000 * 3 * i + 5;
        tl->events[i].sound = snd;
        tl->events[i].end = tl->events[i].clip_end = tl->events[i].start + 48000 * 7;
    }
    return tl;
}

struct progress_log {
    int64_t last;
    int calls;
    int stop_after;
    volatile sig_atomic_t *stop;
};

static void on_progress(void *ctx, int64_t done, int64_t total)
{
    struct progress_log *p = ctx;
    assert_true(done >= p->last);
    assert_true(done <= total);
    p->last = done;
    if (++p->calls == p->stop_after && p->stop)
        *p->stop = 1;
}

static void test_render_run(void **state)
{
    (void)state;
    char *dir = tmpdir_for("render");
    char *out = path_in(dir, "bells.wav");
    struct timeline *tl = bells_timeline();
    struct mixer *m;
    assert_int_equal(mixer_create(tl, NULL, NULL, &m), AV_OK);
    struct sink *s;
    assert_int_equal(sink_create(&sink_file_ops, &s), AV_OK);
    struct sink_params p = {48000, 2, SINK_FORMAT_WAV, tl->duration};
    assert_int_equal(sink_open(s, out, &p), AV_OK);
    struct progress_log log = {0};
    struct render_progress prog = {on_progress, &log};
    volatile sig_atomic_t stop = 0;
    assert_int_equal(render_run(m, s, &stop, &prog), AV_OK);
    assert_int_equal(log.last, tl->duration);
    sink_destroy(s);
    int rate, ch;
    assert_int_equal(file_frames(out, &rate, &ch), tl->duration);
    assert_int_equal(rate, 48000);
    assert_int_equal(ch, 2);
    mixer_destroy(m);
    timeline_destroy(tl);
    free(out);
    rm_rf(dir);
    free(dir);
}

static void test_render_run_interrupted(void **state)
{
    (void)state;
    char *dir = tmpdir_for("render");
    char *out = path_in(dir, "bells.wav");
    struct timeline *tl = bells_timeline();
    struct mixer *m;
    assert_int_equal(mixer_create(tl, NULL, NULL, &m), AV_OK);
    struct sink *s;
    assert_int_equal(sink_create(&sink_file_ops, &s), AV_OK);
    struct sink_params p = {48000, 2, SINK_FORMAT_WAV, tl->duration};
    assert_int_equal(sink_open(s, out, &p), AV_OK);
    volatile sig_atomic_t stop = 0;
    struct progress_log log = {.stop_after = 3, .stop = &stop};
    struct render_progress prog = {on_progress, &log};
    assert_int_equal(render_run(m, s, &stop, &prog), AV_EINTERRUPTED);
    assert_true(has_temp(dir)); /* written so far, not yet in place */
    sink_destroy(s);
    assert_int_equal(count_entries(dir, NULL), 0);
    mixer_destroy(m);
    timeline_destroy(tl);
    free(out);
    rm_rf(dir);
    free(dir);
}

/* ---- the command ------------------------------------------------------------------ */

static void test_cli_wav_length_is_the_plan(void **state)
{
    (void)state;
    char *dir = tmpdir_for("render");
    char *out = path_in(dir, "basic.wav");
    const char *argv[] = {"asanavox", "render", BASIC, "-o", out, NULL};
    struct run r = run_program(argv, NULL);
    assert_int_equal(r.status, 0);
    /* One line when done: the file, its length and size (as stat says). */
    struct stat st;
    assert_int_equal(stat(out, &st), 0);
    char want[600];
    long secs = (long)(planned_frames(BASIC, 48000) / 48000);
    snprintf(want, sizeof want, "wrote %s (%ld:%02ld, %.1f MB, 48000 Hz stereo)\n", out,
             secs / 60, secs % 60, (double)st.st_size / 1e6);
    assert_string_equal(r.err, want);
    /* -q: nothing. */
    const char *quiet[] = {"asanavox", "render", BASIC, "-o", out, "-q", NULL};
    struct run rq = run_program(quiet, NULL);
    assert_int_equal(rq.status, 0);
    assert_string_equal(rq.err, "");
    free(rq.out);
    int rate, ch;
    assert_int_equal(file_frames(out, &rate, &ch), planned_frames(BASIC, 48000));
    assert_int_equal(rate, 48000);
    assert_int_equal(ch, 2);
    assert_int_equal(count_entries(dir, NULL), 1);

    char *mono = path_in(dir, "mono.wav");
    const char *argv2[] = {"asanavox", "render", BASIC, "-o", mono, "--rate", "22050", "--mono",
                           "--volume", "-3", NULL};
    r = run_program(argv2, NULL);
    assert_int_equal(r.status, 0);
    assert_int_equal(file_frames(mono, &rate, &ch), planned_frames(BASIC, 22050));
    assert_int_equal(rate, 22050);
    assert_int_equal(ch, 1);
    free(mono);
    free(out);
    rm_rf(dir);
    free(dir);
}

static void test_cli_default_output(void **state)
{
    (void)state;
    char *dir = tmpdir_for("render");
    const char *argv[] = {"asanavox", "render", BASIC, NULL};
    struct run_opts o = {.cwd = dir};
    struct run r = run_program(argv, &o);
    assert_int_equal(r.status, 0);
    char *out = path_in(dir, "render-basic.wav");
    int rate, ch;
    assert_true(file_frames(out, &rate, &ch) > 0);
    assert_int_equal(count_entries(dir, NULL), 1);
    free(out);
    rm_rf(dir);
    free(dir);
}

/* Each format: readable back at the plan's length, and the same bytes
 * from two runs. */
static void test_cli_formats_deterministic(void **state)
{
    (void)state;
    static const char *const exts[] = {"wav", "flac", "ogg", "mp3"};
    char *dir = tmpdir_for("render");
    int64_t planned = planned_frames(BASIC, 48000);
    for (size_t k = 0; k < sizeof(exts) / sizeof(exts[0]); k++) {
        char n1[32], n2[32];
        snprintf(n1, sizeof(n1), "one.%s", exts[k]);
        snprintf(n2, sizeof(n2), "two.%s", exts[k]);
        char *p1 = path_in(dir, n1), *p2 = path_in(dir, n2);
        const char *a1[] = {"asanavox", "render", BASIC, "-o", p1, NULL};
        const char *a2[] = {"asanavox", "render", BASIC, "--output", p2, NULL};
        assert_int_equal(run_program(a1, NULL).status, 0);
        assert_int_equal(run_program(a2, NULL).status, 0);
        int rate, ch;
        assert_int_equal(file_frames(p1, &rate, &ch), planned);
        double tp = decoded_true_peak(p1);
        print_message("%s: true peak %.2f dBTP\n", exts[k], tp);
        assert_true(tp <= -1.0);
        size_t l1, l2;
        unsigned char *b1 = slurp(p1, &l1), *b2 = slurp(p2, &l2);
        assert_int_equal(l1, l2);
        assert_memory_equal(b1, b2, l1);
        free(b1);
        free(b2);
        free(p1);
        free(p2);
    }
    rm_rf(dir);
    free(dir);
}

/* `-o -` streams WAV to standard output: the same bytes as the file. */
static void test_cli_stdout(void **state)
{
    (void)state;
    char *dir = tmpdir_for("render");
    char *file = path_in(dir, "file.wav");
    const char *a1[] = {"asanavox", "render", BASIC, "-o", file, NULL};
    assert_int_equal(run_program(a1, NULL).status, 0);
    const char *a2[] = {"asanavox", "render", BASIC, "-o", "-", NULL};
    struct run_opts o = {.capture_out = true};
    struct run r = run_program(a2, &o);
    assert_int_equal(r.status, 0);
    size_t len;
    unsigned char *b = slurp(file, &len);
    assert_int_equal(r.out_len, len);
    assert_memory_equal(r.out, b, len);
    /* LIST/INFO (tests/test_tags.c) comes before "data", which holds
     * exactly the plan's frames; the chapters (cue, LIST/adtl) follow it
     * and end the file. */
    size_t at = 12;
    const char *want[] = {"data", "cue ", "LIST"};
    for (size_t k = 0; k < 3; k++) {
        while (at + 8 <= len && memcmp(b + at, want[k], 4) != 0)
            at += 8 + ((b[at + 4] | b[at + 5] << 8 | b[at + 6] << 16 | (size_t)b[at + 7] << 24) + 1) /
                          2 * 2;
        assert_true(at + 8 <= len);
        size_t size = b[at + 4] | b[at + 5] << 8 | b[at + 6] << 16 | (size_t)b[at + 7] << 24;
        if (k == 0)
            assert_int_equal(size, (size_t)planned_frames(BASIC, 48000) * 4);
        at += 8 + (size + 1) / 2 * 2;
    }
    assert_int_equal(at, len);
    free(b);
    free(r.out);
    free(file);
    rm_rf(dir);
    free(dir);
}

/* Lines of stderr that are ours.  espeak-ng 1.51 opens an audio device
 * (PulseAudio) when it starts, even to synthesize into memory, and under a
 * file-size limit libpulse complains about its shared memory on stderr:
 * that is not the render's reason, so it is not counted here (see the
 * report on voice.c). */
static int our_lines(const char *s)
{
    int n = 0;
    for (const char *l = s; *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : l + strlen(l))
        if (!strncmp(l, "asanavox", 8))
            n++;
    return n;
}

static void expect_failure(const struct run *r, int status, const char *needle)
{
    if (r->status != status || !strstr(r->err, needle) || our_lines(r->err) != 1)
        print_message("status %d, stderr: %s", r->status, r->err);
    assert_int_equal(r->status, status);
    const char *line = strstr(r->err, "asanavox render: ");
    assert_non_null(line);
    assert_non_null(strstr(line, needle));
    assert_int_equal(our_lines(r->err), 1); /* one line */
    assert_non_null(strchr(line, '\n'));
    if (status != 1 || !strstr(needle, "too large"))
        assert_int_equal(lines(r->err), 1); /* nothing else either */
}

static void test_cli_failures_leave_nothing(void **state)
{
    (void)state;
    char *dir = tmpdir_for("render");

    char *missing = path_in(dir, "no/such/dir/x.wav");
    const char *a1[] = {"asanavox", "render", BASIC, "-o", missing, NULL};
    struct run r = run_program(a1, NULL);
    expect_failure(&r, 1, "No such file or directory");

    char *big = path_in(dir, "big.wav");
    const char *a2[] = {"asanavox", "render", BASIC, "-o", big, NULL};
    struct run_opts lim = {.fsize_limit = 100000};
    r = run_program(a2, &lim);
    expect_failure(&r, 1, "File too large");

    char *flac = path_in(dir, "big.flac");
    const char *a3[] = {"asanavox", "render", BASIC, "-o", flac, NULL};
    r = run_program(a3, &lim);
    expect_failure(&r, 1, "File too large");

    if (access("/dev/full", W_OK) == 0) {
        const char *a4[] = {"asanavox", "render", BASIC, "-o", "/dev/full", NULL};
        r = run_program(a4, NULL);
        expect_failure(&r, 1, "No space left on device");
    }
    assert_int_equal(count_entries(dir, NULL), 0);

    /* usage errors: status 2 */
    char *aiff = path_in(dir, "x.aiff");
    const char *a5[] = {"asanavox", "render", BASIC, "-o", aiff, NULL};
    r = run_program(a5, NULL);
    expect_failure(&r, 2, "format");
    const char *a6[] = {"asanavox", "render", BASIC, "--rate", "5", NULL};
    r = run_program(a6, NULL);
    expect_failure(&r, 2, "--rate");
    const char *a7[] = {"asanavox", "render", BASIC, "--bogus", NULL};
    r = run_program(a7, NULL);
    expect_failure(&r, 2, "unknown option");
    const char *a8[] = {"asanavox", "render", NULL};
    r = run_program(a8, NULL);
    assert_int_equal(r.status, 2);
    const char *a9[] = {"asanavox", "render", "--help", NULL};
    struct run_opts cap = {.capture_out = true};
    r = run_program(a9, &cap);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr((char *)r.out, "usage: asanavox render"));
    free(r.out);
    assert_int_equal(count_entries(dir, NULL), 0);

    free(missing);
    free(big);
    free(flac);
    free(aiff);
    rm_rf(dir);
    free(dir);
}

/* Ctrl-C and SIGTERM in the middle: exit 128 + the signal (130, 143, as
 * `play` does) with one line, the temporary file removed, no target. */
static void test_cli_interrupted(void **state)
{
    (void)state;
    static const int sigs[] = {SIGINT, SIGTERM};
    for (size_t k = 0; k < 2; k++) {
        char *dir = tmpdir_for("render");
        char *session = path_in(dir, "long.yoga");
        FILE *f = fopen(session, "w");
        fputs("title: Long\nbell\nsay Five hours of quiet.\nsilence 5h\nbell\n", f);
        fclose(f);
        char *out = path_in(dir, "long.wav");
        const char *argv[] = {"asanavox", "render", session, "-o", out, "--rate", "8000",
                              "--mono", NULL};
        struct run_opts o = {.watch_dir = dir, .sig = sigs[k]};
        struct run r = run_program(argv, &o);
        expect_failure(&r, 128 + sigs[k], "interrupted");
        assert_int_equal(count_entries(dir, NULL), 1); /* only the session */
        assert_int_equal(access(out, F_OK), -1);
        free(out);
        free(session);
        rm_rf(dir);
        free(dir);
    }
}

static int teardown(void **state)
{
    (void)state;
    voice_destroy(the_voice);
    return 0;
}

/* A session whose compile synthesizes minutes of distinct speech and then
 * fails on the speech budget (exit 2): a signal that arrives meanwhile must
 * end it as interrupted instead, with nothing written. */
static char *write_slow_session(const char *dir)
{
    char *session = path_in(dir, "slow.yoga");
    FILE *f = fopen(session, "w");
    assert_non_null(f);
    for (int i = 0; i < 3000; i++)
        fprintf(f, "say Breathe slowly and let the shoulders soften, number %d.\n", i);
    fclose(f);
    return session;
}

static void test_cli_signal_during_compile(void **state)
{
    (void)state;
    static const int sigs[] = {SIGTERM, SIGINT, SIGHUP};
    for (size_t k = 0; k < 3; k++) {
        char *dir = tmpdir_for("render");
        char *session = write_slow_session(dir);
        char *out = path_in(dir, "slow.wav");
        /* --no-cache: spoken anew every time, so the compile is still
         * busy when the signal comes (from the speech cache it would be
         * over at once, and end in the speech budget's error). */
        const char *argv[] = {"asanavox", "render", session, "-o", out, "--no-cache", NULL};
        struct run_opts o = {.sig = sigs[k], .sig_after_ms = 300};
        struct run r = run_program(argv, &o);
        expect_failure(&r, 128 + sigs[k], "interrupted");
        assert_int_equal(count_entries(dir, NULL), 1); /* only the session */
        free(out);
        free(session);
        rm_rf(dir);
        free(dir);
    }
}

/* Rendering over an existing file keeps its permission bits. */
static void test_cli_keeps_mode(void **state)
{
    (void)state;
    char *dir = tmpdir_for("render");
    char *out = path_in(dir, "private.wav");
    FILE *f = fopen(out, "w");
    fputs("old", f);
    fclose(f);
    assert_int_equal(chmod(out, 0600), 0);
    const char *argv[] = {"asanavox", "render", BASIC, "-o", out, "--rate", "8000", NULL};
    struct run r = run_program(argv, NULL);
    assert_int_equal(r.status, 0);
    struct stat st;
    assert_int_equal(stat(out, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_true(st.st_size > 44);
    free(out);
    rm_rf(dir);
    free(dir);
}

/* A temporary file a killed render left (its PID gone, over a minute old)
 * is removed by the next render into that directory; one of a live
 * process, a fresh one and a file of another pattern are left alone. */
static void test_cli_removes_stale_temps(void **state)
{
    (void)state;
    char *dir = tmpdir_for("render");
    pid_t dead = fork();
    if (dead == 0)
        _exit(0);
    assert_int_equal(waitpid(dead, NULL, 0), dead);
    char name[128];
    snprintf(name, sizeof name, ".old.wav.%ld.0.tmp", (long)dead);
    char *stale = path_in(dir, name);
    snprintf(name, sizeof name, ".fresh.wav.%ld.0.tmp", (long)dead);
    char *fresh = path_in(dir, name);
    snprintf(name, sizeof name, ".live.wav.%ld.0.tmp", (long)getpid());
    char *live = path_in(dir, name);
    char *other = path_in(dir, ".notes.tmp");
    const char *files[] = {stale, fresh, live, other};
    struct timespec old[2] = {{time(NULL) - 120, 0}, {time(NULL) - 120, 0}};
    for (int i = 0; i < 4; i++) {
        FILE *f = fopen(files[i], "w");
        assert_non_null(f);
        fclose(f);
        if (files[i] != fresh)
            assert_int_equal(utimensat(AT_FDCWD, files[i], old, 0), 0);
    }
    char *out = path_in(dir, "new.wav");
    const char *argv[] = {"asanavox", "render", BASIC, "-o", out, "--rate", "8000", NULL};
    struct run r = run_program(argv, NULL);
    assert_int_equal(r.status, 0);
    assert_int_equal(access(stale, F_OK), -1);
    assert_int_equal(access(fresh, F_OK), 0);
    assert_int_equal(access(live, F_OK), 0);
    assert_int_equal(access(other, F_OK), 0);
    assert_int_equal(access(out, F_OK), 0);
    free(stale);
    free(fresh);
    free(live);
    free(other);
    free(out);
    rm_rf(dir);
    free(dir);
}

/* Where the "data" chunk of a WAV file starts, and its length (0 when
 * there is none). */
static size_t wav_data(const unsigned char *b, size_t len, size_t *n)
{
    size_t at = 12;
    while (at + 8 <= len && memcmp(b + at, "data", 4) != 0)
        at += 8 + ((b[at + 4] | b[at + 5] << 8 | b[at + 6] << 16 | (size_t)b[at + 7] << 24) + 1) /
                      2 * 2;
    size_t size = at + 8 <= len ? (b[at + 4] | b[at + 5] << 8 | b[at + 6] << 16 |
                                   (size_t)b[at + 7] << 24)
                                : 0;
    *n = size <= len - at - 8 ? size : 0; /* the chapters follow */
    return at + 8;
}

/* `render` compiles on a thread of its own and mixes what is laid out
 * while espeak-ng still speaks (cli_stream.h, render_run_opening()): its
 * samples are those of the whole timeline rendered here (compile with the
 * speech bank, mixer, file sink), and with the same tags the whole files
 * are the same. */
static void test_cli_streamed_same_samples(void **state)
{
    (void)state;
    static const struct {
        const char *session;
        int rate, channels;
    } cases[] = {
        {BASIC, 48000, 2},
        {TEST_SOURCE_DIR "/sessions/morning-5.yoga", 16000, 1},
    };
    char *dir = tmpdir_for("render");
    char *cli = path_in(dir, "cli.wav"), *here = path_in(dir, "here.wav");
    if (!the_voice)
        assert_int_equal(voice_create(&the_voice), AV_OK);
    /* One date for the tags here and in the program's (tags.h). */
    setenv("SOURCE_DATE_EPOCH", "1000000000", 1);
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char rate[16];
        snprintf(rate, sizeof rate, "%d", cases[k].rate);
        const char *argv[] = {"asanavox", "render", cases[k].session, "-o", cli, "--rate", rate,
                              cases[k].channels == 1 ? "--mono" : NULL, NULL};
        struct run r = run_program(argv, NULL);
        if (r.status != 0)
            print_message("stderr: %s", r.err);
        assert_int_equal(r.status, 0);

        struct compile_options co;
        compile_options_init(&co);
        co.rate = cases[k].rate;
        struct diag *d = diag_create();
        struct timeline *tl = NULL;
        assert_int_equal(compile_session_spoken(cases[k].session, &co, the_voice, d, &tl), AV_OK);
        diag_destroy(d);
        assert_non_null(tl->speech);
        struct mixer_options mo;
        mixer_options_init(&mo);
        mo.channels = cases[k].channels;
        struct mixer *m;
        assert_int_equal(mixer_create(tl, NULL, &mo, &m), AV_OK);
        struct sink *s;
        assert_int_equal(sink_create(&sink_file_ops, &s), AV_OK);
        struct sink_params p = {cases[k].rate, cases[k].channels, SINK_FORMAT_WAV, tl->duration};
        struct tags *t;
        assert_int_equal(tags_create(tl, cases[k].session, &t), AV_OK);
        sink_set_tags(s, t);
        assert_int_equal(sink_open(s, here, &p), AV_OK);
        assert_int_equal(render_run(m, s, NULL, NULL), AV_OK);
        sink_destroy(s);
        mixer_destroy(m);
        tags_destroy(t);

        size_t la, lb, na, nb;
        unsigned char *a = slurp(cli, &la), *b = slurp(here, &lb);
        size_t oa = wav_data(a, la, &na), ob = wav_data(b, lb, &nb);
        print_message("%s: %zu bytes of samples\n", cases[k].session, na);
        assert_int_equal(na, (size_t)tl->duration * 2 * (size_t)cases[k].channels);
        assert_int_equal(na, nb);
        assert_memory_equal(a + oa, b + ob, na);
        /* The whole files too: header, LIST/INFO, and the chapters after
         * the data (the program opens its file before the layout ends and
         * writes the header last; sink.h). */
        assert_true(la > oa + na);
        assert_int_equal(la, lb);
        assert_memory_equal(a, b, la);
        free(a);
        free(b);
        timeline_destroy(tl);
    }
    unsetenv("SOURCE_DATE_EPOCH");
    free(cli);
    free(here);
    rm_rf(dir);
    free(dir);
}

/* An error the layout finds only after the render has started (an 'at' in
 * the past, after the first steps are laid out and mixed) is reported as
 * the compile reports it, exit 2, and nothing is written: no file, no
 * temporary file, nothing on standard output. */
static void test_cli_streamed_late_error(void **state)
{
    (void)state;
    char *dir = tmpdir_for("render");
    char *session = path_in(dir, "late.yoga");
    FILE *f = fopen(session, "w");
    assert_non_null(f);
    fputs("title: Late\nbell\nsay Settle in and let the breath slow down.\nsilence 30s\n"
          "say Almost there.\nat 0:10\nbell\n",
          f);
    fclose(f);
    static const char *const outs[] = {"late.wav", "late.flac", "-"};
    for (size_t k = 0; k < sizeof outs / sizeof outs[0]; k++) {
        char *out = strcmp(outs[k], "-") ? path_in(dir, outs[k]) : strdup("-");
        const char *argv[] = {"asanavox", "render", session, "-o", out, NULL};
        struct run_opts o = {.capture_out = true};
        struct run r = run_program(argv, &o);
        if (r.status != 2)
            print_message("status %d, stderr: %s", r.status, r.err);
        assert_int_equal(r.status, 2);
        assert_non_null(strstr(r.err, "late.yoga:6:4: error: 'at 0:10' is in the past"));
        assert_int_equal(our_lines(r.err), 0); /* the diagnostic says it all */
        assert_int_equal(r.out_len, 0);
        assert_int_equal(count_entries(dir, NULL), 1); /* only the session */
        free(r.out);
        free(out);
    }
    free(session);
    rm_rf(dir);
    free(dir);
}

/* The session itself as the output, by another path, is refused; an
 * empty session writes no (0-byte) file. */
static void test_cli_refuses_session_and_empty(void **state)
{
    (void)state;
    char *dir = tmpdir_for("render");
    char *session = path_in(dir, "s.wav");
    FILE *f = fopen(session, "w");
    fputs("bell\nsay Hello.\n", f);
    fclose(f);
    char *link = path_in(dir, "link.wav");
    assert_int_equal(symlink(session, link), 0);
    const char *argv[] = {"asanavox", "render", session, "-o", link, NULL};
    struct run r = run_program(argv, NULL);
    expect_failure(&r, 2, "is the session itself");
    f = fopen(session, "r");
    char buf[64] = {0};
    assert_true(fread(buf, 1, sizeof buf - 1, f) > 0);
    fclose(f);
    assert_string_equal(buf, "bell\nsay Hello.\n");

    char *empty = path_in(dir, "empty.yoga");
    f = fopen(empty, "w");
    fclose(f);
    char *mp3 = path_in(dir, "empty.mp3");
    const char *argv2[] = {"asanavox", "render", empty, "-o", mp3, NULL};
    r = run_program(argv2, NULL);
    /* An empty session is an error of the session itself (issue 11), so
     * the compile says so, as `check` would, before any output exists. */
    if (r.status != 2 || !strstr(r.err, "error: the session has no steps"))
        print_message("status %d, stderr: %s", r.status, r.err);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "empty.yoga: error: the session has no steps"));
    assert_int_equal(access(mp3, F_OK), -1);
    assert_int_equal(count_entries(dir, NULL), 3);
    free(session);
    free(link);
    free(empty);
    free(mp3);
    rm_rf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_render_run),
        cmocka_unit_test(test_render_run_interrupted),
        cmocka_unit_test(test_cli_wav_length_is_the_plan),
        cmocka_unit_test(test_cli_default_output),
        cmocka_unit_test(test_cli_formats_deterministic),
        cmocka_unit_test(test_cli_stdout),
        cmocka_unit_test(test_cli_lossy_true_peak),
        cmocka_unit_test(test_cli_failures_leave_nothing),
        cmocka_unit_test(test_cli_interrupted),
        cmocka_unit_test(test_cli_signal_during_compile),
        cmocka_unit_test(test_cli_keeps_mode),
        cmocka_unit_test(test_cli_removes_stale_temps),
        cmocka_unit_test(test_cli_refuses_session_and_empty),
        cmocka_unit_test(test_cli_streamed_same_samples),
        cmocka_unit_test(test_cli_streamed_late_error),
    };
    return cmocka_run_group_tests(tests, NULL, teardown);
}
