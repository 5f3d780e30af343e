/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cli_catalog.c — the compiled list of sessions shared by `list` and the
 * picker of `play` (cli_catalog.h).
 */
#include "cli_catalog.h"

#include <stdlib.h>

#include "asanavox/compile.h"
#include "asanavox/error.h"
#include "asanavox/paths.h"
#include "asanavox/thread.h"
#include "asanavox/voice.h"

int cli_catalog(const struct compile_options *o, struct voice *voice, struct cli_session **out,
                size_t *count)
{
    struct session_entry *found = NULL;
    size_t n = 0;
    int err = paths_list_sessions(&found, &n);
    if (err)
        return err;
    struct cli_session *v = calloc(n ? n : 1, sizeof(*v));
    if (!v) {
        paths_free_sessions(found, n);
        return AV_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        v[i].name = found[i].name; /* ownership moves to the list */
        v[i].path = found[i].path;
    }
    free(found);
    struct summary_ctx ctx;
    summary_ctx_init(&ctx, voice);
    voice_set_stop(voice, o->stop);
    for (size_t i = 0; i < n; i++) {
        err = av_stop_raised(o->stop) ? AV_EINTERRUPTED
                                      : session_summary(&ctx, v[i].path, o, &v[i].sum);
        if (err) {
            summary_ctx_deinit(&ctx);
            cli_catalog_free(v, n);
            return err;
        }
        /* Only lengths are kept: each session gets the whole speech
         * budget, whatever the others on the path cost (voice.h). */
        voice_clear_cache(voice);
    }
    summary_ctx_deinit(&ctx);
    *out = v;
    *count = n;
    return AV_OK;
}

void cli_catalog_free(struct cli_session *v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++) {
        free(v[i].name);
        free(v[i].path);
        session_summary_deinit(&v[i].sum);
    }
    free(v);
}
