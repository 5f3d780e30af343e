/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cli_term.h — the runtime of the long-running commands (play, render): stop
 * signals, Ctrl-Z and the terminal's raw key mode, in one place.
 *
 * term_start() installs the handlers: SIGINT and SIGTERM (and SIGHUP with
 * TERM_HUP) record the signal's number and when it came, and write a byte
 * to a self-pipe that a poll() loop can wait on; SIGPIPE (and SIGXFSZ with
 * TERM_XFSZ) are ignored so a failed write returns an error instead of
 * killing the process; with TERM_SUSPEND, Ctrl-Z (SIGTSTP) gives the
 * terminal back in its saved mode, stops, and on SIGCONT takes raw mode
 * again.  term_finish() restores the terminal's mode and every handler.
 *
 * A signal handler can only reach globals, so the state is global here and
 * nowhere else: one runtime per process, on the main thread.  Every thread
 * we start blocks signals (thread.h), so the handlers run on the main
 * thread only.
 */
#ifndef ASANAVOX_CLI_CLI_TERM_H
#define ASANAVOX_CLI_CLI_TERM_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    TERM_HUP = 1,     /* SIGHUP stops too */
    TERM_XFSZ = 2,    /* ignore SIGXFSZ (a file too large is an error) */
    TERM_SUSPEND = 4, /* Ctrl-Z restores the terminal (see above) */
};

/* Install the handlers and make the self-pipe.  Returns 0 or an errno
 * value (nothing is installed then). */
int term_start(unsigned flags);

/* Raw mode off, handlers and the pipe gone.  Safe without term_start(). */
void term_finish(void);

/* The number of the stop signal that came, or 0. */
int term_signal(void);

/* The same as a flag for loops that take one (render_run()). */
const volatile sig_atomic_t *term_signal_flag(void);

/* When the stop signal came (av_now_ns()), or 0. */
int64_t term_signal_ns(void);

/* Wait up to `ms` milliseconds for keys on standard input (when
 * *stdin_open) or for a stop signal's byte on the self-pipe (which it
 * drains).  Returns how many key bytes it read into `buf` (at most `cap`),
 * 0 when nothing came in time or only the pipe woke it, -1 when poll()
 * failed other than by EINTR.  When standard input ends or fails it sets
 * *stdin_open to false (the terminal went away: play on without keys).
 * Main thread only. */
int term_poll_keys(bool *stdin_open, unsigned char *buf, size_t cap, int ms);

/* When standard input is a terminal and we are in its foreground process
 * group: save its mode and take keys one at a time, unechoed (Ctrl-C and
 * Ctrl-Z still signal; no XON/XOFF).  Returns whether raw mode is on. */
bool term_raw_on(void);

/* Put the saved mode back (if raw mode is on). */
void term_raw_off(void);

#endif
