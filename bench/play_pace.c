/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * play_pace.c — run `asanavox play` against the ALSA file device of the
 * tests (tests/alsa/file.conf) and be its sound card: read what it plays
 * from a FIFO at FACTOR times real time (48 kHz stereo float32, the format
 * asanavox asks for), so the stream is paced like a real device's.
 * Built and used by bench/play:
 *     cc -O2 -o build/play_pace bench/play_pace.c
 * usage: play_pace [-x FACTOR] [-k SECONDS:SIGNAL] [-c CONF] -- PROGRAM ARGS...
 *   -x FACTOR          speed of the fake device (default 1: real time)
 *   -k SECONDS:SIGNAL  send SIGNAL (a number) after SECONDS of audio
 *   -c CONF            the ALSA configuration (default tests/alsa/file.conf)
 * Prints one line to stdout:
 *   exit S user U sys Y wall W audio A maxrss_kib M
 * (the program's exit status, its CPU seconds, wall seconds, seconds of
 * audio read, and its peak resident memory); the program's own output is
 * left alone.
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void nap(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    nanosleep(&ts, NULL);
}

int main(int argc, char **argv)
{
    double factor = 1.0, kill_at = -1.0;
    int kill_sig = SIGINT;
    const char *conf = "tests/alsa/file.conf";
    int i = 1;
    for (; i < argc && strcmp(argv[i], "--"); i++) {
        if (!strcmp(argv[i], "-x") && i + 1 < argc)
            factor = atof(argv[++i]);
        else if (!strcmp(argv[i], "-k") && i + 1 < argc)
            sscanf(argv[++i], "%lf:%d", &kill_at, &kill_sig);
        else if (!strcmp(argv[i], "-c") && i + 1 < argc)
            conf = argv[++i];
        else
            break;
    }
    if (i >= argc || strcmp(argv[i], "--") || i + 1 >= argc || factor <= 0) {
        fprintf(stderr, "usage: play_pace [-x FACTOR] [-k SECONDS:SIGNAL] [-c CONF] -- PROGRAM ARGS...\n");
        return 2;
    }
    char fifo[64];
    snprintf(fifo, sizeof fifo, "/tmp/play_pace.%d", (int)getpid());
    unlink(fifo);
    if (mkfifo(fifo, 0600) != 0) {
        perror("mkfifo");
        return 1;
    }
    int fd = open(fifo, O_RDONLY | O_NONBLOCK);
    if (fd < 0) {
        perror(fifo);
        return 1;
    }
    char conf_abs[4096];
    if (!realpath(conf, conf_abs)) {
        perror(conf);
        return 1;
    }
    pid_t pid = fork();
    if (pid == 0) {
        setenv("ALSA_CONFIG_PATH", conf_abs, 1);
        setenv("ASANAVOX_TEST_PCM", fifo, 1);
        execvp(argv[i + 1], argv + i + 1);
        _exit(127);
    }
    const double rate = 48000.0 * 8.0;          /* bytes per second of audio */
    const size_t quantum = (size_t)(rate * factor * 0.005) > 4096 ? (size_t)(rate * factor * 0.005) : 4096;
    static char buf[1 << 20];
    double t0 = -1, start = now();
    size_t have = 0;
    int status = 0;
    int exited = 0, killed = 0;
    for (;;) {
        double t = now();
        if (!exited && waitpid(pid, &status, WNOHANG) == pid)
            exited = 1;
        if (!killed && kill_at >= 0 && (double)have / rate >= kill_at && !exited) {
            kill(pid, kill_sig);
            killed = 1;
        }
        size_t allowed = 65536 + (t0 < 0 ? 0 : (size_t)(rate * factor * (t - t0)));
        if (have >= allowed || (t0 >= 0 && allowed - have < quantum)) {
            nap(0.001);
            continue;
        }
        size_t want = allowed - have < sizeof buf ? allowed - have : sizeof buf;
        ssize_t k = read(fd, buf, want);
        if (k > 0) {
            if (t0 < 0)
                t0 = t;
            have += (size_t)k;
            continue;
        }
        if (k < 0 && errno != EAGAIN && errno != EINTR) {
            perror("read");
            break;
        }
        if (exited && k == 0)
            break;
        if (t - start > 7200) {
            kill(pid, SIGKILL);
            break;
        }
        nap(0.001);
    }
    close(fd);
    unlink(fifo);
    if (!exited)
        waitpid(pid, &status, 0);
    struct rusage ru;
    getrusage(RUSAGE_CHILDREN, &ru);
    int st = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    printf("exit %d user %.3f sys %.3f wall %.3f audio %.3f maxrss_kib %ld\n", st,
           (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6,
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6,
           t0 < 0 ? 0.0 : now() - t0, (double)have / rate, ru.ru_maxrss);
    return 0;
}
