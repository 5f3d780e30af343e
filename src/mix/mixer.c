/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * mixer.c — the mixer's stream (mixer.h): timeline events in, blocks of
 * audio out; seeking and the mixer's life cycle.  The parts it joins are
 * listed in mixer_internal.h.
 *
 * The signal path per block:
 *
 *   events ──▶ clip cache ──▶ mono sum x ──▶ limiter ──▶ y ──▶ channels
 *
 * Positions.  `pos` is the next frame to output.  The limiter looks
 * LA - 1 + LIM_TP_HALF frames ahead, so the mono sum is computed up to
 * `xend` beyond pos; x[i] holds the sum at frame pos - LIM_TP_HALF + i.
 */
#include "asanavox/mixer.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asanavox/error.h"
#include "asanavox/timeline.h"
#include "asanavox/voice.h"
#include "ambience.h"
#include "clipstore.h"
#include "dsp/kernels.h"
#include "mixer_internal.h"
#include "scratch.h"

/* ---- options ---------------------------------------------------------- */

void mixer_options_init(struct mixer_options *o)
{
    memset(o, 0, sizeof(*o));
    o->channels = 2;
    o->target_lufs = MIXER_TARGET_LUFS;
    o->volume_db = 0.0;
    o->ceiling_dbtp = MIXER_CEILING_DBTP;
    o->normalize = true;
    o->limiter = true;
    o->fade_in_ms = 3.0;
    o->fade_out_ms = 5.0;
    o->cache_bytes = 8u << 20;
    o->background = true;
    o->source = NULL;
    o->store_dir = NULL;
    o->store_max = (uint64_t)256 << 20;
}

/* ---- events ------------------------------------------------------------- */

bool mix_event_clip(const struct tl_event *e, enum clip_kind *kind, const char **key)
{
    switch (e->kind) {
    case TL_SPEECH:
        if (e->text && *e->text) {
            *kind = CLIP_SPEECH;
            *key = e->text;
            return true;
        }
        return false;
    case TL_BELL:
        if (e->sound) {
            *kind = CLIP_BELL;
            *key = e->sound;
            return true;
        }
        return false;
    case TL_BREATH:
        if (e->text && *e->text) {
            *kind = CLIP_SPEECH;
            *key = e->text;
            return true;
        }
        if (e->sound) {
            *kind = CLIP_TONE;
            *key = e->sound;
            return true;
        }
        return false;
    }
    return false;
}


/* Start playing clip c for event e (a breath tone as a guide over its
 * phase). */
static int play_add(struct mixer *m, struct clip *c, const struct tl_event *e)
{
    if (m->n_playing == m->cap_playing) {
        size_t cap = m->cap_playing ? m->cap_playing * 2 : 16;
        struct playing *p = realloc(m->playing, cap * sizeof(*p));
        if (!p)
            return AV_ENOMEM;
        m->playing = p;
        m->cap_playing = cap;
    }
    struct playing p = {c, e->start, 0, GUIDE_TONE};
    if (e->kind == TL_BREATH && c->kind == CLIP_TONE && c->frames > 0) {
        bool swell = m->tl->guide == TL_GUIDE_SWELL;
        bool hold = e->phase == TL_HOLD_IN || e->phase == TL_HOLD_OUT;
        p.len = e->end - e->start;
        p.shape = hold ? (swell ? GUIDE_SWELL_HOLD : GUIDE_TONE_HOLD)
                  : !swell ? GUIDE_TONE
                  : e->phase == TL_INHALE ? GUIDE_SWELL_IN : GUIDE_SWELL_OUT;
    }
    m->playing[m->n_playing++] = p;
    return AV_OK;
}

/* What a prefetched clip counts for: its size, or a second of audio while
 * that is not known (a custom source's clip before it is made). */
static size_t pf_size(const struct mixer *m, const struct clip *c)
{
    return c->budget ? c->budget : (size_t)m->rate * sizeof(float);
}

