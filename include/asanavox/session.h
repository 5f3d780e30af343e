/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * session.h — a parsed session file: headers and a tree of steps.
 *
 * session_parse() turns the bytes of a file into this tree, checking the
 * file's encoding and limits on the way (docs/FORMAT.md).  The tree is
 * syntax only: repeats, sides and includes are still unexpanded, sound and
 * session names unresolved, and nothing is measured; the compiler
 * (compile.h) does that.
 *
 * A session owns everything it points to (one arena, including a copy of
 * the source text that every src_pos.text points into); session_destroy()
 * frees it all.  Not thread-safe; distinct sessions are independent.
 */
#ifndef ASANAVOX_SESSION_H
#define ASANAVOX_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "asanavox/diag.h"

/* Limits on untrusted files (FORMAT.md, "Limits"). */
#define SESSION_MAX_FILE_BYTES (1024 * 1024)
#define SESSION_MAX_LINE_BYTES 4096
#define SESSION_MAX_REPEAT 1000
#define SESSION_MAX_NESTING 16
#define SESSION_MAX_INCLUDE_DEPTH 16
#define SESSION_MAX_STEPS 100000
#define SESSION_MAX_MS (24LL * 3600 * 1000)
/* Budgets the compiler enforces while it works (FORMAT.md, "Limits"), so
 * that a small file cannot make it work or allocate without end. */
#define SESSION_MAX_EXPANSION 300000           /* steps + repeat passes + includes */
#define SESSION_MAX_TOTAL_BYTES (4 * 1024 * 1024) /* a session and all it includes */
#define SESSION_MAX_FILES 256                  /* distinct files included */
#define SESSION_MAX_SPEECH_CHARS 32768         /* bytes of distinct spoken text */
#define SESSION_MAX_SPEECH_MS (15LL * 60 * 1000) /* distinct speech, summed */
#define SESSION_MAX_CLIP_MS (2LL * 60 * 1000)  /* one spoken text */
#define SESSION_MAX_EVENTS 200000              /* cues, prompts and bells */

enum dur_unit { DUR_NONE, DUR_TIME, DUR_BREATHS, DUR_REPS };

/* A duration as written: a time in milliseconds, or a count. */
struct duration {
    enum dur_unit unit;
    int64_t ms;     /* DUR_TIME */
    int32_t count;  /* DUR_BREATHS, DUR_REPS */
};

/* Breath pace in milliseconds: inhale, hold after inhale, exhale, hold
 * after exhale.  Inhale and exhale are > 0, holds >= 0.  A ramp (`pace A
 * to B`) goes from `ms` on the first breath of a hold to `to` on the last,
 * linearly; without a ramp `to` is a copy of `ms`. */
struct pace {
    int32_t ms[4];
    int32_t to[4];
    bool ramp;
};

/* `guide:` — how breath phases without a spoken prompt sound. */
enum session_guide { SESSION_GUIDE_SWELL, SESSION_GUIDE_TONE, SESSION_GUIDE_NONE };

/* Range of the *-volume: headers and options, dB. */
#define SESSION_MIN_VOLUME_DB (-40.0)
#define SESSION_MAX_VOLUME_DB 20.0

enum cue_kind {
    CUE_PLAIN, CUE_INHALE, CUE_HOLD, CUE_EXHALE, CUE_UP, CUE_DOWN, CUE_HALFWAY, CUE_END,
    CUE_AT,        /* `at TIME: text`: `ms` after the hold starts */
    CUE_LEFT,      /* `TIME left: text`: `ms` before the hold ends */
    CUE_EVERY,     /* `every TIME: text`: every `ms` from the hold's start */
    CUE_COUNTDOWN, /* `countdown: N`: the numbers N..1, one a second, ending
                      with the hold; `count` is N */
    CUE_FLOW_HOLD  /* in a flow, `hold N breaths: text`; `count` is N */
};

struct cue {
    enum cue_kind kind;
    const char *text;   /* never empty; `\#` already unescaped */
    struct src_pos pos; /* where the text starts */
    struct src_pos line_pos; /* where the line starts (errors about the cue) */
    int64_t ms;         /* CUE_AT, CUE_LEFT, CUE_EVERY */
    int32_t count;      /* CUE_COUNTDOWN, CUE_FLOW_HOLD */
    bool bell;          /* the text is `bell` or `bell NAME`: ring a sound */
    const char *sound;  /* with `bell`: the sound name, NULL for the default */
    struct cue *next;
};

enum node_kind { NODE_POSE, NODE_REST, NODE_SAY, NODE_BELL, NODE_SILENCE, NODE_REPEAT, NODE_INCLUDE,
                 NODE_AT, NODE_FLOW, NODE_BREATHE };

enum { SIDE_LEFT = 1, SIDE_RIGHT = 2 };

