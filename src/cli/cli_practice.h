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

/* Compile the lead-in of `seconds` (1 to 600): a soft tick (the `hold`
 * tone) every 5 s, quiet in between, at `rate`.  Returns 0 with *tl, or an
 * exit status after printing why. */
int practice_leadin(double seconds, int rate, struct voice *voice, struct timeline **tl);

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
