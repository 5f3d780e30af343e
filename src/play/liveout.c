/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * liveout.c — the live-output engine (liveout.h): ring, marks, envelopes
 * and the audio clock, with liveout_render() as an output callback's body.
 *
 * Three parties share a `struct liveout`:
 *
 *   producer     liveout_write() copies mixed frames into the ring;
 *                liveout_mark() / liveout_end() say where they belong.
 *   callback     liveout_render(), on the audio thread.
 *   controller   pauses, sets the gain, reads the clock and the counters.
 *
 * Everything the callback reads or writes that another thread also
 * touches is a C11 atomic; everything else in `cb` is the callback's own.
 * Marks travel from the producer to the callback through a sequence lock
 * (the callback never waits on it: when it catches the producer in the
 * middle of writing one, it simply looks again at its next call).
 */
#include "asanavox/liveout.h"

#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "asanavox/clock.h"
#include "asanavox/error.h"
#include "asanavox/ring.h"

#define PAUSE_FADE_MS 30.0  /* pause and resume */
#define SKIP_FADE_MS 5.0    /* the old audio before a jump */
#define GAIN_SMOOTH_MS 20.0 /* live volume changes (time constant) */

struct liveout {
    struct ring ring;
    int rate, channels;
    size_t resume_frames;        /* queued before playing on after a jump */
    _Atomic int64_t latency_frames;

    /* producer → callback: the last mark, under a sequence lock */
    _Atomic unsigned mark_seq;   /* odd while the producer writes a mark */
    _Atomic size_t mark_pos;     /* ring write position of the mark */
    _Atomic int64_t mark_frame;  /* session frame of the frame there */
    _Atomic unsigned mark_id;
    _Atomic bool eos;            /* liveout_end() since the last mark */
    _Atomic size_t eos_pos;      /* ring write position of the end */

    /* controller → callback */
    _Atomic bool paused;
    _Atomic uint32_t gain_bits;  /* float */

    /* callback → everyone */
    _Atomic int64_t position;    /* session frame of the next frame taken */
    _Atomic int64_t seg_start;   /* session frame of the last jump */
    _Atomic unsigned applied_id; /* id of the last mark applied */
    _Atomic bool silent;
    _Atomic bool playing;        /* taking frames (not paused-silent) */
    _Atomic bool drained;        /* final once true (liveout.h, "The end") */
    _Atomic unsigned underruns, device_underflows;
    _Atomic int64_t frames_out, first_audio_ns, callbacks, callback_ns;
    _Atomic int max_frames;

    /* the callback's own */
    struct {
        unsigned seen_seq;       /* sequence of the last mark taken */
        bool skipping;           /* fading out old audio before a jump */
        size_t skip_pos;
        int64_t skip_frame;
        unsigned skip_id;
        float skip_gain;         /* 1 → 0 over the skip fade */
        bool gap;                /* after a jump, until new frames arrive */
        float env;               /* pause envelope, 0..1 */
        float gain;              /* smoothed live gain */
        bool any_audio;
    } cb;
    float env_step, skip_step, gain_coef;
};

static float gain_of(const struct liveout *lo)
{
    uint32_t bits = atomic_load_explicit(&lo->gain_bits, memory_order_relaxed);
    float g;
    memcpy(&g, &bits, sizeof g);
    return g;
}

/* ---- the callback -------------------------------------------------------------- */

/* Take the producer's newest mark, if it has finished writing one. */
static void cb_take_mark(struct liveout *lo)
{
    unsigned s1 = atomic_load_explicit(&lo->mark_seq, memory_order_acquire);
    if (s1 == lo->cb.seen_seq || (s1 & 1))
        return;
    size_t pos = atomic_load_explicit(&lo->mark_pos, memory_order_relaxed);
    int64_t frame = atomic_load_explicit(&lo->mark_frame, memory_order_relaxed);
    unsigned id = atomic_load_explicit(&lo->mark_id, memory_order_relaxed);
    atomic_thread_fence(memory_order_acquire);
    if (atomic_load_explicit(&lo->mark_seq, memory_order_relaxed) != s1)
        return; /* rewritten meanwhile: look again next time */
    lo->cb.seen_seq = s1;
    if (!lo->cb.skipping)
        lo->cb.skip_gain = 1.0f;
    lo->cb.skipping = true;
    lo->cb.skip_pos = pos;
    lo->cb.skip_frame = frame;
    lo->cb.skip_id = id;
}