static int pf_push(struct mixer *m, size_t event, struct clip *c)
{
    if (m->pf_count == m->pf_cap) {
        size_t cap = m->pf_cap ? m->pf_cap * 2 : 64;
        struct prefetched *p = malloc(cap * sizeof(*p));
        if (!p)
            return AV_ENOMEM;
        for (size_t i = 0; i < m->pf_count; i++)
            p[i] = m->pf[(m->pf_head + i) % m->pf_cap];
        free(m->pf);
        m->pf = p;
        m->pf_head = 0;
        m->pf_cap = cap;
    }
    m->pf[(m->pf_head + m->pf_count) % m->pf_cap] = (struct prefetched){event, c};
    m->pf_count++;
    if (c->pf_refs++ == 0) {
        c->pf_size = pf_size(m, c);
        m->pf_bytes += c->pf_size;
    }
    return AV_OK;
}

static struct clip *pf_pop(struct mixer *m, size_t event)
{
    if (!m->pf_count || m->pf[m->pf_head].event != event)
        return NULL;
    struct clip *c = m->pf[m->pf_head].clip;
    m->pf_head = (m->pf_head + 1) % m->pf_cap;
    m->pf_count--;
    if (--c->pf_refs == 0)
        m->pf_bytes -= c->pf_size;
    return c;
}

/* mixer_options.prepare_ahead: whether the workers want more clips (fewer
 * than AHEAD_PER_WORKER each queued or being prepared). */
static bool workers_want_more(struct mixer *m)
{
    if (!m->o.prepare_ahead || !m->wq.started || m->pf_count >= AHEAD_MAX_EVENTS)
        return false;
    workq_lock(&m->wq);
    bool more = workq_pending_locked(&m->wq) < AHEAD_PER_WORKER * m->wq.n_threads;
    workq_unlock(&m->wq);
    return more;
}

/* With a stream: take the events published since the last call, first
 * waiting (when `wait`) until every event starting at or before `frame`
 * is among them.  Returns 0, or the compile's error when it failed before
 * laying out that far. */
static int stream_take(struct mixer *m, int64_t frame, bool wait)
{
    if (!m->stream || m->sv.duration >= 0 || (wait && m->sv.known > frame))
        return AV_OK;
    int err = compile_stream_events(m->stream, frame, wait, &m->sv);
    m->ev = m->sv.ev;
    m->n_ev = m->sv.n;
    if (m->sv.duration >= 0)
        m->duration = m->sv.duration;
    if (err && err != AV_ENOMEM)
        snprintf(m->detail, sizeof(m->detail), "the session stopped compiling: %s",
                 av_strerror(err));
    return err;
}

/* Request the clips of events starting before `must`, and of those before
 * `want` while the prefetched clips take less than half the cache; with
 * mixer_options.prepare_ahead, of later ones too while the workers want
 * more and within the same half.  A session with sparse speech holds one
 * or two clips in `want`'s 60 s, which keeps one worker busy at most while
 * the mix races ahead and waits for it; counting by clips keeps them all
 * busy, and half the cache bounds the memory whatever the length. */
static int prefetch(struct mixer *m, int64_t must, int64_t want)
{
    /* What more has been laid out (mixer_read() waited for `must`). */
    int err = stream_take(m, 0, false);
    if (err)
        return err;
    while (m->pf_event < m->n_ev) {
        const struct tl_event *e = &m->ev[m->pf_event];
        if (e->start >= must && m->pf_bytes >= m->o.cache_bytes / 2)
            break;
        if (e->start >= want && !workers_want_more(m))
            break;
        enum clip_kind kind;
        const char *key;
        if (mix_event_clip(e, &kind, &key)) {
            struct clip *c;
            err = clip_request(m, kind, key, &c);
            if (!err)
                err = pf_push(m, m->pf_event, c);
            if (err)
                return err;
        }
        m->pf_event++;
    }
    return AV_OK;
}

