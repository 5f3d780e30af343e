/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * clock.h — the one monotonic clock and the one time formatter.
 *
 * av_now_ns() reads CLOCK_MONOTONIC (a vDSO read, so the real-time
 * callback may call it); every wait and every duration in asanavox is
 * measured on it, never on the wall clock, which can step.
 */
#ifndef ASANAVOX_CLOCK_H
#define ASANAVOX_CLOCK_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Nanoseconds on CLOCK_MONOTONIC.  Any thread, real-time safe. */
int64_t av_now_ns(void);

/* The CLOCK_MONOTONIC time `ns` nanoseconds from now, for
 * pthread_cond_timedwait() on a condition variable whose clock was set to
 * CLOCK_MONOTONIC (pthread_condattr_setclock()).  Any thread. */
struct timespec av_deadline_after(long ns);

/* `frame` at `rate` as "M:SS", or "H:MM:SS" from an hour on (whole
 * seconds, rounded down), into buf.  Any thread. */
void av_clock_text(int64_t frame, int rate, char *buf, size_t size);

#endif