/* Make the jump: drop what is left before the mark and restart the clock. */
static void cb_jump(struct liveout *lo)
{
    size_t rd = ring_read_position(&lo->ring);
    size_t past = rd - lo->cb.skip_pos;
    int64_t frame = lo->cb.skip_frame;
    if (past != 0 && past <= lo->ring.frames)
        frame += (int64_t)past; /* already read into the new audio */
    else
        ring_discard_to(&lo->ring, lo->cb.skip_pos);
    lo->cb.skipping = false;
    lo->cb.skip_gain = 1.0f;
    lo->cb.gap = true;
    atomic_store_explicit(&lo->position, frame, memory_order_relaxed);
    atomic_store_explicit(&lo->seg_start, lo->cb.skip_frame, memory_order_relaxed);
    atomic_store_explicit(&lo->applied_id, lo->cb.skip_id, memory_order_release);
}

/* Copy k frames from src to out with the envelopes applied; stops early
 * (returning how many it did) when a pause fade reaches silence. */
static size_t cb_shape(struct liveout *lo, const float *src, float *out, size_t k, bool paused,
                       float target_gain, bool skip)
{
    const int ch = lo->channels;
    /* The skip fade applies only to the old audio before a jump. */
    float env = lo->cb.env, gain = lo->cb.gain, sg = skip ? lo->cb.skip_gain : 1.0f;
    const float env_target = paused ? 0.0f : 1.0f;
    if (!skip && env == 1.0f && env_target == 1.0f && gain == target_gain && gain == 1.0f) {
        memcpy(out, src, k * (size_t)ch * sizeof(float));
        return k;
    }
    size_t i;
    for (i = 0; i < k; i++) {
        if (env < env_target)
            env = env + lo->env_step < 1.0f ? env + lo->env_step : 1.0f;
        else if (env > env_target)
            env = env - lo->env_step > 0.0f ? env - lo->env_step : 0.0f;
        gain += (target_gain - gain) * lo->gain_coef;
        if (gain - target_gain < 1e-5f && target_gain - gain < 1e-5f)
            gain = target_gain;
        if (skip)
            sg = sg - lo->skip_step > 0.0f ? sg - lo->skip_step : 0.0f;
        float g = env * gain * sg;
        for (int c = 0; c < ch; c++) {
            float v = src[i * (size_t)ch + (size_t)c] * g;
            out[i * (size_t)ch + (size_t)c] = v > 1.0f ? 1.0f : (v < -1.0f ? -1.0f : v);
        }
        if (paused && env == 0.0f) {
            i++;
            break;
        }
    }
    lo->cb.env = env;
    lo->cb.gain = gain;
    if (skip)
        lo->cb.skip_gain = sg;
    return i;
}

/*
 * The output callback's body: REAL-TIME CODE.  It runs on the audio
 * thread (PortAudio's) and must finish within a fraction of one buffer's duration, every
 * time, or the listener hears a gap.  So, here and in everything it calls:
 *
 *   - no malloc/free, no locks (no mutex, no condition variable, no
 *     stdio), no printf, no file or terminal I/O, no system calls that can
 *     block (only clock_gettime, which is a vDSO read);
 *   - shared state is C11 atomics only; the ring is lock-free SPSC;
 *   - when the ring runs dry it plays silence and counts an underrun; it
 *     never waits for the producer;
 *   - time is counted in frames taken from the ring (the audio clock),
 *     never read from a wall clock.
 */
