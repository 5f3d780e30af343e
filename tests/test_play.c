/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_play.c — `asanavox play` end to end, without sound hardware.
 *
 * ALSA is pointed at tests/alsa/file.conf (ALSA_CONFIG_PATH), whose default
 * PCM writes whatever is played to the file named by $ASANAVOX_TEST_PCM
 * through the `null` plugin.  That file is a FIFO which this test reads at
 * PACE times real time: the FIFO fills up when the test stops reading, so
 * the "sound card" consumes audio at a steady rate, like a real one (the
 * null plugin alone would swallow a session in milliseconds).  What comes
 * out is compared with `asanavox render` of the same session: the same
 * length within one device buffer, and a correlation of at least 0.999.
 *
 * Also: --from (a step and a time), the keys on a pseudo-terminal (pause,
 * next, quit, and the terminal's mode afterwards), Ctrl-C and SIGTERM, a
 * machine without any output device, an unknown --device, `play` without
 * a name and without a terminal, and `asanavox devices`.  PortAudio's
 * chatter (ALSA, JACK) must never reach standard error.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <sndfile.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "asanavox/mixer.h"
#include "asanavox/voice.h"

#define ASANAVOX TEST_BINARY_DIR "/asanavox"
#define WORK TEST_BINARY_DIR "/play-test"
#define FILE_CONF TEST_SOURCE_DIR "/tests/alsa/file.conf"
#define NONE_CONF TEST_SOURCE_DIR "/tests/alsa/none.conf"
#define SHORT TEST_SOURCE_DIR "/tests/data/play-short.yoga"
#define RATE 48000
/* Frames of a resume left out of comparisons: play's 30 ms fade-in, and
 * some slack. */
#define RESUME_SKIP ((size_t)(RATE / 20))
/* The fake device plays at PACE x real time; slower under the sanitizers,
 * which slow the mixer down several times. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__) || defined(SANITIZED)
#define PACE 2.0
#else
#define PACE 4.0
#endif
#define CH 2           /* asanavox plays stereo float32 */
#define TIMEOUT_S 120.0

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void nap_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    size_t k;
    while (buf && (k = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += k;
        if (cap - n - 1 == 0) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf)
        buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

/* ---- running the program ----------------------------------------------- */

struct run;
/* Called on every turn of the reading loop; may send keys or signals. */
typedef void (*tick_fn)(struct run *r);

struct run {
    /* in */
    const char *conf;        /* ALSA configuration */
    const char *const *args; /* after "asanavox" */
    bool pty;                /* stdin and stderr on a pseudo-terminal */
    tick_fn tick;
    const char *pcm;         /* where ALSA writes instead of the FIFO */
    const char *search;      /* $ASANAVOX_PATH for the program */
    const char *xdg;         /* XDG_CONFIG_HOME=X/config, XDG_STATE_HOME=X/state;
                                without it a state directory of the run's own,
                                so that what one run keeps (the keys' volume,
                                the resume point) reaches no other test */
    /* state */
    pid_t pid;
    int master, slave;       /* pty */
    int stage;
    double stage_at;         /* captured seconds when the stage began */
    size_t jump_at;          /* captured frames when a jump was asked for */
    /* out */
    int status;              /* exit status, or 128 + signal */
    char *err;               /* standard error (or the terminal's output) */
    float *cap;              /* captured audio, interleaved */
    size_t frames;
    char *tty;               /* what the pty showed */
    size_t tty_len, tty_cap;
    struct termios before, after;
};

static double captured_s(const struct run *r)
{
    return (double)r->frames / RATE;
}

static void run_free(struct run *r)
{
    free(r->err);
    free(r->cap);
    free(r->tty);
}

static void tty_drain(struct run *r)
{
    if (r->master < 0)
        return;
    char buf[4096];
    ssize_t k;
    while ((k = read(r->master, buf, sizeof buf)) > 0) {
        if (r->tty_len + (size_t)k + 1 > r->tty_cap) {
            size_t c = (r->tty_cap + (size_t)k + 1) * 2;
            char *nb = realloc(r->tty, c);
            assert_non_null(nb);
            r->tty = nb;
            r->tty_cap = c;
        }
        memcpy(r->tty + r->tty_len, buf, (size_t)k);
        r->tty_len += (size_t)k;
        r->tty[r->tty_len] = '\0';
    }
}

static bool tty_has(const struct run *r, const char *s)
{
    return r->tty && strstr(r->tty, s);
}

static void send_key(struct run *r, char c)
{
    assert_int_equal(write(r->master, &c, 1), 1);
}

/* Run asanavox with `r->args`, reading the FIFO at PACE x real time until
 * the program exits. */
static void run_play_once(struct run *r)
{
    static int counter;
    char fifo[256], errpath[256], statedir[256];
    mkdir(WORK, 0777);
    snprintf(fifo, sizeof fifo, WORK "/pcm-%d-%d", (int)getpid(), counter);
    snprintf(statedir, sizeof statedir, WORK "/state-%d-%d", (int)getpid(), counter);
    snprintf(errpath, sizeof errpath, WORK "/err-%d-%d", (int)getpid(), counter++);
    unlink(fifo);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    /* Open before the program does, so its open never blocks. */
    int fd = open(fifo, O_RDONLY | O_NONBLOCK);
    assert_true(fd >= 0);
    r->master = r->slave = -1;
    if (r->pty) {
        r->master = posix_openpt(O_RDWR | O_NOCTTY);
        assert_true(r->master >= 0);
        assert_int_equal(grantpt(r->master), 0);
        assert_int_equal(unlockpt(r->master), 0);
        r->slave = open(ptsname(r->master), O_RDWR | O_NOCTTY);
        assert_true(r->slave >= 0);
        assert_int_equal(tcgetattr(r->slave, &r->before), 0);
        fcntl(r->master, F_SETFL, fcntl(r->master, F_GETFL) | O_NONBLOCK);
    }
    char slave_name[256] = "";
    if (r->pty)
        snprintf(slave_name, sizeof slave_name, "%s", ptsname(r->master));
    const char *argv[32];
    int argc = 0;
    argv[argc++] = ASANAVOX;
    for (const char *const *a = r->args; *a && argc < 31; a++)
        argv[argc++] = *a;
    argv[argc] = NULL;

    r->pid = fork();
    assert_true(r->pid >= 0);
    if (r->pid == 0) {
        setenv("ALSA_CONFIG_PATH", r->conf, 1);
        setenv("ASANAVOX_TEST_PCM", r->pcm ? r->pcm : fifo, 1);
        if (r->search)
            setenv("ASANAVOX_PATH", r->search, 1);
        if (r->xdg) {
            char d[512];
            snprintf(d, sizeof d, "%s/config", r->xdg);
            setenv("XDG_CONFIG_HOME", d, 1);
            snprintf(d, sizeof d, "%s/state", r->xdg);
            setenv("XDG_STATE_HOME", d, 1);
        } else {
            setenv("XDG_STATE_HOME", statedir, 1);
        }
        int out = open("/dev/null", O_WRONLY);
        if (r->pty) {
            setsid();
            int t = open(slave_name, O_RDWR); /* the controlling terminal */
            dup2(t, 0);
            dup2(t, 2);
        } else {
            int in = open("/dev/null", O_RDONLY);
            int err = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
            dup2(in, 0);
            dup2(err, 2);
        }
        dup2(out, 1);
        execv(ASANAVOX, (char *const *)argv);
        _exit(127);
    }

    size_t cap_bytes = 0, have = 0;
    unsigned char *raw = NULL;
    const size_t frame_bytes = CH * sizeof(float);
    double t0 = -1.0, start = now_s();
    int wstatus = 0;
    bool exited = false;
    for (;;) {
        double t = now_s();
        if (t - start > TIMEOUT_S) {
            kill(r->pid, SIGKILL);
            fail_msg("asanavox play did not finish within %.0f s", TIMEOUT_S);
        }
        if (!exited && waitpid(r->pid, &wstatus, WNOHANG) == r->pid)
            exited = true;
        tty_drain(r);
        r->frames = have / frame_bytes;
        if (r->tick && !exited)
            r->tick(r);
        /* Allow PACE x real time since the first byte, plus a small start. */
        size_t allowed = 65536 + (t0 < 0 ? 0 : (size_t)(PACE * RATE * (double)frame_bytes * (t - t0)));
        if (have >= allowed || (t0 >= 0 && allowed - have < 16384)) {
            nap_ms(2); /* read in pieces of 16 KiB or more */
            continue;
        }
        size_t want = allowed - have < 65536 ? allowed - have : 65536;
        if (have + want > cap_bytes) {
            cap_bytes = (have + want) * 2;
            raw = realloc(raw, cap_bytes);
            assert_non_null(raw);
        }
        ssize_t k = read(fd, raw + have, want);
        if (k > 0) {
            if (t0 < 0)
                t0 = t;
            have += (size_t)k;
            if ((size_t)k < want)
                nap_ms(1); /* let more gather than the writer's small pieces */
            continue;
        }
        if (k < 0 && errno != EAGAIN && errno != EINTR)
            fail_msg("reading the FIFO: %s", strerror(errno));
        /* Nothing now: no writer, or none yet.  Done when the program is. */
        if (exited && k == 0)
            break;
        nap_ms(2);
    }
    close(fd);
    unlink(fifo);
    if (!r->xdg) {
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", statedir);
        assert_int_equal(system(cmd), 0);
    }
    tty_drain(r);
    if (r->pty) {
        assert_int_equal(tcgetattr(r->slave, &r->after), 0);
        close(r->slave);
        close(r->master);
        r->master = r->slave = -1;
    }
    r->status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
    r->frames = have / frame_bytes;
    r->cap = (float *)raw;
    if (!r->cap)
        r->cap = calloc(1, sizeof(float));
    r->err = r->pty ? strdup(r->tty ? r->tty : "") : slurp(errpath, NULL);
    if (!r->err)
        r->err = strdup("");
    unlink(errpath);
}

/* The underrun count a run's --stats printed, or 0 without --stats. */
static unsigned run_underruns(const struct run *r)
{
    const char *u = r->err ? strstr(r->err, "underruns:") : NULL;
    return u ? (unsigned)strtoul(u + strlen("underruns:"), NULL, 10) : 0;
}

/* Copy the state directory of a run's $XDG directories to `to` (a
 * missing one stays missing), replacing what was there. */
static void copy_state(const struct run *r, const char *from, const char *to)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s/%s' && { [ ! -e '%s/%s' ] || cp -a '%s/%s' '%s/%s'; }",
             r->xdg, to, r->xdg, from, r->xdg, from, r->xdg, to);
    assert_int_equal(system(cmd), 0);
}