/* Start the events that begin before `b`. */
static int activate(struct mixer *m, int64_t b)
{
    int64_t ahead = (int64_t)m->rate * PREFETCH_SECONDS;
    int err = prefetch(m, b, b + ahead);
    if (err)
        return err;
    while (m->next_event < m->n_ev && m->ev[m->next_event].start < b) {
        struct clip *c = pf_pop(m, m->next_event);
        if (c) {
            err = clip_wait(m, c);
            if (!err)
                err = play_add(m, c, &m->ev[m->next_event]);
            if (err) {
                c->pins--;
                return err;
            }
        }
        m->next_event++;
    }
    return AV_OK;
}

/* Mono sum of frames [a, b) into dst (b - a floats). */
static int mix_range(struct mixer *m, int64_t a, int64_t b, float *dst)
{
    memset(dst, 0, (size_t)(b - a) * sizeof(*dst));
    int64_t bb = b < m->duration ? b : m->duration;
    if (a >= bb)
        return AV_OK;
    int err = activate(m, bb);
    if (err)
        return err;
    size_t keep = 0;
    for (size_t i = 0; i < m->n_playing; i++) {
        struct playing p = m->playing[i];
        int64_t cend = p.start + (p.len ? p.len : (int64_t)p.clip->frames);
        int64_t s = p.start > a ? p.start : a;
        int64_t e = cend < bb ? cend : bb;
        if (s < e && e > m->loud_end)
            m->loud_end = e;
        if (s < e && p.len)
            guide_add(dst + (s - a), p.clip->samples, p.clip->frames, s - p.start,
                      (size_t)(e - s), p.len, p.shape, m->rate);
        else if (s < e)
            kern_add(dst + (s - a), p.clip->samples + (s - p.start), (size_t)(e - s));
        if (cend <= bb)
            p.clip->pins--;
        else
            m->playing[keep++] = p;
    }
    m->n_playing = keep;
    if (m->amb) {
        ambience_add(m->amb, a, (size_t)(bb - a), dst);
        m->loud_end = bb;
    }

    /* A click-free end of the session, and a fade-in after a seek. */
    int64_t fs = m->duration - m->fade_out;
    for (int64_t t = fs > a ? fs : a; t < bb; t++)
        dst[t - a] *= ramp((size_t)(m->duration - 1 - t), (size_t)m->fade_out);
    if (m->fade_from >= 0) {
        int64_t fe = m->fade_from + m->fade_in;
        for (int64_t t = m->fade_from > a ? m->fade_from : a; t < bb && t < fe; t++)
            dst[t - a] *= ramp((size_t)(t - m->fade_from), (size_t)m->fade_in);
    }
    /* Asked before: mix_live_apply() frees the overlay in the call that
     * adds its last samples. */
    if (m->ov)
        m->loud_end = bb; /* the overlay may speak anywhere in [a, bb) */
    if (m->live_gain != 1.0f || m->ov)
        mix_live_apply(m, a, bb, dst);
    return AV_OK;
}
/* ---- the stream ----------------------------------------------------------- */

static size_t xcap(const struct mixer *m)
{
    return BLOCK + (size_t)m->lim.la - 1 + 2 * LIM_TP_HALF;
}

/* Mix and limit the next `n` frames (n <= BLOCK) into y. */
static int block(struct mixer *m, size_t n, float *y)
{
    const int64_t base = m->pos - LIM_TP_HALF; /* frame of x[0] */
    const int64_t need = m->pos + (int64_t)n + m->lim.la - 1 + LIM_TP_HALF;
    if (need > m->xend) {
        int err = mix_range(m, m->xend, need, m->x + (m->xend - base));
        if (err)
            return err;
        m->xend = need;
    }
    /* The window the limiter reads is [base, need): silence through,
     * there is nothing to detect. */
    if (m->loud_end <= base)
        limiter_run_silent(&m->lim, m->x, n, y);
    else
        limiter_run(&m->lim, m->x, n, y);
    size_t keep = (size_t)(need - (m->pos + (int64_t)n - LIM_TP_HALF));
    memmove(m->x, m->x + n, keep * sizeof(float));
    m->pos += (int64_t)n;
    return AV_OK;
}

