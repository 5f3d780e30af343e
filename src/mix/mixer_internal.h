/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * mixer_internal.h — the mixer's state, shared by the files of src/mix
 * that make up the mixer (mixer.h is the public manual):
 *
 *   mixer.c      the stream: events, prefetch, the mono sum, seeking, life
 *   clipcache.c  preparing clips (on a worker thread) and caching them
 *   analyze.c    each clip's gain, decided when the clip is prepared; the
 *                predicted session loudness, when asked
 *   limiter.c    the true-peak limiter (limiter.h)
 *   peakctl.c    gentle peak control of each speech clip (peakctl.h)
 *   resample.c   speech from the voice's rate to the output rate
 *   clipstore.c  resampled speech and loudness profiles kept between runs
 *   live.c       play's live additions: volume above 0 dB, spoken overlay
 *   guide.c      breath guides: a tone loop shaped over its phase (guide.h)
 *   ambience.c   the ambient bed, ducked under speech (ambience.h)
 *
 * Everything here is used on the mixer's thread only, except where a
 * field says otherwise (the worker prepares clips, see struct clip).
 */
#ifndef ASANAVOX_MIX_MIXER_INTERNAL_H
#define ASANAVOX_MIX_MIXER_INTERNAL_H

#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "asanavox/compile.h"
#include "asanavox/mixer.h"
#include "guide.h"
#include "asanavox/workq.h"
#include "limiter.h"
#include "loudness.h"
#include "spares.h"

struct tl_event;
struct clipstore;
struct speech_clip;

enum {
    BLOCK = 4096,        /* frames per internal block */
    HASH_BUCKETS = 256,
    PREFETCH_SECONDS = 60,
    /* mixer_options.prepare_ahead: clips queued or being prepared per
     * worker, and the most events prefetched, beyond PREFETCH_SECONDS. */
    AHEAD_PER_WORKER = 2,
    AHEAD_MAX_EVENTS = 4096,
};

enum clip_kind { CLIP_SPEECH, CLIP_BELL, CLIP_TONE };
enum clip_state { CLIP_PENDING, CLIP_READY, CLIP_FAILED };

/* Where a speech clip's samples come from: the timeline's speech bank, or
 * (without a bank) the voice's samples; both at the voice's native rate.
 * Set on the mixer's thread, read-only after, so any thread may read the
 * samples it names. */
struct speech_src {
    const struct speech_clip *bank;
    const int16_t *native;
    size_t native_frames;
    int native_rate;
};

struct clip {
    struct clip *lru_prev, *lru_next; /* most recently used at the head */
    struct clip *hnext;               /* hash chain */
    uint64_t hash;
    enum clip_kind kind;
    char *key;                        /* text or path, owned */
    unsigned pins;                    /* playing and prefetched uses */
    size_t budget;                    /* bytes counted in the cache */
    unsigned pf_refs;                 /* prefetched uses (struct prefetched) */
    size_t pf_size;                   /* what it counts for in pf_bytes
                                         while pf_refs > 0 */
    /* Input of the preparation (speech). */
    struct speech_src sp;
    size_t out_frames;
    /* The gain: known when the clip is requested (normalization off, or
     * an earlier clip of the same key decided it, struct gain_memo), or
     * decided by whoever prepares the clip (analyze.c) and read with the
     * result. */
    bool gain_known;
    float gain;
    float peak;                       /* speech: the threshold of its peak
                                         control (peakctl.h), before the
                                         gain; 0: none.  Known and decided
                                         with the gain. */
    /* Result: written by whoever prepares the clip; `state` is published
     * under the worker queue's lock, and the rest is read by the mixer's
     * thread once state != PENDING. */
    enum clip_state state;
    int err;
    float *samples;                   /* gained and faded, owned */
    size_t frames;
};

struct playing {
    struct clip *clip;
    int64_t start;
    int64_t len;        /* a breath guide: its phase's length (guide.h); else 0 */
    enum guide_shape shape;
};

struct prefetched {
    size_t event;
    struct clip *clip;
};

/* The gains decided so far, by kind and key (mixer's thread only): a clip
 * dropped from the cache and requested again keeps its gain without being
 * measured again.  Only a shortcut: a gain is a pure function of the
 * clip's samples, so the output does not depend on what is remembered. */
struct gain_memo {
    struct gain_memo *next;
    uint64_t hash;
    enum clip_kind kind;
    float gain;
    float peak;                       /* speech's peak control threshold */
    char key[];
};

struct mixer {
    const struct timeline *tl;
    struct voice *voice;
    struct mixer_options o;
    struct mixer_source src;
    bool custom_source;
    int rate, channels;
    int64_t duration;
    int err;
    char detail[256];

    /* the ambient bed (ambience.h), or NULL */
    struct ambience *amb;

