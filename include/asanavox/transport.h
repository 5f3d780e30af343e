/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * transport.h — what the keys of `play` mean, without any audio.
 *
 * The transport knows the timeline and decides: which step a position is
 * in, where "next" and "previous" go, where `--from STEP|TIME` starts,
 * whether the session is paused and how loud the live volume is, and what
 * the one-line status says.  It never reads a clock: every position it is
 * given comes from the audio clock (frames the sound card has played, see
 * player.h), so it is a pure function of its inputs and unit-testable.
 *
 * Keys (transport_key()):
 *     space   pause / resume
 *     n       next step
 *     p       back to the start of this step; when that is less than
 *             TRANSPORT_RESTART_WINDOW seconds back (so: p pressed twice),
 *             to the start of the previous step
 *     + or =  louder by TRANSPORT_VOLUME_STEP dB (up to TRANSPORT_VOLUME_MAX);
 *             also the up arrow
 *     - or _  softer (down to TRANSPORT_VOLUME_MIN); also the down arrow
 *     left, right arrows   TRANSPORT_SEEK_SECONDS back, forward
 *     t       say the time left and the next pose
 *     ?       print the keys
 *     q       quit
 * Every other key, and every other escape sequence, does nothing.
 *
 * A transport borrows its timeline.  One thread at a time.
 */
#ifndef ASANAVOX_TRANSPORT_H
#define ASANAVOX_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct timeline;

#define TRANSPORT_RESTART_WINDOW 3.0 /* seconds */
#define TRANSPORT_VOLUME_STEP 2.0    /* dB */
#define TRANSPORT_VOLUME_MIN (-30.0) /* dB */
#define TRANSPORT_VOLUME_MAX 6.0     /* dB */
#define TRANSPORT_SEEK_SECONDS 15.0

enum transport_action {
    TRANSPORT_NONE,
    TRANSPORT_PAUSE,    /* toggle */
    TRANSPORT_NEXT,
    TRANSPORT_PREVIOUS, /* restart this step, or the previous one */
    TRANSPORT_LOUDER,
    TRANSPORT_SOFTER,
    TRANSPORT_QUIT,
    TRANSPORT_BACK,     /* TRANSPORT_SEEK_SECONDS back */
    TRANSPORT_FORWARD,  /* ... forward */
    TRANSPORT_TIME,     /* say the time left (the caller does) */
    TRANSPORT_HELP,     /* print the keys (the caller does) */
};

/* The terminal's keys arrive as bytes; arrows as escape sequences
 * (ESC [ A, or ESC O A in application mode, possibly with modifiers as
 * ESC [ 1 ; 5 A).  The decoder keeps the state between bytes. */
struct transport_keys {
    int state;  /* 0 plain, 1 after ESC, 2 inside ESC [ or ESC O */
};

struct transport {
    const struct timeline *tl;
    bool paused;
    double volume_db;   /* live volume on top of the mix, 0 by default */
    double start_db;    /* the live volume the mix was made at (the one
                           kept from the last play); transport_gain() is
                           relative to it */
};

/* Start unpaused at 0 dB. */
void transport_init(struct transport *t, const struct timeline *tl);

/* Start at a live volume of `db` instead (clamped to TRANSPORT_VOLUME_MIN
 * to TRANSPORT_VOLUME_MAX; 0 when not finite) that the caller has already
 * put into the mix (the mixer's volume_db), so that transport_gain() is 1
 * until a key changes it.  Returns the volume used. */
double transport_start_at(struct transport *t, double db);

/* The action of a key (a byte read from the terminal), or TRANSPORT_NONE. */
enum transport_action transport_key(int c);

/* Feed one byte from the terminal: the action once a key is complete
 * (a plain key at once, an arrow at its last byte), else TRANSPORT_NONE.
 * A lone ESC followed by a plain key gives that key's action.  Start from
 * a zeroed struct. */
enum transport_action transport_key_feed(struct transport_keys *k, int c);

/* The start of the step that `frame` is in (0 before the first step):
 * where `--from TIME` and --resume start, so the pose is announced. */
int64_t transport_step_start(const struct timeline *tl, int64_t frame);

/* Where to go on after a pause at `frame`: the start of the spoken cue or
 * breath phase sounding at `frame` (the latest one that has begun and not
 * ended), else `frame` itself. */
int64_t transport_resume_point(const struct timeline *tl, int64_t frame);

/* "12 minutes left. Next: Child's pose, left side." for `frame` (spoken by
 * `t`), into buf.  Returns buf. */
char *transport_time_text(const struct timeline *tl, int64_t frame, char *buf, size_t size);

/* The index of the step that `frame` is in: the last step starting at or
 * before it (0 before the first step and for a timeline without steps). */
size_t transport_step_at(const struct timeline *tl, int64_t frame);

/* Apply `a` at session position `frame`.  Sets *seek to the frame to play
 * from next, or -1 when the position does not change (pause, volume, quit,
 * none).  Next goes to the start of the first step after `frame`, or to
 * the end of the session from the last step.  Returns true when the state
 * or position changed. */
bool transport_apply(struct transport *t, enum transport_action a, int64_t frame, int64_t *seek);

/* The linear gain of the live volume, relative to the one the mix was
 * made at (transport_start_at()). */
float transport_gain(const struct transport *t);

/* Parse `--from`: a step number as `plan` prints it (1 is the first step)
 * or a time ("2:30", "1:02:03", "90s", "1m30s").  On success sets *frame.
 * Returns 0, AV_EINVAL (not a step number or time) or AV_ELIMIT (no such
 * step; a time at or past the end). */
int transport_parse_from(const struct timeline *tl, const char *spec, int64_t *frame);

/* What the status line shows at `frame`. */
struct transport_status {
    size_t step;         /* index into tl->steps */
    size_t steps;        /* tl->n_steps */
    const char *name;    /* the step's name ("" when it has none) */
    const char *side;    /* "left", "right" (in the session's language) or NULL */
    const char *kind;    /* "pose", "rest", ... */
    int breath, breaths; /* breath (or rep) n of N now; 0 when not in one */
    int round, rounds;   /* in a flow: round n of N now; 0 elsewhere */
    bool reps;
    int64_t frame, total;
    bool paused;
    double volume_db;
};
void transport_status(const struct transport *t, int64_t frame, struct transport_status *st);

/* Format the status as one line without a newline, at most `width`
 * characters (UTF-8 code points) wide when width > 0, into buf:
 *     "3/23 Child's pose, left  breath 3/6  2:31 / 11:45  -4 dB  paused"
 * (in a flow, "round 2/3" before the breath of a hold inside it)
 * Returns buf. */
char *transport_format(const struct transport_status *st, int rate, int width, char *buf,
                       size_t size);

#endif
