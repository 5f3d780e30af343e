/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * timeline.h — the compiled session: what sounds when, to the sample.
 *
 * The compiler (compile.h) builds a timeline from a parsed session; `plan`
 * prints it, and the mixer turns it into audio.  A timeline is immutable
 * once compile_session() returns it, so any number of threads may read it.
 *
 * All positions are frame indices at `rate` (frames per second).  An event's
 * `start` is exactly where its first sample plays; `end` is one past its last
 * audible sample (for speech and sounds, start + clip length; for breath
 * events, the end of the breath phase).  Every string a timeline holds is
 * owned by the timeline and lives until timeline_destroy().
 */
#ifndef ASANAVOX_TIMELINE_H
#define ASANAVOX_TIMELINE_H

#include <stddef.h>
#include <stdint.h>

struct speech_bank;

enum tl_event_kind {
    TL_SPEECH, /* spoken text: `text` is set, `sound` is NULL */
    TL_BELL,   /* a sound file: `sound` is its resolved path */
    TL_BREATH  /* one breath phase; its prompt is `text` (spoken) or
                  `sound` (a tone), or neither for a silent hold phase */
};

enum tl_phase {
    TL_INHALE,
    TL_HOLD_IN,  /* hold after the inhale */
    TL_EXHALE,
    TL_HOLD_OUT  /* hold after the exhale */
};

/* How a breath phase without a spoken prompt sounds (the `guide:` header):
 * its tone (a seamless loop) repeated over the whole phase, shaped by the
 * mixer as a swell (rising through the inhale, falling through the
 * exhale, low and level through a hold) or as a steady tone; or nothing. */
enum tl_guide { TL_GUIDE_SWELL, TL_GUIDE_TONE, TL_GUIDE_NONE };

enum tl_step_kind { TL_STEP_POSE, TL_STEP_REST, TL_STEP_SAY, TL_STEP_BELL, TL_STEP_SILENCE,
                    TL_STEP_FLOW, TL_STEP_BREATHE };

enum tl_side { TL_SIDE_NONE = 0, TL_SIDE_LEFT = 1, TL_SIDE_RIGHT = 2 };

struct tl_event {
    enum tl_event_kind kind;
    int64_t start;        /* first frame */
    int64_t end;          /* one past the last frame */
    int64_t clip_end;     /* for TL_BREATH: one past the prompt's last frame
                             (start when there is no prompt); else == end */
    int32_t step;         /* index into timeline.steps */
    const char *text;     /* speech to synthesize, or NULL */
    const char *sound;    /* resolved path of a WAV file, or NULL */
    const char *sound_name; /* the name the session used ("bowl"), or NULL */
    enum tl_phase phase;  /* TL_BREATH only */
    int32_t breath;       /* TL_BREATH only: 1-based breath (or rep) number */
    int32_t breaths;      /* TL_BREATH only: breaths (or reps) in this hold */
    int64_t moved;        /* TL_SPEECH: frames the compiler delayed it so it
                             does not start in a bell's strike; else 0 */
    int movement;         /* TL_BREATH: nonzero for a flow's movement line
                             (an inhale:/exhale: phase, or the silent hold
                             after it), whose breath/breaths are the round;
                             0 for the breaths of a pose, breathe step or a
                             hold inside a flow */
    int32_t round;        /* inside a flow: 1-based round; else 0 */
    int32_t rounds;       /* inside a flow: its rounds; else 0 */
    int ramp;             /* TL_BREATH: nonzero when the hold's pace ramps
                             (`pace A to B`); `pace` is then this breath's
                             own phase lengths */
    int64_t pace[4];      /* TL_BREATH: the phase lengths of this breath in
                             frames (inhale, hold, exhale, hold) */
};

struct tl_step {
    enum tl_step_kind kind;
    const char *name;     /* pose name, spoken text, sound name, or "" */
    enum tl_side side;
    const char *side_word; /* the side in the session's language ("links"),
                              or NULL */
    int64_t start;        /* first frame of the step (its announcement) */
    int64_t hold_start;   /* frame where the hold begins (== start for
                             steps without a hold) */
    int64_t hold_end;     /* frame where the hold ends */
    int64_t end;          /* first frame of the next step's time */
    int32_t breaths;      /* breaths or reps in the hold, 0 for timed holds
                             (for a breathe step in time: the whole breaths
                             that fit) */
    int reps;             /* nonzero when the hold counts reps */
    int32_t rounds;       /* TL_STEP_FLOW: rounds; else 0 */
    const char *path;     /* session file the step comes from */
    int line;             /* 1-based line of the step in that file */
};

struct timeline {
    int rate;             /* frames per second */
    const char *title;
    const char *about;    /* may be "" */
    const char *voice;    /* espeak-ng voice name used for every TL_SPEECH */
    int speed;            /* words per minute */
    enum tl_guide guide;  /* breath tones: a TL_BREATH event with `sound`
                             lasts its whole phase (clip_end == end) */
    const char *ambience; /* resolved path of the ambient loop, or NULL */
    const char *ambience_name; /* the name the session used, or NULL */
    double voice_db;      /* level of each role relative to its default, dB */
    double bell_db;       /* (bells, chimes and breath guides) */
    double ambience_db;
    int64_t duration;     /* total frames: covers every step and event */
    int64_t length_asked; /* frames asked for with --length, or 0 */
    struct tl_event *events; /* sorted by start (stable) */
    size_t n_events;
    struct tl_step *steps;
    size_t n_steps;
    struct arena *arena;  /* owns every string above */
    struct speech_bank *speech; /* owned: the samples of every spoken text
                                   (compile_session_spoken()), or NULL */
};

/* Free a timeline and all it owns.  Accepts NULL. */
void timeline_destroy(struct timeline *tl);

/* How many steps start at or before `frame` (steps are in time order).
 * Any thread. */
size_t tl_steps_upto(const struct timeline *tl, int64_t frame);

/* How many events start at or before `frame` (events are in start order). */
size_t tl_events_upto(const struct timeline *tl, int64_t frame);

/* How many events start before `frame`: the index of the first event at or
 * after it. */
size_t tl_events_before(const struct timeline *tl, int64_t frame);
/* The same for `n` events sorted by start at `ev` (a copy of a timeline's
 * events, as a streamed mixer holds). */
size_t tl_event_array_before(const struct tl_event *ev, size_t n, int64_t frame);

/* Names used by plan output: "speech", "bell", "breath"; "inhale", "hold",
 * "exhale" (both holds print as "hold"); "pose", "rest", ...; "left",
 * "right" or NULL. */
const char *tl_event_kind_name(enum tl_event_kind k);
const char *tl_phase_name(enum tl_phase p);
const char *tl_step_kind_name(enum tl_step_kind k);
const char *tl_side_name(enum tl_side s);

#endif
