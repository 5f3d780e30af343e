/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cli_practice.h — what `play` does around the practice itself: the quiet
 * lead-in of --delay, and at the end the practice log line and the resume
 * point (cli_state.h).
 *
 * Main thread only.
 */
#ifndef ASANAVOX_CLI_PRACTICE_H
#define ASANAVOX_CLI_PRACTICE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "asanavox/compile.h"

struct timeline;
struct voice;
struct cli_config;

/* --delay's value: "20", "20s", "1m30s", "1:30"; 0 to 600 seconds. */
bool practice_parse_delay(const char *v, double *seconds);

/* Play a quiet lead-in of `seconds` (up to 600) at `rate` on `device`
 * before the session (`voice` only compiles it): a soft tick (the shipped
 * `chime`, 18 dB down, not normalized) every 5 s, with "starting in
 * 0:15" on standard error when `status`.  With `keys` (raw mode is on,
 * cli_term.h), q quits and n ends it.  Returns -1 to go on with the
 * session, or the exit status when it was quit (0) or interrupted (128 +
 * the signal).  A lead-in that cannot be played is skipped with one line.
 * Needs term_start() and audio_open(). */
int practice_lead_in(double seconds, int rate, struct voice *voice, const char *device, bool mono,
                     bool keys, bool status);

/* What one practice was. */
struct practice {
    const char *spec;       /* what to compile to go on (NULL: cannot, e.g. stdin) */
    const char *name;       /* what to call it */
    time_t started;         /* wall clock at the start */
    double seconds_played;  /* sounding, not paused */
    bool completed;
    int64_t stopped_at;     /* frame, when not completed */
};

/* Log the practice (unless the config says `history: no`) and record or
 * clear the resume point.  Failures are reported as one warning line on
 * stderr; they never change play's exit status. */
void practice_record(const struct cli_config *cfg, const struct timeline *tl,
                     const struct practice *pr);

/* `spec` for the resume point: the session name as given, or the
 * absolute path of a file argument (malloc'd; NULL for "-" or when out of
 * memory). */
char *practice_spec(const char *name_arg);

/* The session name to show for a spec: the base name without ".yoga". */
void practice_display_name(const char *spec, char *buf, size_t size);

#endif
