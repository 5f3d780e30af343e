/*
 * timeline.c — freeing a timeline and naming its enums (timeline.h).
 */
#include "asanavox/timeline.h"

#include <stdlib.h>

#include "asanavox/arena.h"

void timeline_destroy(struct timeline *tl)
{
    if (!tl)
        return;
    free(tl->events);
    free(tl->steps);
    arena_destroy(tl->arena);
    free(tl);
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
