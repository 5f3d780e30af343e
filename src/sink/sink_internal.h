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

#endif