/* Play, and play again (up to twice more) when the run's own --stats show
 * underruns: then the producer fell behind the paced device (a loaded
 * machine under a sanitizer), the capture has gaps the program put there
 * knowingly, and comparing it with a render says nothing about what the
 * test checks.  A run with keys starts its script again from stage 0 on a
 * new terminal; one with $XDG directories of its own is repeated from the
 * state it started with (the resume point, history and kept volume a run
 * leaves are put back first).  test_stats still fails if every attempt
 * underruns.  A run that is compared with a render passes --stats, or its
 * underruns go unseen. */
static void run_play(struct run *r)
{
    if (r->xdg)
        copy_state(r, "state", "state.before");
    for (int attempt = 1;; attempt++) {
        run_play_once(r);
        unsigned u = run_underruns(r);
        if (u == 0 || attempt == 3)
            break;
        print_message("attempt %d had %u underruns (the machine did not keep up); "
                      "playing again\n", attempt, u);
        run_free(r);
        r->err = NULL;
        r->cap = NULL;
        r->tty = NULL;
        r->frames = 0;
        r->tty_len = r->tty_cap = 0;
        r->stage = 0;
        r->stage_at = 0.0;
        r->jump_at = 0;
        if (r->xdg)
            copy_state(r, "state.before", "state");
    }
    if (r->xdg) {
        char cmd[600];
        snprintf(cmd, sizeof cmd, "rm -rf '%s/state.before'", r->xdg);
        assert_int_equal(system(cmd), 0);
    }
}

/* Run a command, capture stdout; return exit status. */
static int run_cmd(const char *const *args, const char *conf, char **out)
{
    char path[256];
    snprintf(path, sizeof path, WORK "/out-%d", (int)getpid());
    mkdir(WORK, 0777);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (conf)
            setenv("ALSA_CONFIG_PATH", conf, 1);
        int o = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int in = open("/dev/null", O_RDONLY);
        dup2(in, 0);
        dup2(o, 1);
        dup2(o, 2);
        execv(args[0], (char *const *)args);
        _exit(127);
    }
    int ws;
    assert_int_equal(waitpid(pid, &ws, 0), pid);
    if (out)
        *out = slurp(path, NULL);
    unlink(path);
    return WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
}

/* ---- the reference ---------------------------------------------------------- */

/* `asanavox render` of the session, left channel, as floats; at --volume
 * `volume` when not NULL. */
static float *render_ref_at(const char *session, const char *volume, size_t *frames)
{
    char wav[256];
    snprintf(wav, sizeof wav, WORK "/ref-%d.wav", (int)getpid());
    const char *args[] = {ASANAVOX, "render", session, "-o", wav, volume ? "--volume" : NULL,
                          volume, NULL};
    char *out = NULL;
    int st = run_cmd(args, NULL, &out);
    if (st != 0)
        fail_msg("render failed (%d): %s", st, out ? out : "");
    free(out);
    SF_INFO info = {0};
    SNDFILE *sf = sf_open(wav, SFM_READ, &info);
    assert_non_null(sf);
    assert_int_equal(info.samplerate, RATE);
    assert_int_equal(info.channels, 2);
    float *inter = malloc((size_t)info.frames * 2 * sizeof(float));
    float *left = malloc((size_t)info.frames * sizeof(float));
    assert_non_null(inter);
    assert_non_null(left);
    assert_int_equal(sf_readf_float(sf, inter, info.frames), info.frames);
    sf_close(sf);
    unlink(wav);
    for (sf_count_t i = 0; i < info.frames; i++)
        left[i] = inter[2 * i];
    free(inter);
    *frames = (size_t)info.frames;
    return left;
}

static float *render_ref(const char *session, size_t *frames)
{
    return render_ref_at(session, NULL, frames);
}

struct match {
    size_t lag;       /* capture frame of reference frame 0 */
    double corr;
    long len_diff;    /* (captured - lag) - reference */
};

enum { PROBE = 4800 };

/* Align the capture (interleaved; its left channel) with the reference
 * (mono): the lag up to max_lag that best matches the loudest 0.1 s of the
 * first 3 s of the reference (the device starts with up to a buffer or two
 * of silence); then correlate them over the reference's whole length. */
static struct match compare_within(const float *cap, size_t cn, const float *ref, size_t rn,
                                   size_t max_lag)
{
    struct match m = {0};
    assert_true(rn > PROBE);
    size_t probe = 0;
    double loudest = -1;
    for (size_t at = 0; at + PROBE <= rn && at < 3 * RATE; at += PROBE / 4) {
        double e = 0;
        for (size_t i = at; i < at + PROBE; i++)
            e += (double)ref[i] * ref[i];
        if (e > loudest) {
            loudest = e;
            probe = at;
        }
    }
    double best_score = -2;
    for (size_t lag = 0; lag <= max_lag && lag + probe + PROBE <= cn; lag++) {
        double xy = 0, xx = 0;
        for (size_t i = probe; i < probe + PROBE; i++) {
            double x = cap[(lag + i) * CH];
            xy += x * ref[i];
            xx += x * x;
        }
        double score = xx > 0 ? xy / sqrt(xx * loudest) : -1;
        if (score > best_score) {
            best_score = score;
            m.lag = lag;
        }
    }
    m.len_diff = (long)(cn - m.lag) - (long)rn;
    double sxy = 0, sxx = 0, syy = 0, sx = 0, sy = 0;
    for (size_t i = 0; i < rn; i++) {
        double x = m.lag + i < cn ? cap[(m.lag + i) * CH] : 0.0, y = ref[i];
        sx += x, sy += y, sxx += x * x, syy += y * y, sxy += x * y;
    }
    double n = (double)rn;
    m.corr = (sxy - sx * sy / n) / sqrt((sxx - sx * sx / n) * (syy - sy * sy / n));
    return m;
}

static struct match compare(const float *cap, size_t cn, const float *ref, size_t rn)
{
    return compare_within(cap, cn, ref, rn, 16384);
}