static int read_frames(struct mixer *m, float *out, size_t frames, size_t *got, int ch)
{
    *got = 0;
    if (m->err)
        return m->err;
    while (*got < frames) {
        size_t n = frames - *got;
        if (n > BLOCK)
            n = BLOCK;
        /* A block mixes up to the limiter's look-ahead beyond it, and
         * fades out the session's end: every event up to there, and the
         * duration when that is near, must be known. */
        int err = stream_take(m, m->pos + (int64_t)n + m->lim.la + LIM_TP_HALF + m->fade_out,
                              true);
        if (err) {
            m->err = err;
            return err;
        }
        if (m->pos >= m->duration)
            break;
        if ((int64_t)n > m->duration - m->pos)
            n = (size_t)(m->duration - m->pos);
        /* Mono (a render's file, which the writer makes stereo) is
         * limited straight into the caller's buffer, without a copy. */
        float *o = out + *got * (size_t)ch;
        err = block(m, n, ch == 1 ? o : m->y);
        if (err) {
            m->err = err;
            return err;
        }
        if (ch != 1)
            kern_dup2(m->y, o, n);
        *got += n;
    }
    return AV_OK;
}

int mixer_read(struct mixer *m, float *out, size_t frames, size_t *got)
{
    return read_frames(m, out, frames, got, m->channels);
}

int mixer_read_mono(struct mixer *m, float *out, size_t frames, size_t *got)
{
    return read_frames(m, out, frames, got, 1);
}

int mixer_stream_prefetch(struct mixer *m, bool *ended)
{
    *ended = true;
    if (m->err)
        return m->err;
    if (!m->stream || m->sv.duration >= 0)
        return AV_OK;
    /* Wait for events past what is known so far (or the end). */
    int err = stream_take(m, m->sv.known, true);
    if (!err)
        err = prefetch(m, m->xend, m->xend + (int64_t)m->rate * PREFETCH_SECONDS);
    if (err) {
        m->err = err;
        return err;
    }
    *ended = m->sv.duration >= 0;
    return AV_OK;
}

/* Unpin everything playing or prefetched (waiting for prefetched clips a
 * worker may still be preparing, so unpinned clips are never in use). */
static void release_all(struct mixer *m)
{
    for (size_t i = 0; i < m->n_playing; i++)
        m->playing[i].clip->pins--;
    m->n_playing = 0;
    while (m->pf_count) {
        struct clip *c = m->pf[m->pf_head].clip;
        pf_pop(m, m->pf[m->pf_head].event);
        (void)clip_wait(m, c);
        c->pins--;
    }
    m->pf_bytes = 0;
}

static void reset_stream(struct mixer *m, int64_t frame)
{
    release_all(m);
    m->pos = frame;
    m->xend = frame;
    m->loud_end = frame;
    m->fade_from = frame > 0 ? frame : -1;
    limiter_reset(&m->lim);
    memset(m->x, 0, xcap(m) * sizeof(float));
    mix_live_seek(m, frame);
}

int mixer_seek(struct mixer *m, int64_t frame)
{
    if (frame < 0)
        frame = 0;
    m->err = AV_OK;
    m->detail[0] = '\0';
    int err = stream_take(m, frame, true);
    if (err) {
        m->err = err;
        return err;
    }
    if (frame > m->duration)
        frame = m->duration;
    reset_stream(m, frame);
    /* first event at or after frame */
    size_t lo = tl_event_array_before(m->ev, m->n_ev, frame);
    m->next_event = m->pf_event = lo;
    /* Events that started earlier and may still sound, in event order. */
    for (size_t i = 0; i < lo; i++) {
        const struct tl_event *e = &m->ev[i];
        int64_t end = e->kind == TL_BREATH ? e->clip_end : e->end;
        enum clip_kind kind;
        const char *key;
        if (end <= frame || !mix_event_clip(e, &kind, &key))
            continue;
        struct clip *c;
        err = clip_request(m, kind, key, &c);
        if (!err) {
            err = clip_wait(m, c);
            bool guide = e->kind == TL_BREATH && kind == CLIP_TONE;
            int64_t len = guide ? e->end - e->start : (int64_t)c->frames;
            if (!err && e->start + len <= frame) {
                c->pins--;
                continue;
            }
            if (!err)
                err = play_add(m, c, e);
            if (err)
                c->pins--;
        }
        if (err) {
            m->err = err;
            return err;
        }
    }
    return AV_OK;
}

