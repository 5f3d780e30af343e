/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cli.h — what the subcommands share: loading a session (and, through
 * cli_options.h, the option parser).
 *
 * Called from the main thread only.  Functions that print do so to stderr.
 */
#ifndef ASANAVOX_CLI_H
#define ASANAVOX_CLI_H

#include <stdbool.h>

#include "asanavox/compile.h"
#include "cli_options.h"

struct voice;
struct timeline;

/* Resolve NAME (a path or a session name, see paths.h; "-" reads the
 * session from standard input, at most 1 MiB, shown as "<stdin>" in
 * diagnostics, its includes and sounds found from the current
 * directory) and compile it,
 * printing diagnostics to stderr.  The voice: when `voice` points to a
 * voice, that one is used (and stays the caller's); when it points to NULL,
 * a voice is created and handed back in *voice on success (commands that
 * compile several sessions pass the same voice each time, so that each
 * text is fetched or spoken once); when `voice` itself is NULL, a
 * voice is created and destroyed here.  On success returns 0 with *tl for
 * the caller to destroy.  Otherwise returns the exit status to use: 2 for
 * a missing or invalid session, 1 for a runtime failure (voice). */
int cli_compile(const char *cmd, const char *name, const struct compile_options *o,
                struct voice **voice, struct timeline **tl);

/* The tags of a rendered file (tags.h) for the session NAME (as given to
 * cli_compile()) compiled into `tl`: the session's file is found again by
 * name for its directory, which names the album.  Returns 0 or AV_ENOMEM. */
struct tags;
int cli_tags(const char *name, const struct timeline *tl, struct tags **out);

/* False after --no-cache: commands then neither read nor write the caches
 * in $XDG_CACHE_HOME/asanavox (speech, session summaries). */
extern bool cli_use_cache;

/* The cache directory $XDG_CACHE_HOME/asanavox/SUB (filecache_root()),
 * malloc'd.  Returns 0, AV_ENOENT (no usable XDG_CACHE_HOME or HOME) or
 * AV_ENOMEM. */
int cli_cache_dir(const char *sub, char **out);

/* Create the voice, with the speech cache unless --no-cache was given,
 * printing the reason on failure.  Returns 0 or 1 (the exit status). */
int cli_voice(const char *cmd, struct voice **voice);

/* `plan`'s output of a compiled timeline on standard output: JSON
 * (--json) or the table.  Also used by tests/golden_plan.c. */
struct timeline;
void cli_plan_print_json(const struct timeline *tl);
void cli_plan_print_table(const struct timeline *tl);

#endif