/* The device buffer reported by --stats: latency frames + largest callback. */
static long buffer_frames(const char *err)
{
    const char *b = strstr(err, "buffer:");
    assert_non_null(b);
    long lat = 0, cb = 0;
    const char *p = strstr(b, "(");
    assert_non_null(p);
    lat = strtol(p + 1, NULL, 10);
    p = strstr(b, "up to ");
    assert_non_null(p);
    cb = strtol(p + 6, NULL, 10);
    assert_true(lat > 0 && cb > 0);
    return lat + cb;
}

/* Standard error holds nothing but our own lines: no ALSA or JACK chatter. */
static void assert_no_chatter(const char *err)
{
    static const char *const bad[] = {"ALSA lib", "jack", "JACK", "Jack", "Cannot connect",
                                      "snd_", "PortAudio", "Expression"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (strstr(err, bad[i]))
            fail_msg("chatter on stderr (%s):\n%s", bad[i], err);
}

static void assert_stats_only(const char *err)
{
    static const char *const ok[] = {"first audio:", "underruns:", "callback CPU:", "played:",
                                     "buffer:", "stop:", "memory:"};
    const char *line = err;
    while (*line) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        bool known = false;
        for (size_t i = 0; i < sizeof ok / sizeof ok[0] && !known; i++)
            known = !strncmp(line, ok[i], strlen(ok[i]));
        if (!known && len)
            fail_msg("unexpected line on stderr: '%.*s'\nall:\n%s", (int)len, line, err);
        line += len + (nl ? 1 : 0);
    }
}

/* ---- tests --------------------------------------------------------------------- */

static void test_matches_render(void **state)
{
    (void)state;
    const char *args[] = {"play", SHORT, "--stats", NULL};
    struct run r = {.conf = FILE_CONF, .args = args};
    run_play(&r);
    if (r.status != 0)
        fail_msg("exit %d:\n%s", r.status, r.err);
    assert_no_chatter(r.err);
    assert_stats_only(r.err);
    assert_non_null(strstr(r.err, "underruns:    0 "));
    assert_non_null(strstr(r.err, "first audio:"));
    assert_non_null(strstr(r.err, "callback CPU:"));
    size_t rn;
    float *ref = render_ref(SHORT, &rn);
    struct match m = compare(r.cap, r.frames, ref, rn);
    long buf = buffer_frames(r.err);
    print_message("captured %zu frames, reference %zu, lag %zu, length difference %ld "
                  "(buffer %ld), correlation %.6f\n",
                  r.frames, rn, m.lag, m.len_diff, buf, m.corr);
    if (m.corr < 0.999)
        fail_msg("correlation %.6f; stderr:\n%s", m.corr, r.err);
    assert_true(labs(m.len_diff) <= buf);
    free(ref);
    run_free(&r);
}

/* The start frame of step `index` (0-based) from `plan --json`. */
static size_t step_start(const char *session, int index)
{
    const char *args[] = {ASANAVOX, "plan", session, "--json", NULL};
    char *out = NULL;
    assert_int_equal(run_cmd(args, NULL, &out), 0);
    char key[32];
    snprintf(key, sizeof key, "\"index\": %d,", index);
    const char *p = strstr(out, key);
    assert_non_null(p);
    p = strstr(p, "\"start\": ");
    assert_non_null(p);
    double t = strtod(p + 9, NULL);
    free(out);
    return (size_t)llround(t * RATE);
}

static void check_from(const char *from, bool exact, size_t start)
{
    const char *args[] = {"play", SHORT, "--from", from, "--stats", exact ? "--exact" : NULL,
                          NULL};
    struct run r = {.conf = FILE_CONF, .args = args};
    run_play(&r);
    if (r.status != 0)
        fail_msg("exit %d:\n%s", r.status, r.err);
    assert_stats_only(r.err);
    size_t rn;
    float *ref = render_ref(SHORT, &rn);
    assert_true(start < rn);
    struct match m = compare(r.cap, r.frames, ref + start, rn - start);
    long buf = buffer_frames(r.err);
    print_message("--from %s (frame %zu): captured %zu, lag %zu, length difference %ld, "
                  "correlation %.6f\n",
                  from, start, r.frames, m.lag, m.len_diff, m.corr);
    if (m.corr < 0.999)
        fail_msg("correlation %.6f; stderr:\n%s", m.corr, r.err);
    assert_true(labs(m.len_diff) <= buf);
    free(ref);
    run_free(&r);
}

static void test_from_step(void **state)
{
    (void)state;
    check_from("3", false, step_start(SHORT, 2));
}

static void test_from_time(void **state)
{
    (void)state;
    check_from("0:05", true, 5 * RATE);
}

/* --from a time inside step 3 (2.5 s to 11.5 s) without --exact: from the
 * step's start, so its pose is announced again. */
static void test_from_time_starts_the_step(void **state)
{
    (void)state;
    check_from("0:07", false, step_start(SHORT, 2));
}

/* Keys: pause for a while, resume, skip two steps, quit. */
static void keys_tick(struct run *r)
{
    double t = captured_s(r);
    switch (r->stage) {
    case 0: /* playing: the status line shows the first step (1.5 s long) */
        if (t > 0.3 && tty_has(r, "1/4")) {
            send_key(r, ' ');
            r->stage = 1;
            r->stage_at = t;
        }
        break;
    case 1: /* paused (the clock stands still): stay so for 3 s of device
             * time, softer; then resume and skip two steps */
        if (tty_has(r, "paused") && t - r->stage_at > 3.0) {
            send_key(r, '-');
            send_key(r, ' ');
            send_key(r, 'n');
            send_key(r, 'n');
            r->jump_at = r->frames;
            r->stage = 2;
        }
        break;
    case 2: /* two steps on from the first: "Reach", 2 dB softer; let 3 s
             * of it play */
        if (tty_has(r, "3/4 Reach") && tty_has(r, "-2 dB") &&
            r->frames > r->jump_at + 3 * RATE) {
            send_key(r, 'q');
            r->stage = 3;
        }
        break;
    default:
        break;
    }
}

static size_t longest_zero_run(const float *x, size_t n)
{
    size_t best = 0, run = 0;
    for (size_t i = 0; i < n; i++) {
        run = x[i * CH] == 0.0f && x[i * CH + 1] == 0.0f ? run + 1 : 0;
        if (run > best)
            best = run;
    }
    return best;
}

static void test_keys(void **state)
{
    (void)state;
    const char *args[] = {"play", SHORT, "--stats", NULL};
    struct run r = {.conf = FILE_CONF, .args = args, .pty = true, .tick = keys_tick};
    run_play(&r);
    if (r.status != 0 || r.stage != 3)
        fail_msg("exit %d at stage %d; terminal:\n%s", r.status, r.stage, r.err);
    assert_no_chatter(r.err);
    assert_non_null(strstr(r.err, "stopped at"));
    /* The volume the keys set is kept, and says so. */
    assert_non_null(strstr(r.err, "the keys set the volume to -2 dB; the next play starts there"));
    /* The terminal is as it was: canonical, echoing. */
    assert_true(r.after.c_lflag & ICANON);
    assert_true(r.after.c_lflag & ECHO);
    assert_int_equal(r.after.c_lflag, r.before.c_lflag);
    /* The pause is a stretch of silence longer than any in the session
     * (its longest quiet is under 2 s). */
    size_t zeros = longest_zero_run(r.cap, r.frames);
    print_message("longest silence %.2f s of %.2f s captured\n", (double)zeros / RATE,
                  captured_s(&r));
    assert_true(zeros > (size_t)(2.5 * RATE));
    /* Skipping and quitting left out part of the session. */
    size_t rn;
    /* Play is 2 dB softer after the '-' key: the reference is rendered at
     * -2 dB too, so that the limiter (which acts where the bowl rings under
     * a cue at 0 dB) does the same in both. */
    float *ref = render_ref_at(SHORT, "-2", &rn);
    assert_true(r.frames - zeros < rn);
    /* After the jump comes step 3 as render has it, from its start (found
     * within a second of where the keys were sent: the FIFO and ALSA hold
     * some audio the test had not read yet). */
    /* From 50 ms in: play resumes with a 30 ms fade-in (src/play/liveout.c,
     * PAUSE_FADE_MS) that render has not, and step 3's sentence starts at
     * once, so those first milliseconds weigh in the correlation. */
    size_t start = step_start(SHORT, 2) + RESUME_SKIP;
    struct match m = compare_within(r.cap + r.jump_at * CH, r.frames - r.jump_at, ref + start,
                                    2 * RATE, RATE);
    print_message("after the jump: lag %zu, correlation %.6f\n", m.lag, m.corr);
    assert_true(m.corr >= 0.999);
    free(ref);
    run_free(&r);
}