int64_t mixer_position(const struct mixer *m) { return m->pos; }
int64_t mixer_duration(const struct mixer *m) { return m->duration; }
int mixer_channels(const struct mixer *m) { return m->channels; }
int mixer_rate(const struct mixer *m) { return m->rate; }
size_t mixer_clips_prepared(const struct mixer *m) { return m->n_prepared; }
size_t mixer_clips_cached(const struct mixer *m) { return m->n_cached; }
const char *mixer_error_detail(const struct mixer *m) { return m->err ? m->detail : ""; }
double mixer_predicted_lufs(struct mixer *m)
{
    if (!m->o.normalize || m->stream)
        return -HUGE_VAL;
    if (!m->predicted_done) {
        double lufs;
        if (mix_predict(m, &lufs) != AV_OK)
            return -HUGE_VAL; /* out of memory: asked again, tried again */
        m->predicted = lufs;
        m->predicted_done = true;
    }
    return m->predicted;
}

/* ---- life cycle ----------------------------------------------------------- */

static bool has_speech(const struct timeline *tl)
{
    for (size_t i = 0; i < tl->n_events; i++) {
        enum clip_kind k;
        const char *key;
        if (mix_event_clip(&tl->events[i], &k, &key) && k == CLIP_SPEECH)
            return true;
    }
    return false;
}

/* The ambient bed: its loop from the source, at its role's loudness
 * (measured on the loop), ducked under every speech cue of the timeline.
 * Returns 0, the source's error (the bed's file is missing or unreadable)
 * or AV_ENOMEM. */
static int ambience_open(struct mixer *m)
{
    const struct timeline *tl = m->tl;
    float *loop = NULL;
    size_t n = 0;
    int err = clip_loop_source(m, tl->ambience, &loop, &n);
    if (err) {
        snprintf(m->detail, sizeof(m->detail), "cannot play %.160s: %s", tl->ambience,
                 av_strerror(err));
        return err;
    }
    if (n == 0) {
        free(loop);
        return AV_OK;
    }
    double lufs = mix_clip_loudness(loop, n, m->rate);
    double target = m->o.target_lufs + m->o.volume_db + MIXER_AMBIENCE_OFFSET_LU +
                    tl->ambience_db - 10.0 * log10((double)m->channels);
    float gain = isfinite(lufs) ? (float)pow(10.0, (target - lufs) / 20.0) : 0.0f;
    int64_t (*sp)[2] = malloc((tl->n_events ? tl->n_events : 1) * sizeof(*sp));
    if (!sp) {
        free(loop);
        return AV_ENOMEM;
    }
    size_t k = 0;
    for (size_t i = 0; i < tl->n_events; i++) {
        const struct tl_event *e = &tl->events[i];
        enum clip_kind kind;
        const char *key;
        if (!mix_event_clip(e, &kind, &key) || kind != CLIP_SPEECH)
            continue;
        sp[k][0] = e->start;
        sp[k][1] = e->kind == TL_BREATH ? e->clip_end : e->end;
        k++;
    }
    err = ambience_create(tl, loop, n, gain, (const int64_t(*)[2])sp, k, &m->amb);
    free(sp);
    return err;
}