    /* loudness (analyze.c) */
    struct gain_memo *gains[HASH_BUCKETS];
    bool predicted_done;
    double predicted;   /* session loudness, LUFS, once predicted_done */
    /* libebur128's ebur128_init() writes static tables: every profile the
     * mixer's threads make takes this lock around it (loudness.h). */
    pthread_mutex_t loud_lock;

    /* clip cache (mixer thread only) */
    struct clip *buckets[HASH_BUCKETS];
    struct clip *lru_head, *lru_tail;
    size_t cache_bytes, n_cached, n_prepared;

    pthread_mutex_t sound_lock; /* see sound_source() */

    /* Clip buffers recycled (spares.h): taken by whoever prepares a
     * clip, given back by the cache when it drops one.  It has its own
     * lock, so threads holding a const mixer use it too (mix_spares()). */
    struct spares spares;

    /* resampled speech and profiles from earlier runs (clipstore.h), or
     * NULL (no mixer_options.store_dir, or it cannot be used) */
    struct clipstore *store;

    /* the worker that prepares clips (workq.h); started when background */
    struct workq wq;

    /* The events: tl->events, or with a stream (mixer_options.stream)
     * the copies taken from it so far (sv), every event starting before
     * sv.known among them; duration is INT64_MAX until the stream ends. */
    struct compile_stream *stream;
    struct compile_stream_view sv;
    const struct tl_event *ev;
    size_t n_ev;

    /* events: prefetched clips form a queue in event order; pf_bytes is
     * what the distinct clips in it hold (each counted once, however many
     * of its events are queued: a breath prompt repeats) */
    size_t next_event, pf_event;
    struct prefetched *pf;
    size_t pf_head, pf_count, pf_cap, pf_bytes;
    struct playing *playing;
    size_t n_playing, cap_playing;

    /* positions */
    int64_t pos, xend;
    /* Every frame from loud_end on is silence in x so far: no source,
     * bed or overlay has been added there (block() then skips the
     * limiter's detector). */
    int64_t loud_end;
    int64_t fade_from;  /* start of the fade-in after a seek, or -1 */
    int fade_in, fade_out;

    /* live.c: play's volume above 0 dB and a spoken overlay (`t`); both
     * act on the mono sum before the limiter. */
    float live_gain;    /* 1 unless set */
    float *ov;          /* the overlay's samples (gained), or NULL */
    size_t ov_frames;
    int64_t ov_at;      /* session frame of its first sample */
    float ov_duck;      /* the session's gain under it */

    /* limiter */
    struct limiter lim;
    float *x;           /* BLOCK + LA - 1 + 2 * LIM_TP_HALF */
    float *y;           /* BLOCK */
};

/* sin^2 ramp over len frames, k = 0 .. len-1 rising; first and last values
 * strictly between 0 and 1, so a clip's first sample is where it is
 * planned. */
static inline float ramp(size_t k, size_t len)
{
    const double pi = 3.14159265358979323846;
    double a = (pi / 2) * (double)(k + 1) / (double)(len + 1);
    double s = sin(a);
    return (float)(s * s);
}

/* ---- mixer.c ---- */

/* What an event plays, if anything. */
bool mix_event_clip(const struct tl_event *e, enum clip_kind *kind, const char **key);

/* ---- clipcache.c ---- */

/* FNV-1a of the kind and the key: the bucket of clips and levels. */
uint64_t clip_hash(enum clip_kind kind, const char *key);

/* The clip for (kind, key), pinned; if it is new, its preparation starts
 * (queued for the worker, or done now).  Returns 0 or AV_ENOMEM. */
int clip_request(struct mixer *m, enum clip_kind kind, const char *key, struct clip **out);

/* Wait until the clip is prepared; returns its error (and describes it in
 * m->detail). */
int clip_wait(struct mixer *m, struct clip *c);

/* The default source's sound loader (mixer_source.sound); ctx is the
 * mixer's sound_lock.  Any thread. */
int clip_sound_source(void *ctx, const char *path, int rate, float **samples, size_t *frames);

/* A sound that repeats (a breath guide's tone, the ambient bed) at the
 * mixer's rate: the default source resamples it as a loop
 * (sound_load_loop()); a custom source's sound function is used as it is.
 * Any thread. */
int clip_loop_source(const struct mixer *m, const char *path, float **samples, size_t *frames);

/* Where the speech of `text` comes from (*sp): the timeline's speech bank
 * when it has one (sp->bank is set, and the voice is never called), else
 * the voice, synthesizing on the calling thread (the mixer's): sp->native
 * is the voice's samples.  Returns 0, AV_EVOICE (not in the bank, or no
 * voice) or the voice's error. */
int mix_speech(const struct mixer *m, const char *text, struct speech_src *sp);