/* - and p while playing, well inside the long step 3 (2.5 s to 11.5 s):
 * back to its start.  The jump happens with sound playing, so the old
 * audio fades out and the new starts where render has it (softer). */
static void restart_tick(struct run *r)
{
    switch (r->stage) {
    case 0: /* started at 0:07: softer (the per-sample path, not the plain copy) */
        if (captured_s(r) > 0.5 && tty_has(r, "3/4 Reach")) {
            send_key(r, '-');
            r->stage = 1;
        }
        break;
    case 1: /* the volume has settled; the clock is near 0:08 */
        if (captured_s(r) > 1.2 && tty_has(r, "-2 dB")) {
            send_key(r, 'p');
            r->jump_at = r->frames;
            r->stage = 2;
        }
        break;
    case 2:
        if (r->frames > r->jump_at + 3 * RATE) {
            send_key(r, 'q');
            r->stage = 3;
        }
        break;
    default:
        break;
    }
}

static void test_restart_while_playing(void **state)
{
    (void)state;
    const char *args[] = {"play", SHORT, "--from", "0:07", "--exact", "--stats", NULL};
    struct run r = {.conf = FILE_CONF, .args = args, .pty = true, .tick = restart_tick};
    run_play(&r);
    if (r.status != 0 || r.stage != 3)
        fail_msg("exit %d at stage %d; terminal:\n%s", r.status, r.stage, r.err);
    size_t rn;
    float *ref = render_ref(SHORT, &rn);
    size_t start = step_start(SHORT, 2);
    struct match m = compare_within(r.cap + r.jump_at * CH, r.frames - r.jump_at, ref + start,
                                    2 * RATE, RATE);
    print_message("after p: lag %zu, correlation %.6f\n", m.lag, m.corr);
    if (m.corr < 0.999) {
        FILE *f = fopen(WORK "/restart-capture.raw", "wb");
        if (f) {
            fwrite(r.cap, sizeof(float) * CH, r.frames, f);
            fclose(f);
        }
        print_message("capture in " WORK "/restart-capture.raw, jump at frame %zu, step 3 at %zu\n",
                      r.jump_at, start);
    }
    assert_true(m.corr >= 0.999);
    free(ref);
    run_free(&r);
}

static int stop_signal;

static void signal_tick(struct run *r)
{
    if (r->stage == 0 && captured_s(r) > 2.0) {
        kill(r->pid, stop_signal);
        r->stage = 1;
    }
}

static void check_signal(int sig, bool pty)
{
    stop_signal = sig;
    const char *args[] = {"play", SHORT, NULL};
    struct run r = {.conf = FILE_CONF, .args = args, .pty = pty, .tick = signal_tick};
    run_play(&r);
    assert_int_equal(r.status, 128 + sig);
    assert_no_chatter(r.err);
    assert_non_null(strstr(r.err, "stopped at"));
    if (pty)
        assert_int_equal(r.after.c_lflag, r.before.c_lflag);
    /* It stopped early. */
    assert_true(captured_s(&r) < 10.0);
    run_free(&r);
}

static void test_sigterm(void **state)
{
    (void)state;
    check_signal(SIGTERM, false);
}

static void test_sigint_on_terminal(void **state)
{
    (void)state;
    check_signal(SIGINT, true);
}

static void test_no_device(void **state)
{
    (void)state;
    const char *args[] = {"play", SHORT, NULL};
    struct run r = {.conf = NONE_CONF, .args = args};
    run_play(&r);
    assert_int_equal(r.status, 1);
    assert_no_chatter(r.err);
    /* One line, suggesting render. */
    size_t len = strlen(r.err);
    assert_true(len > 0 && r.err[len - 1] == '\n');
    assert_int_equal(strchr(r.err, '\n') - r.err + 1, (long)len);
    assert_non_null(strstr(r.err, "asanavox render"));
    assert_int_equal(r.frames, 0);
    run_free(&r);
}

/* A device that fails once playing: ALSA cannot create the output file,
 * so the stream dies at its first period (as when a card is unplugged). */
static void test_device_fails(void **state)
{
    (void)state;
    const char *args[] = {"play", SHORT, NULL};
    struct run r = {.conf = FILE_CONF, .args = args, .pcm = WORK "/no-such-dir/out.raw"};
    run_play(&r);
    assert_int_equal(r.status, 1);
    assert_no_chatter(r.err);
    assert_int_equal(strchr(r.err, '\n') - r.err + 1, (long)strlen(r.err));
    assert_non_null(strstr(r.err, "sound device stopped"));
    assert_non_null(strstr(r.err, "--from 0:00"));
    assert_non_null(strstr(r.err, "asanavox render"));
    run_free(&r);
}

/* `play` without a name on a terminal: the list, a wrong answer, a right
 * one; it plays; q. */
static void pick_tick(struct run *r)
{
    switch (r->stage) {
    case 0:
        if (tty_has(r, "Play which?")) {
            const char *bad = "no-such-one\n";
            assert_int_equal(write(r->master, bad, strlen(bad)), (ssize_t)strlen(bad));
            r->stage = 1;
        }
        break;
    case 1:
        if (tty_has(r, "No session 'no-such-one'")) {
            const char *good = "play-short\n";
            assert_int_equal(write(r->master, good, strlen(good)), (ssize_t)strlen(good));
            r->stage = 2;
        }
        break;
    case 2:
        if (tty_has(r, "1/4 bowl") && captured_s(r) > 0.5) {
            send_key(r, 'q');
            r->stage = 3;
        }
        break;
    default:
        break;
    }
}

/* Choose play-short from the list and let it play to the end. */
static void pick_whole_tick(struct run *r)
{
    if (r->stage == 0 && tty_has(r, "Play which?")) {
        const char *good = "play-short\n";
        assert_int_equal(write(r->master, good, strlen(good)), (ssize_t)strlen(good));
        r->stage = 1;
    }
}

/* What the picker plays is what `render` writes: the picked session is
 * compiled with its speech kept, like 'play NAME', even though the voice
 * has spoken every other session of the list since. */
static void test_pick_matches_render(void **state)
{
    (void)state;
    const char *args[] = {"play", "--stats", NULL};
    struct run r = {.conf = FILE_CONF, .args = args, .pty = true, .tick = pick_whole_tick,
                    .search = TEST_SOURCE_DIR "/tests/data"};
    run_play(&r);
    if (r.status != 0 || r.stage != 1)
        fail_msg("exit %d at stage %d; terminal:\n%s", r.status, r.stage, r.err);
    size_t rn;
    float *ref = render_ref(SHORT, &rn);
    struct match m = compare(r.cap, r.frames, ref, rn);
    long buf = buffer_frames(r.err);
    print_message("picked: captured %zu frames, reference %zu, lag %zu, length difference %ld "
                  "(buffer %ld), correlation %.6f\n",
                  r.frames, rn, m.lag, m.len_diff, buf, m.corr);
    if (m.corr < 0.999)
        fail_msg("correlation %.6f; terminal:\n%s", m.corr, r.err);
    assert_true(labs(m.len_diff) <= buf);
    free(ref);
    run_free(&r);
}

static void test_pick_on_terminal(void **state)
{
    (void)state;
    const char *args[] = {"play", NULL};
    struct run r = {.conf = FILE_CONF, .args = args, .pty = true, .tick = pick_tick,
                    .search = TEST_SOURCE_DIR "/tests/data"};
    run_play(&r);
    if (r.status != 0 || r.stage != 3)
        fail_msg("exit %d at stage %d; terminal:\n%s", r.status, r.stage, r.err);
    /* The numbered list: name, length, title. */
    assert_non_null(strstr(r.err, "upper-back-flow"));
    assert_non_null(strstr(r.err, "12:22  Upper back flow"));
    assert_non_null(strstr(r.err, "play-short"));
    assert_non_null(strstr(r.err, "0:15  Play test"));
    assert_no_chatter(r.err);
    assert_int_equal(r.after.c_lflag, r.before.c_lflag);
    assert_true(r.frames > 0);
    run_free(&r);
}

