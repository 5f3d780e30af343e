/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cli_pick.h — choosing a session for `play` when no NAME is given.
 */
#ifndef ASANAVOX_CLI_PICK_H
#define ASANAVOX_CLI_PICK_H

#include <stdbool.h>

struct compile_options;
struct voice;
struct timeline;
struct resume_point;

/* List the sessions (summarised with `co`, so durations are those that will
 * play; from the summary cache when unchanged) and, on a terminal, ask
 * which: a number, a name or a unique prefix, or 0 for "continue" when `rp`
 * is a resume point (then *resumed is set).  Creates *voice when NULL.
 * Returns 0 with the chosen session's path in *name (malloc'd; NULL when
 * nothing was chosen) and *tl NULL (the caller plays the path in a fresh
 * process), or an exit status (128 + signal when interrupted).
 * Thread: the main thread (it reads standard input). */
int cli_pick_session(const struct compile_options *co, struct voice **voice, char **name,
                     struct timeline **tl, const struct resume_point *rp, bool *resumed);

#endif