/* The voice's samples of a speech source: read from the bank into *read
 * (malloc'd, taken from the spares: the caller frees it, or gives it back
 * with spares_put(); *native points at it), or the voice's own (*read
 * stays NULL).  Any thread.  Returns 0, AV_ENOMEM or the bank's error. */
int mix_speech_native(const struct mixer *m, const struct speech_src *sp,
                      const int16_t **native, int16_t **read);

/* The mixer's recycled buffers (spares.h), also from a thread holding the
 * mixer const (a worker preparing a clip).  Any thread. */
struct spares *mix_spares(const struct mixer *m);

/* Start the worker thread (mixer_options.background).  Returns 0 or
 * AV_ENOMEM. */
int clip_worker_start(struct mixer *m);

/* Stop and join the worker, if there is one. */
void clip_worker_stop(struct mixer *m);

/* Free every cached clip; the worker must be stopped. */
void clip_cache_clear(struct mixer *m);

/* ---- resample.c ---- */

/* Names what mix_resample_s16() does ("v2"): part of the keys of stored
 * resampled speech (clipstore.h), so change it with the resampler. */
const char *mix_resample_version(void);

/* ---- live.c ---- */

/* Apply the live gain and the overlay to the mono sum dst of frames
 * [a, b). */
void mix_live_apply(struct mixer *m, int64_t a, int64_t b, float *dst);

/* A seek to `frame`: the overlay is dropped unless it starts there (the
 * player's jump that makes it heard at once). */
void mix_live_seek(struct mixer *m, int64_t frame);

/* ---- analyze.c ---- */

/* The clip's gain if it is known before the clip is made: without
 * normalization plain --volume plus the role's volume, else a gain an
 * earlier clip of the same key was given (mix_gain_remember()).  Mixer's
 * thread. */
bool mix_gain_known(const struct mixer *m, enum clip_kind kind, const char *key, uint64_t h,
                    float *gain, float *peak);

/* Remember a clip's decided gain and peak control threshold (best effort: without memory it is only
 * decided again).  Mixer's thread. */
void mix_gain_remember(struct mixer *m, enum clip_kind kind, const char *key, uint64_t h,
                       float gain, float peak);

/* Decide a clip's gain from its loudness (mixer.h, "Loudness"): speech of
 * the default source from its profile in the clip store, or measured at the
 * voice's rate from `sp` (and then stored); a custom source's speech and
 * bells from `made`, the `made_frames` samples just made at the output
 * rate, before gain and fades; a breath tone from its sound as the source
 * loads it.  A clip whose samples cannot be had gets 0 dB (its error comes
 * from its preparation).  Touches only read-only parts of m, so any
 * thread.  Speech is measured after its peak control (peakctl.h), whose
 * threshold comes back in *peak (0 for other clips, or without
 * normalization): apply it with peakctl_apply() before the gain.
 * Returns 0 or AV_ENOMEM. */
int mix_clip_level(const struct mixer *m, enum clip_kind kind, const char *key,
                   const struct speech_src *sp, const float *made, size_t made_frames,
                   float *gain, float *peak);

/* The samples of speech of the default source as floats at the voice's
 * native rate (*s from the mixer's spares, sp->native_frames of them:
 * give it back with spares_put(), or free() it): read from the bank, or
 * the voice's.  Any thread.  Returns 0, AV_ENOMEM or the bank's
 * read error. */
int mix_speech_floats(const struct mixer *m, const struct speech_src *sp, float **s);

/* Speech of the default source, `s` (mix_speech_floats()), peak-controlled
 * in place at the voice's native rate, before it is resampled: with the
 * threshold *peak when `known` (the gain memo's), else with the threshold
 * mix_clip_level() would decide, and *gain and *peak decided as it
 * decides them (the stored profile, or the search, whose controlled clip
 * is then s itself, so the control runs once).  The same samples either
 * way.  Any thread.  Returns 0 or AV_ENOMEM (s then partly controlled). */
int mix_speech_control(const struct mixer *m, const struct speech_src *sp, float *s, bool known,
                       float *gain, float *peak);

/* The gain that puts `n` frames of speech at `rate` at the level of the
 * session's speech (0 dB plus --volume without normalization): for play's
 * spoken overlay, which (unlike the session's cues) gets no peak control
 * (peakctl.h): the limiter holds its peaks.  Any thread.  Returns 0 or
 * AV_ENOMEM. */
int mix_speech_level(const struct mixer *m, const float *s, size_t n, int rate, float *gain);

/* Predict the session's integrated loudness (mixer_predicted_lufs()):
 * every distinct clip's profile, read from the clip store or measured
 * (here, borrowing a second core), laid out on the timeline.  Mixer's
 * thread.  Returns 0 or AV_ENOMEM. */
int mix_predict(struct mixer *m, double *lufs);

/* Free the remembered gains. */
void mix_gains_free(struct mixer *m);

#endif
