/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cli_catalog.h — the sessions on the search path with their titles and
 * lengths: what `list` prints and what the picker of `play` offers, made
 * by one function.
 */
#ifndef ASANAVOX_CLI_CLI_CATALOG_H
#define ASANAVOX_CLI_CLI_CATALOG_H

#include <stddef.h>

#include "cli_summary.h"

struct compile_options;
struct voice;

struct cli_session {
    char *name;
    char *path;
    struct session_summary sum; /* sum.valid false when the session has errors */
};

/* Every session on the search path (paths_list_sessions(): sorted by name;
 * a name in an earlier directory hides the same name later), summarised
 * with `o` (session_summary(): compiled with `voice`, real speech lengths,
 * so lengths match `plan`, or taken from the summary cache when nothing
 * it depends on changed).  o->stop, when raised, ends it early.  The main
 * thread.  Returns 0, AV_EINTERRUPTED or AV_ENOMEM. */
int cli_catalog(const struct compile_options *o, struct voice *voice, struct cli_session **out,
                size_t *n);

/* Free the list.  Accepts NULL. */
void cli_catalog_free(struct cli_session *v, size_t n);

#endif