static void test_unknown_device(void **state)
{
    (void)state;
    const char *args[] = {"play", SHORT, "--device", "no-such-card", NULL};
    struct run r = {.conf = FILE_CONF, .args = args};
    run_play(&r);
    assert_int_equal(r.status, 1);
    assert_no_chatter(r.err);
    assert_int_equal(strchr(r.err, '\n') - r.err + 1, (long)strlen(r.err));
    assert_non_null(strstr(r.err, "no-such-card"));
    assert_non_null(strstr(r.err, "asanavox render"));
    run_free(&r);
}

static void test_no_name_without_terminal(void **state)
{
    (void)state;
    const char *args[] = {ASANAVOX, "play", NULL};
    char *out = NULL;
    assert_int_equal(run_cmd(args, FILE_CONF, &out), 2);
    assert_non_null(strstr(out, "which session"));
    assert_non_null(strstr(out, "upper-back-flow"));
    assert_non_null(strstr(out, "Upper back flow"));
    assert_non_null(strstr(out, "12:22"));
    free(out);
}

static void test_devices(void **state)
{
    (void)state;
    const char *args[] = {ASANAVOX, "devices", NULL};
    char *out = NULL;
    assert_int_equal(run_cmd(args, FILE_CONF, &out), 0);
    assert_non_null(strstr(out, "default"));
    assert_non_null(strstr(out, "ALSA"));
    assert_no_chatter(out);
    free(out);
    assert_int_equal(run_cmd(args, NONE_CONF, &out), 1);
    assert_non_null(strstr(out, "no sound output device"));
    assert_no_chatter(out);
    free(out);
}

static void test_bad_from(void **state)
{
    (void)state;
    const char *a1[] = {ASANAVOX, "play", SHORT, "--from", "9", NULL};
    const char *a2[] = {ASANAVOX, "play", SHORT, "--from", "soon", NULL};
    char *out = NULL;
    assert_int_equal(run_cmd(a1, FILE_CONF, &out), 2);
    assert_non_null(strstr(out, "past the session"));
    free(out);
    assert_int_equal(run_cmd(a2, FILE_CONF, &out), 2);
    assert_non_null(strstr(out, "--from wants"));
    free(out);
}


/* An error the layout finds after play has started (play compiles while
 * it mixes the start): play stops with the error's file:line:col and exit
 * 2, and what sounded is no more than the steps before it. */
static void test_late_error(void **state)
{
    (void)state;
    mkdir(WORK, 0777);
    const char *path = WORK "/late-error.yoga";
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("title: Late error\n"
          "pace: 1.5 2\n"
          "bell bowl, 1.5s\n"
          "say Ready.\n"
          "pose Reach, 2 breaths\n"
          "  Arms up.\n"
          "rest 2s\n"
          "at 0:01\n"
          "say This is never heard.\n",
          f);
    assert_int_equal(fclose(f), 0);
    for (int k = 0; k < 3; k++) {
        const char *args[] = {"play", path, "--stats", NULL};
        struct run r = {.conf = FILE_CONF, .args = args};
        run_play(&r);
        print_message("late error: exit %d, captured %zu frames\n", r.status, r.frames);
        if (r.status != 2)
            fail_msg("exit %d:\n%s", r.status, r.err);
        assert_non_null(strstr(r.err, "late-error.yoga:8:4: error: 'at 0:01' is in the past"));
        /* The error is the one message: no player failure on top. */
        assert_null(strstr(r.err, "asanavox play:"));
        /* The bell, "Ready." and the pose are about 11 s. */
        assert_true(r.frames < (size_t)RATE * 14);
        run_free(&r);
    }
}

/* ---- preferences, resume, history, keys (issue 14) ------------------------------ */

/* A fresh directory for XDG_CONFIG_HOME (dir/config) and XDG_STATE_HOME
 * (dir/state), with `config` as the config file when not NULL. */
static void xdg_fresh(const char *dir, const char *config)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    mkdir(WORK, 0777);
    assert_int_equal(mkdir(dir, 0777), 0);
    char path[512];
    snprintf(path, sizeof path, "%s/config", dir);
    assert_int_equal(mkdir(path, 0777), 0);
    snprintf(path, sizeof path, "%s/config/asanavox", dir);
    assert_int_equal(mkdir(path, 0777), 0);
    if (config) {
        snprintf(path, sizeof path, "%s/config/asanavox/config", dir);
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs(config, f);
        fclose(f);
    }
}

static char *state_file(const char *dir, const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/state/asanavox/%s", dir, name);
    return slurp(path, NULL);
}

static void send_text(struct run *r, const char *s)
{
    assert_int_equal(write(r->master, s, strlen(s)), (ssize_t)strlen(s));
}

/* The least-squares gain of the capture (left channel, from `lag`) against
 * the reference. */
static double gain_against(const float *cap, size_t cn, size_t lag, const float *ref, size_t rn)
{
    double xy = 0, yy = 0;
    for (size_t i = 0; i < rn && lag + i < cn; i++) {
        xy += (double)cap[(lag + i) * CH] * ref[i];
        yy += (double)ref[i] * ref[i];
    }
    return yy > 0 ? xy / yy : 0;
}

/* The config file's volume beats the default; the command line beats the
 * config file. */
static void test_config_precedence(void **state)
{
    (void)state;
    const char *dir = WORK "/xdg-config";
    xdg_fresh(dir, "# softer for the morning\nvolume: -6\n");
    /* Render at -6 and at 0 dB: the one play matches tells which volume it
     * used (their gains differ by half). */
    /* --stats, so that a run the machine could not keep up with is played
     * again (run_play()). */
    const char *a1[] = {"play", SHORT, "--stats", NULL};
    const char *a2[] = {"play", SHORT, "--volume", "0", "--stats", NULL};
    const char *const *args[] = {a1, a2};
    const char *volume[] = {"-6", "0"};
    for (int k = 0; k < 2; k++) {
        size_t rn;
        float *ref = render_ref_at(SHORT, volume[k], &rn);
        struct run r = {.conf = FILE_CONF, .args = args[k], .xdg = dir};
        run_play(&r);
        if (r.status != 0)
            fail_msg("exit %d:\n%s", r.status, r.err);
        struct match m = compare(r.cap, r.frames, ref, rn);
        double g = gain_against(r.cap, r.frames, m.lag, ref, rn);
        print_message("%s: correlation %.6f, gain %.3f against render at %s dB\n",
                      k ? "config -6 dB, --volume 0" : "config -6 dB", m.corr, g, volume[k]);
        if (m.corr < 0.999)
            fail_msg("correlation %.6f; stderr:\n%s", m.corr, r.err);
        assert_true(g >= 0.97 && g <= 1.03);
        free(ref);
        run_free(&r);
    }
    /* A bad value in the config stops play with the file's path and line. */
    xdg_fresh(dir, "voice: en-us\nvolume: loud\n");
    const char *a3[] = {"play", SHORT, NULL};
    struct run r = {.conf = FILE_CONF, .args = a3, .xdg = dir};
    run_play(&r);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "xdg-config/config/asanavox/config:2: --volume must be"));
    assert_int_equal(r.frames, 0);
    run_free(&r);
}

/* The keys' volume is kept for the next play (issue 14): 4 dB softer with
 * two presses of -, then a play without keys sounds as render does at
 * --volume -4; two presses of + bring it back to 0 dB and nothing is kept. */
static void softer_tick(struct run *r)
{
    if (r->stage == 0 && captured_s(r) > 0.3 && tty_has(r, "1/4")) {
        send_key(r, '-');
        send_key(r, '-');
        r->stage = 1;
    } else if (r->stage == 1 && tty_has(r, "-4 dB")) {
        send_key(r, 'q');
        r->stage = 2;
    }
}

static void louder_back_tick(struct run *r)
{
    if (r->stage == 0 && captured_s(r) > 0.3 && tty_has(r, "1/4")) {
        send_key(r, '+');
        send_key(r, '+');
        r->stage = 1;
    } else if (r->stage == 1 && tty_has(r, "to +0 dB")) {
        r->stage = 2;
    } else if (r->stage == 1 && r->frames > 2 * RATE) {
        send_key(r, 'q');
        r->stage = 2;
    }
}