struct node {
    enum node_kind kind;
    struct src_pos pos;       /* the keyword */
    const char *text;         /* pose, flow or breathe name, say text, bell
                                 sound (NULL: default), include name; else
                                 NULL */
    struct src_pos text_pos;
    struct duration dur;      /* pose and breathe hold, rest, silence, bell
                                 (DUR_NONE: default), at (time since the
                                 start); a flow's rounds are `count` */
    struct src_pos dur_pos;
    unsigned sides;           /* NODE_POSE, NODE_FLOW, NODE_BREATHE: 0, or
                                 SIDE_LEFT|SIDE_RIGHT bits */
    bool has_pace;            /* ", pace ..." given (pose, flow, breathe) */
    struct pace pace;
    int32_t prompts;          /* NODE_POSE: ", prompts N": -1 when not given */
    bool up_on_exhale;        /* NODE_POSE: ", up on exhale" (reps) */
    bool alternate;           /* NODE_POSE: ", alternate" (reps: {side}
                                 is left on odd reps, right on even) */
    bool alternate_right;     /* ", alternate right first": the odd reps
                                 are right, the even ones left */
    bool no_chime;            /* ", no chime": this hold ends without it */
    bool bad;                 /* the line had an error: the compiler still
                                 reports the rest of the file but lays
                                 this step out as nothing */
    struct cue *cues;         /* NODE_POSE, NODE_REST, NODE_FLOW,
                                 NODE_BREATHE, NODE_SILENCE: cue lines in
                                 order */
    int32_t count;            /* NODE_REPEAT; NODE_FLOW: rounds */
    struct node *body;        /* NODE_REPEAT: first child */
    struct node *next;        /* next sibling */
};

/* A header line: `set` when present. */
struct header {
    bool set;
    const char *value;
    struct src_pos pos;       /* the value */
};

/* One line of a `phrases:` block: a catalog entry replaced for this
 * session (phrases.h). */
struct phrase_line {
    int key;                  /* enum phrase_key */
    const char *text;         /* never empty */
    struct src_pos pos;       /* the text */
    struct phrase_line *next;
};

struct session {
    const char *path;         /* as given to session_parse */
    const char *dir;          /* directory of path ("." when none) */
    struct header title, about, pace, voice, speed, bell, chime, prompts, gap, safety;
    struct header guide, ambience, voice_volume, bell_volume, ambience_volume;
    struct header language;   /* checked against the catalogs by the compiler */
    struct header phrases;    /* `phrases:` (value ""); its lines follow */
    struct phrase_line *phrase_lines; /* in file order, keys distinct */
    /* Header values, checked and converted (defaults when not set). */
    struct pace pace_value;   /* 4 6 */
    int speed_value;          /* 0 when not set */
    int prompts_value;        /* 3; INT32_MAX for all */
    int64_t gap_ms;           /* 1000 */
    int guide_value;          /* enum session_guide; SESSION_GUIDE_SWELL */
    double voice_db, bell_db, ambience_db; /* the *-volume: headers; 0 */
    struct node *steps;       /* first top-level step */
    struct arena *arena;
};

/* Parse `len` bytes of `data` read from `path`.  Every problem goes to `d`
 * (parsing goes on after an error, up to the diag's limit); the caller
 * checks diag_errors().  Returns 0 with a session in *out (even when there
 * were errors: what parsed is there), or AV_ENOMEM. */
int session_parse(const char *path, const char *data, size_t len, struct diag *d,
                  struct session **out);

/* Free a session.  Accepts NULL. */
void session_destroy(struct session *s);

/* Parse a duration from `s[0..len)` (already trimmed).  `allowed` is a mask
 * of (1 << DUR_TIME) | (1 << DUR_BREATHS) | (1 << DUR_REPS).  On success
 * returns NULL and fills *out; otherwise returns an error message (static
 * or written into `msg`, `msg_size` bytes) and sets *err_off to the byte
 * offset in `s` where the problem is.  Zero durations are accepted here;
 * callers that need a positive one check.  Durations over 24 h fail. */
const char *duration_parse(const char *s, size_t len, unsigned allowed, struct duration *out,
                           size_t *err_off, char *msg, size_t msg_size);

/* Parse a pace: 2 or 4 numbers of seconds separated by spaces, tabs, ':' or
 * '/' (e.g. "4 6", "4:2:6:2"), or a ramp "A to B" of two such paces ("4 4
 * to 5 7").  Same conventions as duration_parse(). */
const char *pace_parse(const char *s, size_t len, struct pace *out, size_t *err_off);

/* Format `ms` as "M:SS" or "H:MM:SS" (with ".d" tenths when not whole) into
 * buf; returns buf. */
char *format_clock(int64_t ms, char *buf, size_t size);

#endif