bool liveout_render(struct liveout *lo, float *out, size_t frames)
{
    const int64_t t0 = av_now_ns();
    const size_t ch = (size_t)lo->channels;
    const size_t n = frames;
    const bool paused = atomic_load_explicit(&lo->paused, memory_order_relaxed);
    const float target_gain = gain_of(lo);
    bool complete = false;
    size_t done = 0, taken = 0;
    bool dry = false;

    cb_take_mark(lo);

    while (done < n) {
        if (lo->cb.skipping) {
            /* Frames queued before the mark.  The mark is at or before the
             * write position, so this is at most what is available, unless
             * we have already read past the mark (it then wraps around). */
            size_t old = lo->cb.skip_pos - ring_read_position(&lo->ring);
            if (old > ring_available(&lo->ring))
                old = 0;
            if (lo->cb.env == 0.0f || lo->cb.skip_gain == 0.0f || old == 0) {
                cb_jump(lo);
                continue;
            }
            const float *a, *b;
            size_t na, nb;
            size_t want = n - done < old ? n - done : old;
            ring_peek(&lo->ring, want, &a, &na, &b, &nb);
            size_t k = cb_shape(lo, a, out + done * ch, na, paused, target_gain, true);
            ring_advance(&lo->ring, k);
            done += k;
            atomic_fetch_add_explicit(&lo->position, (int64_t)k, memory_order_relaxed);
            continue;
        }
        if (paused && lo->cb.env == 0.0f)
            break; /* silence below; the clock stands still */
        /* After a jump (and at the start), play on only once the producer
         * has queued enough that the next blocks can follow in time. */
        if (lo->cb.gap && ring_available(&lo->ring) < lo->resume_frames &&
            !atomic_load_explicit(&lo->eos, memory_order_acquire))
            break;
        const float *a, *b;
        size_t na, nb;
        size_t got = ring_peek(&lo->ring, n - done, &a, &na, &b, &nb);
        if (got == 0) {
            size_t rd = ring_read_position(&lo->ring);
            if (atomic_load_explicit(&lo->eos, memory_order_acquire) &&
                rd == atomic_load_explicit(&lo->eos_pos, memory_order_relaxed)) {
                atomic_store_explicit(&lo->drained, true, memory_order_release);
                complete = true;
            } else if (!lo->cb.gap) {
                dry = true;
            }
            break;
        }
        size_t k = cb_shape(lo, a, out + done * ch, na, paused, target_gain, false);
        if (k == na && nb)
            k += cb_shape(lo, b, out + (done + k) * ch, nb, paused, target_gain, false);
        ring_advance(&lo->ring, k);
        done += k;
        taken += k;
        atomic_fetch_add_explicit(&lo->position, (int64_t)k, memory_order_relaxed);
    }
    if (done < n)
        memset(out + done * ch, 0, (n - done) * ch * sizeof(float));
    if (taken) {
        lo->cb.gap = false;
        if (!lo->cb.any_audio) {
            lo->cb.any_audio = true;
            atomic_store_explicit(&lo->first_audio_ns, t0, memory_order_relaxed);
        }
    }
    if (dry)
        atomic_fetch_add_explicit(&lo->underruns, 1, memory_order_relaxed);
    const bool silent = paused && lo->cb.env == 0.0f;
    atomic_store_explicit(&lo->silent, silent, memory_order_relaxed);
    atomic_store_explicit(&lo->playing, !silent, memory_order_relaxed);
    atomic_fetch_add_explicit(&lo->frames_out, (int64_t)n, memory_order_relaxed);
    if ((int)n > atomic_load_explicit(&lo->max_frames, memory_order_relaxed))
        atomic_store_explicit(&lo->max_frames, (int)n, memory_order_relaxed);
    atomic_fetch_add_explicit(&lo->callbacks, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&lo->callback_ns, av_now_ns() - t0, memory_order_relaxed);
    return complete;
}

void liveout_device_underflow(struct liveout *lo)
{
    atomic_fetch_add_explicit(&lo->device_underflows, 1, memory_order_relaxed);
}

/* ---- life ------------------------------------------------------------------- */

/* The callback must never block: every atomic it touches has to be
 * lock-free here, not only the ring's size_t counters. */
static bool atomics_lock_free(const struct liveout *lo)
{
    return atomic_is_lock_free(&lo->position) && atomic_is_lock_free(&lo->mark_frame) &&
           atomic_is_lock_free(&lo->frames_out) && atomic_is_lock_free(&lo->mark_pos) &&
           atomic_is_lock_free(&lo->mark_seq) && atomic_is_lock_free(&lo->gain_bits) &&
           atomic_is_lock_free(&lo->paused) && atomic_is_lock_free(&lo->max_frames);
}

int liveout_create(const struct liveout_config *cfg, struct liveout **out)
{
    *out = NULL;
    if (!cfg || cfg->rate <= 0 || cfg->channels < 1 || cfg->channels > 2 ||
        !(cfg->ring_seconds >= 0.05 && cfg->ring_seconds <= 60.0))
        return AV_EINVAL;
    struct liveout *lo = calloc(1, sizeof(*lo));
    if (!lo)
        return AV_ENOMEM;
    int err = atomics_lock_free(lo) ? AV_OK : AV_EINVAL;
    if (!err)
        err = ring_init(&lo->ring, (size_t)(cfg->ring_seconds * cfg->rate), cfg->channels);
    if (err)
        goto fail;
    lo->rate = cfg->rate;
    lo->channels = cfg->channels;
    lo->resume_frames = cfg->resume_frames;
    if (lo->resume_frames > lo->ring.frames / 2)
        lo->resume_frames = lo->ring.frames / 2;
    float one = 1.0f;
    uint32_t bits;
    memcpy(&bits, &one, sizeof bits);
    atomic_init(&lo->gain_bits, bits);
    lo->env_step = (float)(1000.0 / (PAUSE_FADE_MS * cfg->rate));
    lo->skip_step = (float)(1000.0 / (SKIP_FADE_MS * cfg->rate));
    lo->gain_coef = (float)(1.0 - exp(-1000.0 / (GAIN_SMOOTH_MS * cfg->rate)));
    lo->cb.env = 1.0f;
    lo->cb.gain = 1.0f;
    lo->cb.gap = true;
    *out = lo;
    return AV_OK;
fail:
    liveout_destroy(lo);
    return err;
}

