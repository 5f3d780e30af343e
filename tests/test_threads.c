/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_threads.c — threads that asanavox starts block every signal
 * (thread.h), so a handler never runs on a worker: the mixer's clip
 * worker and the WAV writer's thread are looked at while they live,
 * through /proc/self/task/TID/status (SigBlk), from a main thread that
 * blocks nothing.
 */
#define _GNU_SOURCE 1 /* syscall() */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <dirent.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "asanavox/arena.h"
#include "asanavox/error.h"
#include "asanavox/mixer.h"
#include "asanavox/sink.h"
#include "asanavox/thread.h"
#include "asanavox/timeline.h"

/* The signals the CLI handles; none may reach a thread of ours. */
static const int handled[] = {SIGINT, SIGTERM, SIGTSTP, SIGCONT, SIGWINCH, SIGHUP, SIGQUIT};

/* Read a task's state letter and blocked-signal mask; false if it is
 * gone. */
static bool task_status(const char *tid, char *state, unsigned long long *blk)
{
    char path[300], line[256];
    snprintf(path, sizeof path, "/proc/self/task/%s/status", tid);
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    *state = '?';
    *blk = 0;
    while (fgets(line, sizeof line, f)) {
        sscanf(line, "State: %c", state);
        sscanf(line, "SigBlk: %llx", blk);
    }
    fclose(f);
    return true;
}

/* Threads of this process other than the caller, and how many of them
 * leave one of `handled` unblocked.  A thread is looked at once it sleeps
 * (waits for work): glibc starts a new thread with every signal blocked
 * and installs the inherited mask only when it runs. */
static void scan(int *others, int *open_to_signals)
{
    *others = 0;
    *open_to_signals = 0;
    long self = syscall(SYS_gettid);
    DIR *d = opendir("/proc/self/task");
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.' || atol(e->d_name) == self)
            continue;
        char st = '?';
        unsigned long long blk = 0;
        bool alive;
        for (int tries = 0; (alive = task_status(e->d_name, &st, &blk)) && st != 'S' &&
                            tries < 5000;
             tries++)
            usleep(1000);
        if (!alive)
            continue;
        (*others)++;
        for (size_t i = 0; i < sizeof handled / sizeof handled[0]; i++)
            if (!(blk & (1ull << (handled[i] - 1))))
                (*open_to_signals)++;
    }
    closedir(d);
}

static void unblock_all(void)
{
    sigset_t none;
    sigemptyset(&none);
    pthread_sigmask(SIG_SETMASK, &none, NULL);
}

static int fake(void *ctx, const char *what, int rate, float **samples, size_t *frames)
{
    (void)ctx;
    (void)what;
    (void)rate;
    float *s = calloc(1000, sizeof(float));
    if (!s)
        return AV_ENOMEM;
    *samples = s;
    *frames = 1000;
    return AV_OK;
}

static void test_mixer_worker(void **state)
{
    (void)state;
    unblock_all();
    struct timeline *tl = calloc(1, sizeof(*tl));
    assert_non_null(tl);
    tl->arena = arena_create();
    tl->rate = 48000;
    tl->title = "t";
    tl->about = "";
    tl->duration = 48000;
    struct mixer_source src = {NULL, fake, fake};
    struct mixer_options o;
    mixer_options_init(&o);
    o.source = &src;
    o.background = true;
    struct mixer *m;
    assert_int_equal(mixer_create(tl, NULL, &o, &m), AV_OK);
    int others, open;
    scan(&others, &open);
    assert_true(others >= 1);
    assert_int_equal(open, 0);
    mixer_destroy(m);
    timeline_destroy(tl);
}

static void test_wav_writer(void **state)
{
    (void)state;
    unblock_all();
    char path[] = TEST_BINARY_DIR "/threads-test.wav";
    struct sink *s;
    assert_int_equal(sink_create(&sink_file_ops, &s), AV_OK);
    struct sink_params p = {.rate = 48000, .channels = 2, .format = SINK_FORMAT_WAV,
                            .frames = 48000};
    assert_int_equal(sink_open(s, path, &p), AV_OK);
    int others, open;
    scan(&others, &open);
    assert_true(others >= 1);
    assert_int_equal(open, 0);
    sink_destroy(s);
    unlink(path);
}

static void *idle(void *arg)
{
    (void)arg;
    return NULL;
}

/* The caller's own mask is left as it was. */
static void test_caller_mask_kept(void **state)
{
    (void)state;
    unblock_all();
    pthread_t t;
    assert_int_equal(av_thread_create(&t, idle, NULL), 0);
    pthread_join(t, NULL);
    sigset_t now;
    pthread_sigmask(SIG_SETMASK, NULL, &now);
    assert_false(sigismember(&now, SIGINT));
    assert_false(sigismember(&now, SIGTERM));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mixer_worker),
        cmocka_unit_test(test_wav_writer),
        cmocka_unit_test(test_caller_mask_kept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
