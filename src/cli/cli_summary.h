/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cli_summary.h — a session's title, about line and length, for `list` and
 * the picker of `play`, from a cache when the session has not changed.
 *
 * A summary is cached in $XDG_CACHE_HOME/asanavox/list, keyed by the
 * session's path, the compile options, and espeak-ng's version and data
 * (speech lengths depend on them).  With it are recorded the inputs the
 * compile read: each file's contents (as a hash), how each include and
 * sound name resolved, and each sound file's size and time.  A cached
 * summary is used only when all of those are still the same, so an edited
 * session, an edited include, a new file that now shadows an include on
 * the search path, or a changed sound all make it compile again.
 *
 * Called from the main thread only.
 */
#ifndef ASANAVOX_CLI_SUMMARY_H
#define ASANAVOX_CLI_SUMMARY_H

#include <stdbool.h>
#include <stdint.h>

#include "asanavox/compile.h"

struct voice;
struct filecache;

struct session_summary {
    bool valid;      /* false: the session has errors (title and about NULL) */
    char *title;     /* malloc'd */
    char *about;     /* malloc'd, may be "" */
    int64_t duration; /* frames at `rate` */
    int rate;
};

/* What successive summaries share: the cache (unless --no-cache) and the
 * voice that speaks on a miss. */
struct summary_ctx {
    struct filecache *cache; /* NULL: no cache */
    char *stamp;            /* espeak-ng's version and data, for the key */
    char build[256];        /* this build of the program, for the key */
    struct voice *voice;    /* the caller's */
};

/* Set up `ctx`, with the cache unless cli_use_cache is false (or the cache
 * directory is unusable); `voice` (the caller's, which must outlive ctx)
 * speaks on a miss.  A voice costs nothing until it speaks (voice.h).
 * Always succeeds: without memory it works without the cache. */
void summary_ctx_init(struct summary_ctx *ctx, struct voice *voice);
void summary_ctx_deinit(struct summary_ctx *ctx);

/* The summary of the session at `path` compiled with `o`.  Returns 0 (also
 * for a session with errors, or when speech fails: out->valid is false),
 * AV_EINTERRUPTED (o->stop was raised during the compile) or AV_ENOMEM.
 * Free with session_summary_deinit(). */
int session_summary(struct summary_ctx *ctx, const char *path, const struct compile_options *o,
                    struct session_summary *out);
void session_summary_deinit(struct session_summary *s);

#endif
