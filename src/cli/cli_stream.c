/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cli_stream.c — a streamed compile on a thread of its own, for play and
 * render (cli_stream.h).
 */
#include "cli_stream.h"

#include <string.h>

#include "asanavox/error.h"
#include "asanavox/thread.h"
#include "asanavox/timeline.h"
#include "cli.h"

static void *compile_main(void *arg)
{
    struct cli_stream *s = arg;
    struct voice *voice = s->voice;
    s->status = cli_compile(s->cmd, s->name, &s->co, &voice, &s->tl);
    /* A session that was never compiled (not found, say) ends the stream
     * too, so a reader waiting for it goes on; nothing after a compile. */
    compile_stream_fail(s->stream, AV_EINVAL);
    return NULL;
}

int cli_stream_start(struct cli_stream *s, const char *cmd, const char *name,
                     const struct compile_options *co, struct voice *voice)
{
    memset(s, 0, sizeof(*s));
    if (compile_stream_create(&s->stream))
        return AV_ENOMEM;
    s->co = *co;
    s->co.stream = s->stream;
    s->cmd = cmd;
    s->name = name;
    s->voice = voice;
    if (av_thread_create(&s->thread, compile_main, s) != 0) {
        compile_stream_destroy(s->stream);
        s->stream = NULL;
        return AV_ENOMEM;
    }
    s->running = true;
    return AV_OK;
}

int cli_stream_join(struct cli_stream *s, struct timeline **tl)
{
    if (s->running) {
        pthread_join(s->thread, NULL);
        s->running = false;
        if (tl && s->status == 0) {
            *tl = s->tl;
            s->tl = NULL;
        }
    }
    return s->status;
}

void cli_stream_deinit(struct cli_stream *s)
{
    cli_stream_join(s, NULL);
    timeline_destroy(s->tl);
    s->tl = NULL;
    compile_stream_destroy(s->stream);
    s->stream = NULL;
}
