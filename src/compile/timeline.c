/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * timeline.c — freeing a timeline and naming its enums (timeline.h).
 */
#include "asanavox/timeline.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "asanavox/arena.h"
#include "asanavox/speechbank.h"

void timeline_destroy(struct timeline *tl)
{
    if (!tl)
        return;
    free(tl->events);
    free(tl->steps);
    arena_destroy(tl->arena);
    speech_bank_destroy(tl->speech);
    free(tl);
}

/* Binary search over an array sorted by an int64_t field at `off` in
 * elements of `size` bytes: how many leading elements have it <= frame
 * (or < frame when `strict`). */
static size_t count_upto(const void *base, size_t n, size_t size, size_t off, int64_t frame,
                         bool strict)
{
    const unsigned char *b = base;
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int64_t start;
        memcpy(&start, b + mid * size + off, sizeof(start));
        if (strict ? start < frame : start <= frame)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

size_t tl_steps_upto(const struct timeline *tl, int64_t frame)
{
    return count_upto(tl->steps, tl->n_steps, sizeof(*tl->steps), offsetof(struct tl_step, start),
                      frame, false);
}

size_t tl_events_upto(const struct timeline *tl, int64_t frame)
{
    return count_upto(tl->events, tl->n_events, sizeof(*tl->events),
                      offsetof(struct tl_event, start), frame, false);
}

size_t tl_events_before(const struct timeline *tl, int64_t frame)
{
    return tl_event_array_before(tl->events, tl->n_events, frame);
}

size_t tl_event_array_before(const struct tl_event *ev, size_t n, int64_t frame)
{
    return count_upto(ev, n, sizeof(*ev), offsetof(struct tl_event, start), frame, true);
}

const char *tl_event_kind_name(enum tl_event_kind k)
{
    switch (k) {
    case TL_SPEECH: return "speech";
    case TL_BELL: return "bell";
    case TL_BREATH: return "breath";
    }
    return "?";
}

const char *tl_phase_name(enum tl_phase p)
{
    switch (p) {
    case TL_INHALE: return "inhale";
    case TL_HOLD_IN: return "hold";
    case TL_EXHALE: return "exhale";
    case TL_HOLD_OUT: return "hold";
    }
    return "?";
}

const char *tl_step_kind_name(enum tl_step_kind k)
{
    switch (k) {
    case TL_STEP_POSE: return "pose";
    case TL_STEP_REST: return "rest";
    case TL_STEP_SAY: return "say";
    case TL_STEP_BELL: return "bell";
    case TL_STEP_SILENCE: return "silence";
    case TL_STEP_FLOW: return "flow";
    case TL_STEP_BREATHE: return "breathe";
    }
    return "?";
}

const char *tl_side_name(enum tl_side s)
{
    switch (s) {
    case TL_SIDE_LEFT: return "left";
    case TL_SIDE_RIGHT: return "right";
    case TL_SIDE_NONE: break;
    }
    return NULL;
}
