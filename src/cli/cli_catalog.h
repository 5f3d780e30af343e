/*
 * cli_catalog.h — the sessions on the search path, each compiled for its
 * title and length: what `list` prints and what the picker of `play`
 * offers, made by one function.
 */
#ifndef ASANAVOX_CLI_CLI_CATALOG_H
#define ASANAVOX_CLI_CLI_CATALOG_H

#include <stddef.h>

struct compile_options;
struct timeline;
struct voice;

struct cli_session {
    char *name;
    char *path;
    struct timeline *tl;  /* NULL when the session has errors */
};

/* Every session on the search path (paths_list_sessions(): sorted by name;
 * a name in an earlier directory hides the same name later), compiled with
 * `o` and `voice` (real speech lengths, so lengths match `plan`; no speech
 * bank is kept).  The main thread.  Returns 0 or AV_ENOMEM. */
int cli_catalog(const struct compile_options *o, struct voice *voice, struct cli_session **out,
                size_t *n);

/* Free the list and its timelines.  Accepts NULL. */
void cli_catalog_free(struct cli_session *v, size_t n);

#endif
