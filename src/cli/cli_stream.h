/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cli_stream.h — the compile of play and render on a thread of its own,
 * streamed (compile.h, "Streaming"), so that play mixes its first blocks,
 * and render prepares its first clips, while espeak-ng still speaks the
 * session's later texts.
 */
#ifndef ASANAVOX_CLI_STREAM_H
#define ASANAVOX_CLI_STREAM_H

#include <pthread.h>
#include <stdbool.h>

#include "asanavox/compile.h"

struct voice;

struct cli_stream {
    struct compile_stream *stream; /* what the mixer reads */
    /* The compile thread's; the caller reads them after cli_stream_join(). */
    struct compile_options co;
    const char *cmd;
    const char *name;
    struct voice *voice;
    struct timeline *tl;
    int status;
    pthread_t thread;
    bool running;
};

/* Start cli_compile(cmd, name, co, voice) on a new thread (signals
 * blocked), with a stream.  `voice` belongs to that thread until
 * cli_stream_join(), `cmd`, `name` and `co`'s strings must outlive it.
 * Returns 0 or AV_ENOMEM (nothing started). */
int cli_stream_start(struct cli_stream *s, const char *cmd, const char *name,
                     const struct compile_options *co, struct voice *voice);

/* Wait for the compile to end: returns cli_compile()'s status, and on 0
 * hands its timeline to *tl.  Its diagnostics are printed by then.  Any
 * later call returns the same status (and no timeline). */
int cli_stream_join(struct cli_stream *s, struct timeline **tl);

/* Join (if still running) and free the stream: after whatever reads it (the
 * player) is gone.  Accepts a zeroed or never started struct. */
void cli_stream_deinit(struct cli_stream *s);

#endif
