/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cli_term.c — stop signals through a self-pipe, Ctrl-Z and raw key mode for
 * the long-running commands (cli_term.h).
 */
#include "cli_term.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdatomic.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "asanavox/clock.h"
#include "asanavox/thread.h"

/* Signal-handler state: a handler can only reach globals (cli_term.h). */
static volatile sig_atomic_t term_sig;     /* the stop signal's number */
static int term_wake[2] = {-1, -1};        /* self-pipe: handler → poll */
static struct termios term_saved;          /* the mode to restore */
static volatile sig_atomic_t term_raw;     /* raw mode is on */
static _Atomic int64_t term_sig_ns;        /* when the stop signal came */
static unsigned term_flags;
static bool term_started;
static struct sigaction old_int, old_term, old_hup, old_pipe, old_xfsz, old_tstp;

static void on_stop_signal(int sig)
{
    int saved = errno;
    av_stop_raise(&term_sig, sig); /* polled by a compile's thread too */
    atomic_store(&term_sig_ns, av_now_ns()); /* clock_gettime is async-signal-safe */
    if (term_wake[1] >= 0) {
        char c = 1;
        ssize_t w = write(term_wake[1], &c, 1);
        (void)w;
    }
    errno = saved;
}

static void raw_apply(void)
{
    struct termios raw = term_saved;
    /* Keys one at a time, unechoed; Ctrl-C and Ctrl-Z still signal.  No
     * XON/XOFF: a stray Ctrl-S would otherwise freeze the status line. */
    raw.c_lflag &= (tcflag_t) ~(ICANON | ECHO);
    raw.c_iflag &= (tcflag_t) ~IXON;
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    tcsetattr(STDIN_FILENO, TCSANOW, &raw);
}

/* Ctrl-Z: give the terminal back as it was, stop; when continued, take
 * raw mode again.  Everything here is async-signal-safe. */
static void on_suspend(int sig)
{
    int saved = errno;
    (void)sig;
    if (term_raw) {
        tcsetattr(STDIN_FILENO, TCSANOW, &term_saved);
        ssize_t w = write(STDERR_FILENO, "\r\033[K", 4);
        (void)w;
    }
    struct sigaction dfl, mine;
    memset(&dfl, 0, sizeof dfl);
    sigemptyset(&dfl.sa_mask);
    dfl.sa_handler = SIG_DFL;
    sigaction(SIGTSTP, &dfl, &mine);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTSTP);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    raise(SIGTSTP); /* stops here until SIGCONT */
    sigprocmask(SIG_BLOCK, &set, NULL);
    sigaction(SIGTSTP, &mine, NULL);
    if (term_raw)
        raw_apply();
    errno = saved;
}

int term_start(unsigned flags)
{
    if (pipe(term_wake) != 0) {
        int e = errno;
        term_wake[0] = term_wake[1] = -1;
        return e;
    }
    for (int k = 0; k < 2; k++) {
        fcntl(term_wake[k], F_SETFL, fcntl(term_wake[k], F_GETFL) | O_NONBLOCK);
        fcntl(term_wake[k], F_SETFD, FD_CLOEXEC);
    }
    term_sig = 0;
    term_raw = 0;
    atomic_store(&term_sig_ns, 0);
    term_flags = flags;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_stop_signal;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    if (flags & TERM_HUP)
        sigaction(SIGHUP, &sa, &old_hup);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, &old_pipe);
    if (flags & TERM_XFSZ)
        sigaction(SIGXFSZ, &sa, &old_xfsz);
    if (flags & TERM_SUSPEND) {
        sa.sa_handler = on_suspend;
        sigaction(SIGTSTP, &sa, &old_tstp);
    }
    term_started = true;
    return 0;
}

void term_finish(void)
{
    term_raw_off();
    if (!term_started)
        return;
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    if (term_flags & TERM_HUP)
        sigaction(SIGHUP, &old_hup, NULL);
    sigaction(SIGPIPE, &old_pipe, NULL);
    if (term_flags & TERM_XFSZ)
        sigaction(SIGXFSZ, &old_xfsz, NULL);
    if (term_flags & TERM_SUSPEND)
        sigaction(SIGTSTP, &old_tstp, NULL);
    for (int k = 0; k < 2; k++) {
        if (term_wake[k] >= 0)
            close(term_wake[k]);
        term_wake[k] = -1;
    }
    term_started = false;
}

int term_signal(void)
{
    return term_sig;
}

const volatile sig_atomic_t *term_signal_flag(void)
{
    return &term_sig;
}

int64_t term_signal_ns(void)
{
    return atomic_load(&term_sig_ns);
}

/* Empty the self-pipe (its read end is polled for POLLIN). */
static void term_drain(void)
{
    char buf[16];
    while (term_wake[0] >= 0 && read(term_wake[0], buf, sizeof buf) > 0) {
    }
}

int term_poll_keys(bool *stdin_open, unsigned char *buf, size_t cap, int ms)
{
    struct pollfd fds[2] = {{.fd = term_wake[0], .events = POLLIN},
                            {.fd = STDIN_FILENO, .events = POLLIN}};
    int r = poll(fds, *stdin_open ? 2 : 1, ms);
    if (r < 0)
        return errno == EINTR ? 0 : -1;
    if (r == 0)
        return 0;
    if (fds[0].revents)
        term_drain();
    if (!*stdin_open || !(fds[1].revents & (POLLIN | POLLHUP | POLLERR)))
        return 0;
    ssize_t got = read(STDIN_FILENO, buf, cap);
    if (got <= 0) {
        *stdin_open = false;
        return 0;
    }
    return (int)got;
}

bool term_raw_on(void)
{
    if (term_raw)
        return true;
    if (!isatty(STDIN_FILENO) || tcgetpgrp(STDIN_FILENO) != getpgrp() ||
        tcgetattr(STDIN_FILENO, &term_saved) != 0)
        return false;
    term_raw = 1;
    raw_apply();
    return true;
}

void term_raw_off(void)
{
    if (!term_raw)
        return;
    tcsetattr(STDIN_FILENO, TCSANOW, &term_saved);
    term_raw = 0;
}