void liveout_destroy(struct liveout *lo)
{
    if (!lo)
        return;
    ring_deinit(&lo->ring);
    free(lo);
}

void liveout_set_latency(struct liveout *lo, int64_t frames)
{
    atomic_store_explicit(&lo->latency_frames, frames > 0 ? frames : 0, memory_order_relaxed);
}

/* ---- producer ------------------------------------------------------------------ */

size_t liveout_space(const struct liveout *lo)
{
    return ring_space(&lo->ring);
}

size_t liveout_write(struct liveout *lo, const float *interleaved, size_t frames)
{
    return ring_write(&lo->ring, interleaved, frames);
}

void liveout_mark(struct liveout *lo, int64_t frame, unsigned id)
{
    atomic_store_explicit(&lo->eos, false, memory_order_relaxed);
    unsigned seq = atomic_load_explicit(&lo->mark_seq, memory_order_relaxed);
    atomic_store_explicit(&lo->mark_seq, seq + 1, memory_order_relaxed);
    atomic_thread_fence(memory_order_release);
    atomic_store_explicit(&lo->mark_pos, ring_write_position(&lo->ring), memory_order_relaxed);
    atomic_store_explicit(&lo->mark_frame, frame, memory_order_relaxed);
    atomic_store_explicit(&lo->mark_id, id, memory_order_relaxed);
    atomic_store_explicit(&lo->mark_seq, seq + 2, memory_order_release);
    /* `drained` is not cleared: once render has completed the stream, the
     * callback is never called again, and clearing it would turn a normal
     * end into "the sound device stopped". */
}

void liveout_end(struct liveout *lo)
{
    atomic_store_explicit(&lo->eos_pos, ring_write_position(&lo->ring), memory_order_relaxed);
    atomic_store_explicit(&lo->eos, true, memory_order_release);
}

/* ---- any thread --------------------------------------------------------------- */

size_t liveout_buffered(const struct liveout *lo)
{
    return ring_buffered(&lo->ring);
}

void liveout_set_paused(struct liveout *lo, bool paused)
{
    atomic_store_explicit(&lo->paused, paused, memory_order_relaxed);
}

void liveout_set_gain(struct liveout *lo, float gain)
{
    if (!(gain >= 0.0f))
        return;
    if (gain > 4.0f)
        gain = 4.0f;
    uint32_t bits;
    memcpy(&bits, &gain, sizeof bits);
    atomic_store_explicit(&lo->gain_bits, bits, memory_order_relaxed);
}

int64_t liveout_position(const struct liveout *lo, unsigned *mark_id)
{
    if (mark_id)
        *mark_id = atomic_load_explicit(&lo->applied_id, memory_order_acquire);
    int64_t pos = atomic_load_explicit(&lo->position, memory_order_relaxed);
    if (atomic_load_explicit(&lo->playing, memory_order_relaxed) &&
        !atomic_load_explicit(&lo->drained, memory_order_relaxed)) {
        /* What the listener hears lags what the callback took by the
         * device's latency (but never before the last jump). */
        int64_t seg = atomic_load_explicit(&lo->seg_start, memory_order_relaxed);
        pos -= atomic_load_explicit(&lo->latency_frames, memory_order_relaxed);
        if (pos < seg)
            pos = seg;
    }
    return pos;
}

bool liveout_silent(const struct liveout *lo)
{
    return atomic_load_explicit(&lo->silent, memory_order_relaxed);
}

bool liveout_drained(const struct liveout *lo)
{
    return atomic_load_explicit(&lo->drained, memory_order_acquire);
}

void liveout_stats(const struct liveout *lo, struct liveout_stats *st)
{
    memset(st, 0, sizeof(*st));
    st->frames_out = atomic_load_explicit(&lo->frames_out, memory_order_relaxed);
    st->first_audio_ns = atomic_load_explicit(&lo->first_audio_ns, memory_order_relaxed);
    st->underruns = atomic_load_explicit(&lo->underruns, memory_order_relaxed);
    st->device_underflows = atomic_load_explicit(&lo->device_underflows, memory_order_relaxed);
    st->callbacks = atomic_load_explicit(&lo->callbacks, memory_order_relaxed);
    st->callback_ns = atomic_load_explicit(&lo->callback_ns, memory_order_relaxed);
    st->max_frames = atomic_load_explicit(&lo->max_frames, memory_order_relaxed);
}
