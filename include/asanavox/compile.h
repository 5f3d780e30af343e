/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * compile.h — turn a session file into a timeline.
 *
 * compile_session() reads a session file (and the files it includes),
 * parses it, expands sides, repeats and includes, and lays every step and
 * cue out at exact frame positions (see docs/FORMAT.md, "How time is laid
 * out").  Problems go to a `struct diag` as path:line:col diagnostics.
 *
 * Everything the compiler needs from the outside world goes through a
 * `struct compile_env`: reading included files, finding sounds and
 * measuring speech.  The program uses compile_env_default() (the file system,
 * espeak-ng and libsndfile); tests and the fuzzer pass fakes.
 *
 * Single-threaded: one compile at a time per env.
 */
#ifndef ASANAVOX_COMPILE_H
#define ASANAVOX_COMPILE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "asanavox/timeline.h"

struct diag;
struct voice;

struct compile_env {
    void *ctx;
    /* Find the session `name` for an `include` in a file in directory
     * `from_dir`, and return its path (malloc'd, caller frees).  Returns 0,
     * AV_ENOENT, AV_ELINK (a link out of its directory), AV_ENOTREG (not a
     * regular file; *path then names it or is left NULL, caller frees) or
     * AV_ENOMEM. */
    int (*find_include)(void *ctx, const char *name, const char *from_dir, char **path);
    /* Read a whole file (malloc'd, caller frees); AV_ENOENT, AV_EIO,
     * AV_ELIMIT (over max bytes) or AV_ENOMEM on failure. */
    int (*read_file)(void *ctx, const char *path, size_t max, char **data, size_t *len);
    /* Find the sound `name` for a session in directory `from_dir`, and
     * return its path (malloc'd) and length in frames at `rate`.  Returns
     * 0, AV_ENOENT, AV_ESOUND or AV_ENOMEM. */
    int (*sound)(void *ctx, const char *name, const char *from_dir, int rate, char **path,
                 int64_t *frames);
    /* Select the voice and speed for what follows; AV_EVOICE for an unknown
     * voice, AV_EINVAL for a bad speed. */
    int (*set_voice)(void *ctx, const char *voice, int speed);
    /* Length of `text` spoken, in frames at `rate`; AV_EVOICE, AV_ENOMEM,
     * AV_ELIMIT (longer than SESSION_MAX_CLIP_MS: synthesis gave up) or
     * AV_EINTERRUPTED (the voice's stop flag was raised). */
    int (*speech)(void *ctx, const char *text, int rate, int64_t *frames);
    /* Optional (NULL: not used).  Ask ahead for `text`, so that a later
     * speech() of it waits less: *frames is its length at `rate` when that
     * is known already, else an estimate.  The compiler runs a layout of
     * guesses with it before the real one (see compile.c), then calls
     * prefetch_end() when the compile is over.  Errors other than
     * AV_ENOMEM and AV_EINTERRUPTED only mean nothing was asked. */
    int (*prefetch)(void *ctx, const char *text, int rate, int64_t *frames);
    void (*prefetch_end)(void *ctx);
    /* compile_env_default() only (its ctx is the env itself): the voice,
     * and where speech() keeps the samples it made, or NULL. */
    struct voice *voice;
    struct speech_bank *bank;
};

/* Settings from the command line; they override the session's headers.
 * Zero / NULL / negative values mean "not given". */
struct compile_options {
    int rate;              /* output rate, default 48000 */
    const char *voice;     /* --voice */
    const char *language;  /* --language: a phrase catalog (phrases.h) */
    int speed;             /* --speed */
    int prompts;           /* --prompts: -1 not given, else 0..INT_MAX (all) */
    bool has_pace;         /* --pace */
    double pace[4];        /* seconds: inhale, hold, exhale, hold */
    int guide;             /* --guide: enum tl_guide, -1 not given */
    const char *ambience;  /* --ambience: a sound name or "none" */
    bool has_voice_db, has_bell_db, has_ambience_db; /* --voice-volume... */
    double voice_db, bell_db, ambience_db;
    int64_t length_ms;     /* --length: scale the holds so the session lasts
                              this long (0: as written) */
    const char *const *skip; /* --skip: names of pose, flow and breathe
                              steps to leave out (case-insensitive), with
                              the rest after each; a name that matches
                              nothing is an error */
    size_t n_skip;         /* at most COMPILE_MAX_SKIP */
    /* When not NULL, the compile stops with AV_EINTERRUPTED soon after
     * *stop becomes nonzero (a signal handler sets it): it is polled during
     * expansion and layout, and between texts synthesized.  (The voice
     * polls its own, voice_set_stop(), within one text.) */
    const volatile sig_atomic_t *stop;
    /* When not NULL, the compile publishes its layout here as it goes
     * (see "Streaming" below); `out` must then not be NULL. */
    struct compile_stream *stream;
};

#define COMPILE_MAX_SKIP 64

/* The options every command starts from: 48000 Hz, nothing overridden. */
void compile_options_init(struct compile_options *o);

/* Compile the session file at `path`.  Diagnostics (errors and warnings)
 * are added to `d`.  On success returns 0 and a new timeline in *out (free
 * with timeline_destroy()).  Returns AV_ESYNTAX when the session has
 * errors (they are in `d`; budgets that are passed are errors too),
 * AV_ENOENT / AV_EIO when `path` cannot be read, AV_EINTERRUPTED when
 * opts->stop was raised, AV_ENOMEM.  `out` may be NULL to only check. */
int compile_session(const char *path, const struct compile_options *opts,
                    const struct compile_env *env, struct diag *d, struct timeline **out);

/* Same, from a buffer that claims to be the file `path` (used by the
 * fuzzer and tests; includes are still read through env). */
int compile_buffer(const char *path, const char *data, size_t len,
                   const struct compile_options *opts, const struct compile_env *env,
                   struct diag *d, struct timeline **out);

/* --- Streaming: the timeline read while it is being laid out ----------------
 *
 * A compile given opts->stream runs on one thread (it may be the voice's
 * owner, as compile_session_spoken() wants) while another thread takes the
 * timeline's settings and then its events as they are laid out, in their
 * final order: a mixer can start before espeak-ng has spoken the last
 * texts.  The events read are copies equal to those of the timeline the
 * compile returns, to the bit; their strings live in that timeline's
 * arena, so the caller keeps the timeline until the reader is done (after
 * a failed compile the stream keeps what they need).  Steps are not
 * streamed.  A stream serves one compile, one reader thread at a time. */
struct compile_stream;

/* What a reader has taken so far: ev[0..n) (malloc'd, the reader frees
 * ev), every event starting before `known` being among them; `duration`
 * the timeline's once the compile has succeeded, else -1.  Start from
 * all zeros but duration -1. */
struct compile_stream_view {
    struct tl_event *ev;
    size_t n, cap;
    int64_t known;
    int64_t duration;
};

/* Make and free a stream.  create returns 0 or AV_ENOMEM; destroy (after
 * the compile has returned) accepts NULL. */
int compile_stream_create(struct compile_stream **out);
void compile_stream_destroy(struct compile_stream *s);

/* Wait until the compile has its settings and is about to lay out, and
 * copy them into *hdr: rate, title, voice, speed, guide, ambience, the
 * levels and the speech bank (compile_session_spoken(), else NULL); no
 * events or steps, duration -1, no arena (timeline_destroy() must not be
 * called on it).  Returns 0, or the compile's error when it ended before
 * (AV_EINVAL when it ended without error but with no layout to stream). */
int compile_stream_header(struct compile_stream *s, struct timeline *hdr);

/* Bring `v` up to date: with `wait`, first wait until every event starting
 * at or before `frame` has been published or the compile has ended.
 * Returns 0, AV_ENOMEM, or the compile's error when it failed before
 * publishing every event up to `frame` (what v has is still right). */
int compile_stream_events(struct compile_stream *s, int64_t frame, bool wait,
                          struct compile_stream_view *v);

/* End the stream with `err` (AV_EINVAL for 0) when its compile cannot
 * run at all (nothing when it has ended already); the compile entry
 * points call it themselves when they fail before laying out. */
void compile_stream_fail(struct compile_stream *s, int err);

/* For compile_session_spoken(): keep a failed compile's speech bank alive
 * for a reader still using it (the stream frees it). */
void compile_stream_keep_bank(struct compile_stream *s, struct speech_bank *bank);

/* The real world: sessions and sounds from the file system (paths.h),
 * speech lengths from `voice` (which must outlive the env). */
void compile_env_default(struct compile_env *env, struct voice *voice);

/* compile_session() with compile_env_default(voice), keeping the samples
 * of every spoken text in the timeline's speech bank (speechbank.h), so
 * that the mixer never needs the voice: what is planned is what sounds.
 * The thread that owns the voice.  Returns as compile_session(). */
int compile_session_spoken(const char *path, const struct compile_options *opts,
                           struct voice *voice, struct diag *d, struct timeline **out);

/* compile_buffer() the same way (a session read from standard input). */
int compile_buffer_spoken(const char *path, const char *data, size_t len,
                          const struct compile_options *opts, struct voice *voice,
                          struct diag *d, struct timeline **out);

/* An in-memory world for tests and the fuzzer.  Files are looked up by
 * exact path; `include NAME` from directory D finds "D/NAME.yoga".  Every
 * plain sound name exists and lasts `sound_seconds`; speech lasts one
 * fourteenth of a second per byte of text, plus a little (no espeak-ng).
 * Voice names may use letters, digits, '-', '+', '_' and ':' (as voice:
 * allows); any speed from 80 to 450 works.  `fs` must
 * outlive the env. */
struct mem_file {
    const char *path;
    const char *data;
    size_t len;
};
struct mem_fs {
    const struct mem_file *files;
    size_t n_files;
    double sound_seconds;
};
void compile_env_memory(struct compile_env *env, const struct mem_fs *fs);

/* Give an env the memory env's voice: any plain voice name is accepted and
 * a text lasts (bytes + 4) / 14 seconds, whatever espeak-ng would say.
 * For hermetic golden plans of real session files (tests/golden_plan.c):
 * they then change only when the compiler does. */
void compile_env_fixed_speech(struct compile_env *env);

#endif