static void test_volume_kept(void **state)
{
    (void)state;
    const char *dir = WORK "/xdg-volume";
    xdg_fresh(dir, NULL);
    const char *a1[] = {"play", SHORT, NULL};
    struct run r1 = {.conf = FILE_CONF, .args = a1, .pty = true, .tick = softer_tick, .xdg = dir};
    run_play(&r1);
    if (r1.status != 0 || r1.stage != 2)
        fail_msg("exit %d at stage %d; terminal:\n%s", r1.status, r1.stage, r1.err);
    assert_non_null(strstr(r1.err, "the keys set the volume to -4 dB; the next play starts there"));
    run_free(&r1);
    char *kept = state_file(dir, "volume");
    assert_non_null(kept);
    assert_string_equal(kept, "-4.0\n");
    free(kept);

    /* No terminal, no keys: the whole session at the kept volume. */
    size_t rn;
    float *ref = render_ref_at(SHORT, "-4", &rn);
    const char *a2[] = {"play", SHORT, "--stats", NULL}; /* repeated on underruns */
    struct run r2 = {.conf = FILE_CONF, .args = a2, .xdg = dir};
    run_play(&r2);
    if (r2.status != 0)
        fail_msg("exit %d:\n%s", r2.status, r2.err);
    assert_non_null(strstr(r2.err, "volume -4 dB, where the keys left it last time"));
    struct match m = compare(r2.cap, r2.frames, ref, rn);
    double g = gain_against(r2.cap, r2.frames, m.lag, ref, rn);
    print_message("kept -4 dB: correlation %.6f, gain %.3f against render at -4 dB\n", m.corr, g);
    if (m.corr < 0.999)
        fail_msg("correlation %.6f; stderr:\n%s", m.corr, r2.err);
    assert_true(g >= 0.97 && g <= 1.03);
    free(ref);
    run_free(&r2);
    kept = state_file(dir, "volume");
    assert_non_null(kept);
    assert_string_equal(kept, "-4.0\n"); /* unchanged without keys */
    free(kept);

    /* Back to 0 dB: nothing is kept. */
    struct run r3 = {.conf = FILE_CONF, .args = a1, .pty = true, .tick = louder_back_tick,
                     .xdg = dir};
    run_play(&r3);
    assert_int_equal(r3.status, 0);
    assert_non_null(strstr(r3.err, "volume -4 dB, where the keys left it last time"));
    assert_non_null(strstr(r3.err, "the keys set the volume to +0 dB; the next play starts there"));
    run_free(&r3);
    assert_null(state_file(dir, "volume"));

    /* A damaged file is ignored: play starts at 0 dB and says nothing. */
    char path[512];
    snprintf(path, sizeof path, "%s/state/asanavox/volume", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("loud\n", f);
    fclose(f);
    const char *a4[] = {"play", SHORT, "--from", "4", NULL};
    struct run r4 = {.conf = FILE_CONF, .args = a4, .xdg = dir};
    run_play(&r4);
    assert_int_equal(r4.status, 0);
    assert_null(strstr(r4.err, "where the keys left it"));
    run_free(&r4);
}

/* Quit inside step 3: the resume point and a "stopped" history line; then
 * --resume plays from the start of step 3 (its pose announced again) as
 * render has it, to the end: a "completed" line, and the point is gone. */
static void resume_tick(struct run *r)
{
    if (r->stage == 0 && captured_s(r) > 6.0 && tty_has(r, "3/4 Reach")) {
        send_key(r, 'q');
        r->stage = 1;
    }
}

static void test_resume_and_history(void **state)
{
    (void)state;
    const char *dir = WORK "/xdg-resume";
    xdg_fresh(dir, NULL);
    const char *a1[] = {"play", SHORT, NULL};
    struct run r = {.conf = FILE_CONF, .args = a1, .pty = true, .tick = resume_tick, .xdg = dir};
    run_play(&r);
    if (r.status != 0 || r.stage != 1)
        fail_msg("exit %d at stage %d; terminal:\n%s", r.status, r.stage, r.err);
    /* The hint at the start, and a quit line that names the session. */
    assert_non_null(strstr(r.err, "? help"));
    assert_non_null(strstr(r.err, "stopped at 0:0"));
    assert_non_null(strstr(r.err, "in play-short (go on with 'asanavox play --resume'"));
    run_free(&r);

    char real[4096];
    assert_non_null(realpath(SHORT, real));
    char *resume = state_file(dir, "resume");
    assert_non_null(resume);
    print_message("resume: %s", resume);
    assert_true(!strncmp(resume, real, strlen(real)));
    const char *f = strstr(resume, "\tplay-short\t");
    assert_non_null(f);
    double at = strtod(f + strlen("\tplay-short\t"), NULL);
    assert_true(at > 2.5 && at < 11.5); /* inside step 3 */
    free(resume);
    char *hist = state_file(dir, "history");
    assert_non_null(hist);
    print_message("history:\n%s", hist);
    assert_non_null(strstr(hist, "\tplay-short\t"));
    assert_non_null(strstr(hist, "\tstopped at 0:0"));
    assert_non_null(strstr(hist, "(step 3/4 Reach)\n"));
    assert_int_equal(strchr(hist, '\n') - hist + 1, (long)strlen(hist)); /* one line */
    free(hist);

    const char *a2[] = {"play", "--resume", "--stats", NULL};
    struct run r2 = {.conf = FILE_CONF, .args = a2, .xdg = dir};
    run_play(&r2);
    if (r2.status != 0)
        fail_msg("exit %d:\n%s", r2.status, r2.err);
    assert_non_null(strstr(r2.err, "going on with play-short at 0:02, the start of step 3/4"));
    size_t rn;
    float *ref = render_ref(SHORT, &rn);
    size_t start = step_start(SHORT, 2);
    struct match m = compare(r2.cap, r2.frames, ref + start, rn - start);
    print_message("--resume: lag %zu, length difference %ld, correlation %.6f\n", m.lag,
                  m.len_diff, m.corr);
    assert_true(m.corr >= 0.999);
    assert_true(labs(m.len_diff) <= buffer_frames(r2.err));
    free(ref);
    run_free(&r2);
    assert_null(state_file(dir, "resume"));
    hist = state_file(dir, "history");
    assert_non_null(hist);
    const char *second = strchr(hist, '\n') + 1;
    assert_non_null(strstr(second, "\tplay-short\t"));
    assert_non_null(strstr(second, "\tcompleted\n"));
    free(hist);

    /* Nothing to resume now. */
    const char *a3[] = {"play", "--resume", NULL};
    struct run r3 = {.conf = FILE_CONF, .args = a3, .xdg = dir};
    run_play(&r3);
    assert_int_equal(r3.status, 2);
    assert_non_null(strstr(r3.err, "nothing to resume"));
    run_free(&r3);
}

/* `history: no` keeps no log. */
static void test_history_off(void **state)
{
    (void)state;
    const char *dir = WORK "/xdg-nohistory";
    xdg_fresh(dir, "history: no\n");
    const char *a[] = {"play", SHORT, "--from", "4", NULL};
    struct run r = {.conf = FILE_CONF, .args = a, .xdg = dir};
    run_play(&r);
    assert_int_equal(r.status, 0);
    run_free(&r);
    assert_null(state_file(dir, "history"));
}

/* Pause in the middle of step 3's announcement ("Reach. Arms up."); on
 * resume it starts again from the sentence's start. */
static void pause_tick(struct run *r)
{
    double t = captured_s(r);
    switch (r->stage) {
    case 0:
        /* 0.4 s in: the sentence lasts about 1.2 s at the default voice's
         * 170 wpm, and the key takes effect a little later than it is sent. */
        if (t > 0.4 && tty_has(r, "3/4 Reach")) {
            send_key(r, ' ');
            r->stage = 1;
            r->stage_at = t;
        }
        break;
    case 1:
        if (tty_has(r, "paused") && t - r->stage_at > 1.5) {
            send_key(r, ' ');
            r->jump_at = r->frames;
            r->stage = 2;
        }
        break;
    case 2:
        if (r->frames > r->jump_at + 3 * RATE) {
            send_key(r, 'q');
            r->stage = 3;
        }
        break;
    default:
        break;
    }
}

static void test_pause_rewinds_to_the_sentence(void **state)
{
    (void)state;
    const char *args[] = {"play", SHORT, "--from", "3", "--stats", NULL};
    struct run r = {.conf = FILE_CONF, .args = args, .pty = true, .tick = pause_tick};
    run_play(&r);
    if (r.status != 0 || r.stage != 3)
        fail_msg("exit %d at stage %d; terminal:\n%s", r.status, r.stage, r.err);
    size_t rn;
    float *ref = render_ref(SHORT, &rn);
    /* From 50 ms in, past play's 30 ms fade-in on resume (see test_keys). */
    size_t start = step_start(SHORT, 2) + RESUME_SKIP;
    struct match m = compare_within(r.cap + r.jump_at * CH, r.frames - r.jump_at, ref + start,
                                    2 * RATE, RATE);
    print_message("after pause and resume: lag %zu, correlation %.6f with the sentence's start\n",
                  m.lag, m.corr);
    assert_true(m.corr >= 0.999);
    free(ref);
    run_free(&r);
}

/* Keys: an unbound letter and an unbound escape sequence (F1) do nothing;
 * the left arrow goes 15 s back (from 0:10 to the start). */
static void left_tick(struct run *r)
{
    switch (r->stage) {
    case 0:
        if (captured_s(r) > 0.5 && tty_has(r, "3/4 Reach")) {
            send_text(r, "x\033OPz");
            r->stage = 1;
            r->stage_at = captured_s(r);
        }
        break;
    case 1:
        if (captured_s(r) > r->stage_at + 0.5) {
            /* Still playing step 3, nothing changed. */
            assert_false(tty_has(r, "paused"));
            send_text(r, "\033[D");
            r->jump_at = r->frames;
            r->stage = 2;
        }
        break;
    case 2:
        if (r->frames > r->jump_at + 3 * RATE) {
            send_key(r, 'q');
            r->stage = 3;
        }
        break;
    default:
        break;
    }
}

static void test_arrows_seek(void **state)
{
    (void)state;
    const char *args[] = {"play", SHORT, "--from", "0:10", "--exact", "--stats", NULL};
    struct run r = {.conf = FILE_CONF, .args = args, .pty = true, .tick = left_tick};
    run_play(&r);
    if (r.status != 0 || r.stage != 3)
        fail_msg("exit %d at stage %d; terminal:\n%s", r.status, r.stage, r.err);
    size_t rn;
    float *ref = render_ref(SHORT, &rn);
    struct match m = compare_within(r.cap + r.jump_at * CH, r.frames - r.jump_at, ref, 2 * RATE,
                                    RATE);
    print_message("after the left arrow at 0:10: lag %zu, correlation %.6f with the start\n",
                  m.lag, m.corr);
    assert_true(m.corr >= 0.999);
    run_free(&r);

    free(ref);
}

static void right_tick(struct run *r)
{
    if (r->stage == 0 && captured_s(r) > 0.5 && tty_has(r, "1/4")) {
        send_text(r, "\033[C");
        r->stage = 1;
    }
}

static void test_right_arrow_to_the_end(void **state)
{
    (void)state;
    const char *args[] = {"play", SHORT, NULL};
    struct run r = {.conf = FILE_CONF, .args = args, .pty = true, .tick = right_tick};
    run_play(&r);
    if (r.status != 0 || r.stage != 1)
        fail_msg("exit %d at stage %d; terminal:\n%s", r.status, r.stage, r.err);
    print_message("captured %.2f s of a 13.6 s session\n", captured_s(&r));
    assert_true(captured_s(&r) < 5.0);
    assert_null(strstr(r.err, "stopped at"));
    run_free(&r);
}

/* Up arrow three times: +6 dB.  The limiter keeps every sample below
 * full scale, and it is louder. */
static void louder_tick(struct run *r)
{
    if (r->stage == 0 && captured_s(r) > 0.2 && tty_has(r, "1/4")) {
        send_text(r, "\033[A\033[A\033[A");
        r->stage = 1;
    }
}

static void test_volume_limited(void **state)
{
    (void)state;
    const char *args[] = {"play", SHORT, "--stats", NULL};
    struct run r = {.conf = FILE_CONF, .args = args, .pty = true, .tick = louder_tick};
    run_play(&r);
    if (r.status != 0 || r.stage != 1)
        fail_msg("exit %d at stage %d; terminal:\n%s", r.status, r.stage, r.err);
    assert_non_null(strstr(r.err, "+6 dB"));
    size_t rn;
    float *ref = render_ref(SHORT, &rn);
    size_t full = 0;
    double peak = 0, e_cap = 0, e_ref = 0;
    for (size_t i = 0; i < r.frames * CH; i++) {
        double a = fabs(r.cap[i]);
        full += a >= 0.999;
        if (a > peak)
            peak = a;
    }
    /* Energy from 2 s on (after the change) against render's. */
    for (size_t i = 2 * RATE; i < r.frames; i++)
        e_cap += (double)r.cap[i * CH] * r.cap[i * CH];
    for (size_t i = 2 * RATE; i < rn; i++)
        e_ref += (double)ref[i] * ref[i];
    double ratio_db = 10 * log10(e_cap / e_ref);
    print_message("+6 dB: %zu full-scale samples, peak %.4f (%.2f dBFS), %.1f dB louder than "
                  "render\n",
                  full, peak, 20 * log10(peak), ratio_db);
    assert_int_equal(full, 0);
    assert_true(peak < 0.891); /* -1 dBFS */
    assert_true(ratio_db > 3.0);
    free(ref);
    run_free(&r);
}

/* The best Pearson correlation of the 10 ms RMS envelope of `clip` (mono,
 * n frames) against that of x (stride floats per frame, xn frames), over
 * every offset; *lag_s is where, in seconds. */
static double envelope_match(const float *x, size_t stride, size_t xn, const float *clip, size_t n,
                             double *lag_s)
{
    enum { W = RATE / 100 };
    size_t xe = xn / W, ne = n / W;
    double *ex = calloc(xe + 1, sizeof *ex), *ec = calloc(ne + 1, sizeof *ec);
    assert_non_null(ex);
    assert_non_null(ec);
    for (size_t k = 0; k < xe; k++) {
        double e = 0;
        for (size_t i = 0; i < W; i++)
            e += (double)x[(k * W + i) * stride] * x[(k * W + i) * stride];
        ex[k] = sqrt(e / W);
    }
    for (size_t k = 0; k < ne; k++) {
        double e = 0;
        for (size_t i = 0; i < W; i++)
            e += (double)clip[k * W + i] * clip[k * W + i];
        ec[k] = sqrt(e / W);
    }
    double best = -2;
    *lag_s = 0;
    for (size_t lag = 0; lag + ne <= xe; lag++) {
        double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
        for (size_t i = 0; i < ne; i++) {
            double a = ex[lag + i], b = ec[i];
            sx += a, sy += b, sxx += a * a, syy += b * b, sxy += a * b;
        }
        double nn = (double)ne;
        double den = (sxx - sx * sx / nn) * (syy - sy * sy / nn);
        double c = den > 0 ? (sxy - sx * sy / nn) / sqrt(den) : -1;
        if (c > best) {
            best = c;
            *lag_s = (double)(lag * W) / RATE;
        }
    }
    free(ex);
    free(ec);
    return best;
}

/* t: the time left is spoken over the session.  The test synthesizes the
 * sentence the terminal shows with espeak-ng itself and finds it in what
 * the device played. */
static void time_tick(struct run *r)
{
    if (r->stage == 0 && captured_s(r) > 0.3 && tty_has(r, "3/4 Reach")) {
        send_key(r, 't');
        r->jump_at = r->frames;
        r->stage = 1;
    } else if (r->stage == 1 && r->frames > r->jump_at + 4 * RATE) {
        send_key(r, 'q');
        r->stage = 2;
    }
}

static void test_time_key_speaks(void **state)
{
    (void)state;
    const char *args[] = {"play", SHORT, "--from", "0:07", "--exact", "--stats", NULL};
    struct run r = {.conf = FILE_CONF, .args = args, .pty = true, .tick = time_tick};
    run_play(&r);
    if (r.status != 0 || r.stage != 2)
        fail_msg("exit %d at stage %d; terminal:\n%s", r.status, r.stage, r.err);
    const char *t = strstr(r.err, "t: ");
    assert_non_null(t);
    char text[256];
    size_t len = strcspn(t + 3, "\r\n");
    assert_true(len > 0 && len < sizeof text);
    memcpy(text, t + 3, len);
    text[len] = '\0';
    print_message("t said: '%s'\n", text);
    assert_non_null(strstr(text, "seconds left."));

    struct voice *v;
    assert_int_equal(voice_create(&v), 0);
    /* The voice play speaks `t` with: the session has no voice:, so the
     * default one, at its default speed. */
    assert_int_equal(voice_configure(v, VOICE_DEFAULT, VOICE_DEFAULT_SPEED), 0);
    const struct voice_clip *vc;
    assert_int_equal(voice_synth(v, text, &vc), 0);
    int native = voice_native_rate(v);
    size_t n = (size_t)voice_frames_at(vc->frames, native, RATE);
    float *clip = malloc(n * sizeof *clip);
    assert_non_null(clip);
    assert_int_equal(mix_resample_s16(vc->samples, vc->frames, native, RATE, clip, n), 0);
    voice_destroy(v);
    /* Where is it?  Its loudness envelope (RMS every 10 ms) against the
     * capture's: the sentence is mixed over the ducked session, so the
     * envelope is compared, not the samples. */
    size_t from = r.jump_at > RATE / 2 ? r.jump_at - RATE / 2 : 0;
    double lag_s;
    double c = envelope_match(r.cap + from * CH, CH, r.frames - from, clip, n, &lag_s);
    print_message("the sentence found %.2f s after the key, envelope correlation %.4f\n",
                  lag_s + ((double)from - (double)r.jump_at) / RATE, c);
    if (c < 0.9) {
        FILE *f = fopen(WORK "/time-capture.raw", "wb");
        if (f) {
            fwrite(r.cap, sizeof(float) * CH, r.frames, f);
            fclose(f);
        }
        print_message("capture in " WORK "/time-capture.raw, key at frame %zu\n", r.jump_at);
    }
    assert_true(c >= 0.9);
    assert_true(lag_s + ((double)from - (double)r.jump_at) / RATE < 1.5);
    /* The session itself (render from 0:07) has no such sentence. */
    size_t rn;
    float *ref = render_ref(SHORT, &rn);
    double none = envelope_match(ref + 7 * RATE, 1, rn - 7 * RATE, clip, n, &lag_s);
    print_message("best envelope match in the session without t: %.4f\n", none);
    assert_true(none < 0.7);
    free(ref);
    free(clip);
    run_free(&r);
}

/* --delay: a quiet lead-in with a soft tick every 5 s while a tick's whole
 * ring fits in it, then the session as render has it, starting when the
 * lead-in is over and not later (the chime rings about 4.5 s: ticks at 0 and
 * 5 s of a 12 s lead-in, none at 10 s). */
static void test_delay(void **state)
{
    (void)state;
    const char *args[] = {"play", SHORT, "--delay", "12s", "--stats", NULL};
    struct run r = {.conf = FILE_CONF, .args = args};
    run_play(&r);
    if (r.status != 0)
        fail_msg("exit %d:\n%s", r.status, r.err);
    assert_true(r.frames > 12 * RATE);
    double peak[2] = {0, 0}, quiet = 0, tail = 0;
    for (size_t i = 0; i < 12 * RATE; i++) {
        double a = fabs(r.cap[i * CH]);
        double sec = (double)i / RATE;
        if (sec < 1.0 && a > peak[0])
            peak[0] = a;
        else if (sec >= 4.9 && sec < 6.0 && a > peak[1])
            peak[1] = a;
        else if (sec >= 2.5 && sec < 4.5 && a > quiet)
            quiet = a;
        else if (sec >= 10.0 && sec < 11.9 && a > tail)
            tail = a;
    }
    print_message("lead-in: ticks peak %.4f and %.4f, between them %.5f, before the end %.6f\n",
                  peak[0], peak[1], quiet, tail);
    assert_true(peak[0] > 0.005 && peak[0] < 0.1);
    assert_true(peak[1] > 0.005 && peak[1] < 0.1);
    assert_true(quiet < peak[0] / 10); /* each tick dies away before the next */
    assert_true(tail < 1e-4);          /* no tick at 10 s: it would ring past 12 s */
    size_t rn;
    float *ref = render_ref(SHORT, &rn);
    size_t off = (size_t)(11.5 * RATE);
    struct match m = compare_within(r.cap + off * CH, r.frames - off, ref, rn, 2 * RATE);
    const double start = (double)(off + m.lag) / RATE;
    print_message("the session after the lead-in: from %.3f s, correlation %.6f\n", start, m.corr);
    assert_true(m.corr >= 0.999);
    assert_true(start >= 11.95 && start < 12.5);
    free(ref);
    run_free(&r);
}

/* The picker: entry 0 goes on where the last practice stopped (from the
 * start of that step), exactly as render has it although the list
 * compiled every session first (test_pick_matches_render covers a
 * session chosen by name). */
static void pick_resume_tick(struct run *r)
{
    if (r->stage == 0 && tty_has(r, "Play which?")) {
        send_text(r, "0\n");
        r->stage = 1;
    }
}

static void test_pick_continue(void **state)
{
    (void)state;
    const char *dir = WORK "/xdg-pick";
    xdg_fresh(dir, NULL);
    char real[4096], path[600];
    assert_non_null(realpath(SHORT, real));
    snprintf(path, sizeof path, "%s/state", dir);
    mkdir(path, 0700);
    snprintf(path, sizeof path, "%s/state/asanavox", dir);
    mkdir(path, 0700);
    snprintf(path, sizeof path, "%s/state/asanavox/resume", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "%s\tplay-short\t6.000\t13.556\n", real);
    fclose(f);
    const char *args[] = {"play", "--stats", NULL};
    struct run r = {.conf = FILE_CONF, .args = args, .pty = true, .tick = pick_resume_tick,
                    .search = TEST_SOURCE_DIR "/tests/data", .xdg = dir};
    run_play(&r);
    if (r.status != 0 || r.stage != 1)
        fail_msg("exit %d at stage %d; terminal:\n%s", r.status, r.stage, r.err);
    assert_non_null(strstr(r.err, "   0  continue play-short at 0:06"));
    assert_non_null(strstr(r.err, "going on with play-short at 0:02, the start of step 3/4"));
    size_t rn;
    float *ref = render_ref(SHORT, &rn);
    size_t start = step_start(SHORT, 2);
    struct match m = compare(r.cap, r.frames, ref + start, rn - start);
    print_message("picker entry 0: lag %zu, length difference %ld, correlation %.6f\n", m.lag,
                  m.len_diff, m.corr);
    assert_true(m.corr >= 0.999);
    free(ref);
    run_free(&r);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matches_render),
        cmocka_unit_test(test_from_step),
        cmocka_unit_test(test_from_time),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_volume_kept),
        cmocka_unit_test(test_restart_while_playing),
        cmocka_unit_test(test_sigterm),
        cmocka_unit_test(test_sigint_on_terminal),
        cmocka_unit_test(test_no_device),
        cmocka_unit_test(test_unknown_device),
        cmocka_unit_test(test_device_fails),
        cmocka_unit_test(test_pick_on_terminal),
        cmocka_unit_test(test_pick_matches_render),
        cmocka_unit_test(test_no_name_without_terminal),
        cmocka_unit_test(test_devices),
        cmocka_unit_test(test_bad_from),
        cmocka_unit_test(test_late_error),
        cmocka_unit_test(test_from_time_starts_the_step),
        cmocka_unit_test(test_config_precedence),
        cmocka_unit_test(test_resume_and_history),
        cmocka_unit_test(test_history_off),
        cmocka_unit_test(test_pause_rewinds_to_the_sentence),
        cmocka_unit_test(test_arrows_seek),
        cmocka_unit_test(test_right_arrow_to_the_end),
        cmocka_unit_test(test_volume_limited),
        cmocka_unit_test(test_time_key_speaks),
        cmocka_unit_test(test_delay),
        cmocka_unit_test(test_pick_continue),
    };
    /* ASANAVOX_TEST_FILTER=test_delay runs only the tests matching it. */
    if (getenv("ASANAVOX_TEST_FILTER"))
        cmocka_set_test_filter(getenv("ASANAVOX_TEST_FILTER"));
    return cmocka_run_group_tests(tests, NULL, NULL);
}