int mixer_create(const struct timeline *tl, struct voice *voice, const struct mixer_options *opts,
                 struct mixer **out)
{
    struct mixer_options o;
    if (opts)
        o = *opts;
    else
        mixer_options_init(&o);
    if (!tl || !out || tl->rate < 1000 || tl->rate > 768000 || (!o.stream && tl->duration < 0) ||
        (o.channels != 1 && o.channels != 2) || !isfinite(o.volume_db) ||
        !isfinite(o.target_lufs) || !isfinite(o.ceiling_dbtp) || o.ceiling_dbtp > 0.0 ||
        !(o.fade_in_ms >= 0.0 && o.fade_in_ms <= 1000.0) ||
        !(o.fade_out_ms >= 0.0 && o.fade_out_ms <= 1000.0) || (tl->n_events && !tl->events) ||
        (o.source && (!o.source->speech || !o.source->sound)) ||
        (o.stream && (tl->ambience || tl->n_events)))
        return AV_EINVAL;
    if (!o.source && !voice && !tl->speech && (o.stream || has_speech(tl)))
        return AV_EINVAL;
    /* With a speech bank the voice is not used at all. */
    if (!o.source && voice && !tl->speech && tl->voice && tl->speed > 0) {
        int err = voice_configure(voice, tl->voice, tl->speed);
        if (err)
            return err;
    }

    struct mixer *m = calloc(1, sizeof(*m));
    if (!m)
        return AV_ENOMEM;
    m->tl = tl;
    m->voice = voice;
    m->o = o;
    m->custom_source = o.source != NULL;
    if (pthread_mutex_init(&m->sound_lock, NULL) != 0) {
        free(m);
        return AV_ENOMEM;
    }
    if (pthread_mutex_init(&m->loud_lock, NULL) != 0) {
        pthread_mutex_destroy(&m->sound_lock);
        free(m);
        return AV_ENOMEM;
    }
    if (spares_init(&m->spares) != AV_OK) {
        pthread_mutex_destroy(&m->loud_lock);
        pthread_mutex_destroy(&m->sound_lock);
        free(m);
        return AV_ENOMEM;
    }
    if (o.source)
        m->src = *o.source;
    else
        m->src = (struct mixer_source){&m->sound_lock, NULL, clip_sound_source};
    m->rate = tl->rate;
    m->channels = o.channels;
    m->duration = o.stream ? INT64_MAX : tl->duration;
    m->stream = o.stream;
    m->sv.duration = -1;
    m->ev = tl->events;
    m->n_ev = tl->n_events;
    m->fade_in = (int)lround(o.fade_in_ms * tl->rate / 1000.0);
    m->fade_out = (int)lround(o.fade_out_ms * tl->rate / 1000.0);
    m->live_gain = 1.0f;

    /* A store that cannot be opened only costs the resampling. */
    if (o.store_dir && !o.source && tl->speech)
        (void)clipstore_open(o.store_dir, o.store_max ? o.store_max : (uint64_t)256 << 20,
                             &m->store);
    int err = limiter_init(&m->lim, tl->rate, o.ceiling_dbtp, o.limiter, BLOCK);
    if (!err) {
        m->x = malloc(xcap(m) * sizeof(float));
        m->y = malloc(BLOCK * sizeof(float));
        if (!m->x || !m->y)
            err = AV_ENOMEM;
    }
    if (!err && tl->ambience)
        err = ambience_open(m);
    if (!err && o.background)
        err = clip_worker_start(m);
    if (err) {
        mixer_destroy(m);
        return err;
    }
    reset_stream(m, 0);
    *out = m;
    return AV_OK;
}

void mixer_destroy(struct mixer *m)
{
    if (!m)
        return;
    clip_worker_stop(m);
    /* The worker is gone: nothing is in use any more. */
    m->n_playing = 0;
    m->pf_count = 0;
    clip_cache_clear(m);
    spares_deinit(&m->spares);
    scratch_drop(); /* clips prepared on this thread (no workers) */
    mix_gains_free(m);
    clipstore_close(m->store);
    pthread_mutex_destroy(&m->sound_lock);
    pthread_mutex_destroy(&m->loud_lock);
    ambience_destroy(m->amb);
    free(m->sv.ev);
    free(m->pf);
    free(m->playing);
    limiter_deinit(&m->lim);
    free(m->ov);
    free(m->x);
    free(m->y);
    free(m);
}
