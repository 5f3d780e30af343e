/*
 * sink_internal.h — what the sink implementations share with sink.c.
 */
#ifndef ASANAVOX_SINK_INTERNAL_H
#define ASANAVOX_SINK_INTERNAL_H

#include "asanavox/sink.h"

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
