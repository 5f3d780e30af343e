/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * clock.c — the monotonic clock, deadlines on it, and the clock text of
 * positions (clock.h).
 */
#include "asanavox/clock.h"

#include <stdio.h>

int64_t av_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

struct timespec av_deadline_after(long ns)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += ns / 1000000000L;
    ts.tv_nsec += ns % 1000000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

void av_clock_text(int64_t frame, int rate, char *buf, size_t size)
{
    int64_t s = rate > 0 ? frame / rate : 0;
    if (s >= 3600)
        snprintf(buf, size, "%d:%02d:%02d", (int)(s / 3600), (int)(s / 60 % 60), (int)(s % 60));
    else
        snprintf(buf, size, "%d:%02d", (int)(s / 60), (int)(s % 60));
}
