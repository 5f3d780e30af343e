/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cli_state.h — what `play` remembers between runs: the practice log and
 * where the last practice stopped.
 *
 * Both live in $XDG_STATE_HOME/asanavox/ (default ~/.local/state/asanavox/),
 * made on first use (mode 0700):
 *
 *   history  the practice log, one line per `play`, appended with a single
 *            write(2) in O_APPEND mode so lines of two players never mix:
 *                2026-11-30T07:02:11+0100<TAB>morning-5<TAB>12.4<TAB>completed
 *                2026-12-01T07:05:40+0100<TAB>morning-5<TAB>2.5<TAB>stopped at 2:28 (step 5/23 Child's pose)
 *            (local time with its offset; the session's name; minutes
 *            practised, i.e. sounding, not paused; how it ended).  Names
 *            and step names have tabs, newlines and control characters
 *            replaced by spaces.
 *   resume   where the last practice that did not finish stopped, one line:
 *                SPEC<TAB>NAME<TAB>SECONDS<TAB>TOTAL-SECONDS
 *            SPEC is what `play` compiles again (a session name, or an
 *            absolute path); written atomically (temporary file + rename),
 *            removed when a practice completes.
 *   volume   the live volume the keys of `play` (+ and -) set last, in dB
 *            on top of the mix, one number such as "-4.0"; the next `play`
 *            starts at it.  Written atomically; removed when it is 0.
 *
 * Main thread only.  Reading tolerates damaged files: lines that do not
 * parse are skipped (a log is never a reason not to practise).
 */
#ifndef ASANAVOX_CLI_STATE_H
#define ASANAVOX_CLI_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* $XDG_STATE_HOME/asanavox/FILE (malloc'd), or NULL without HOME. */
char *state_path(const char *file);

/* One practice. */
struct history_entry {
    time_t when;        /* start of the practice */
    int utc_offset;     /* seconds east of UTC when it was logged */
    char name[128];
    double minutes;
    bool completed;
    char how[256];      /* "completed" or "stopped at ..." */
};

/* Append one line.  Returns 0 or an av_error (AV_EIO with errno). */
int history_append(const struct history_entry *e);

/* Read the whole log (at most the last 100000 lines) into a malloc'd
 * array, oldest first.  A missing log is an empty one.  Returns 0,
 * AV_EIO or AV_ENOMEM. */
int history_read(struct history_entry **out, size_t *n);

/* Where practice stopped. */
struct resume_point {
    char spec[4096];    /* what to compile: a session name or an absolute path */
    char name[256];     /* what to call it */
    double seconds;     /* where it stopped */
    double total;       /* the session's length then */
};

/* Record, read (AV_ENOENT when there is none) and forget the resume point. */
int resume_save(const struct resume_point *r);
int resume_load(struct resume_point *r);
void resume_clear(void);

/* Keep the keys' volume `db` for the next play (removing the file at 0).
 * Returns 0, AV_EINVAL (outside the keys' range, TRANSPORT_VOLUME_MIN to
 * TRANSPORT_VOLUME_MAX), AV_EIO or AV_ENOMEM. */
int volume_save(double db);

/* The kept volume into *db (0 when there is none).  Returns 0, or
 * AV_ENOENT when there is none or the file does not hold a number in the
 * keys' range (a damaged file is ignored), or AV_EIO. */
int volume_load(double *db);

#endif
