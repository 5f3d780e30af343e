/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sink_internal.h — the sink's state and its table of functions, which
 * the sink implementations share with sink.c (sink.h keeps them opaque).
 */
#ifndef ASANAVOX_SINK_INTERNAL_H
#define ASANAVOX_SINK_INTERNAL_H

#include "asanavox/sink.h"

struct sink_ops {
    const char *name;
    /* Allocate private state into s->priv.  Errors: AV_ENOMEM. */
    int (*create)(struct sink *s);
    /* Start writing to `target` (a path or "-"; a device name; ignored by
     * the null sink). */
    int (*open)(struct sink *s, const char *target, const struct sink_params *p);
    int (*write)(struct sink *s, const float *interleaved, size_t frames);
    /* Optional: frames of one channel, to go to every channel.  NULL: the
     * frames are copied to every channel and passed to write(). */
    int (*write_mono)(struct sink *s, const float *mono, size_t frames);
    /* Flush and commit what was written. */
    int (*finish)(struct sink *s);
    /* Discard what was written (may be called after a failed open, write
     * or finish) and free the private state.  Must not fail. */
    void (*destroy)(struct sink *s);
};

struct sink {
    const struct sink_ops *ops;
    void *priv;
    struct sink_params params;
    int state;           /* internal: created, open, finished, failed */
    char message[512];   /* last failure, one line, "" if none */
    float *scratch;      /* internal: sink_write_mono() without write_mono */
    size_t scratch_cap;
    const struct tags *tags; /* sink_set_tags(), or NULL */
};

/* Record a one-line failure message in s->message (printf-style). */
void sink_fail(struct sink *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Fixed Ogg stream serial number written by the file sink. */
#define SINK_OGG_SERIAL 0x61766f78u /* "avox" */

/* Remove the file sink's temporary files in `dir` that a killed render
 * left: ".NAME.PID.N.tmp", regular, ours, over a minute old, PID gone
 * (file_temp.c).  Errors are ignored: this is housekeeping. */
void sink_file_clean_stale(const char *dir);

/* Give the descriptor `fd` the permission bits of `target` when that is an
 * existing regular file, so that writing over a file keeps its mode. */
void sink_file_keep_mode(int fd, const char *target);

#endif
