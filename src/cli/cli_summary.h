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

/* What successive summaries share: the cache (unless --no-cache) and a
 * voice, created on the first cache miss. */
struct summary_ctx {
    const char *cmd;        /* for messages: "list", "play" */
    struct filecache *cache; /* NULL: no cache */
    char *stamp;            /* espeak-ng's version and data, for the key */
    struct voice **voice;   /* the caller's voice pointer (may point to NULL) */
};

/* Set up `ctx` for command `cmd`, with the cache unless cli_use_cache is
 * false (or the cache directory is unusable).  `voice` points to the
 * caller's voice pointer, which may be NULL: a voice is then created there
 * on the first miss, and stays the caller's.  Returns 0 or AV_ENOMEM. */
int summary_ctx_init(struct summary_ctx *ctx, const char *cmd, struct voice **voice);
void summary_ctx_deinit(struct summary_ctx *ctx);

/* The summary of the session at `path` compiled with `o`.  Returns 0 (also
 * for a session with errors: out->valid is false), AV_EVOICE when the voice
 * cannot be created (already reported on stderr), or AV_ENOMEM.  Free with
 * session_summary_deinit(). */
int session_summary(struct summary_ctx *ctx, const char *path, const struct compile_options *o,
                    struct session_summary *out);
void session_summary_deinit(struct session_summary *s);

#endif
