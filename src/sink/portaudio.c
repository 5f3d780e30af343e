/*
 * portaudio.c — the PortAudio sink (sink.h) and its live controls
 * (device.h).  Starting PortAudio and finding devices are in pa_devices.c,
 * the silencing of library chatter in pa_quiet.c.
 *
 * Three parties share a `struct pa_sink`:
 *
 *   producer     sink_write() copies mixed frames into the ring;
 *                sink_pa_mark() / sink_pa_end() say where they belong.
 *   callback     PortAudio's real-time thread: pa_callback() below.
 *   controller   the thread that opened the sink: starts, stops and asks
 *                for the state.  Every PortAudio call is made here.
 *
 * Everything the callback reads or writes that another thread also
 * touches is a C11 atomic; everything else in `cb` is the callback's own.
 * Marks travel from the producer to the callback through a sequence lock
 * (the callback never waits on it: when it catches the producer in the
 * middle of writing one, it simply looks again at its next call).
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <portaudio.h>

#include "asanavox/device.h"
#include "asanavox/error.h"
#include "asanavox/ring.h"
#include "sink_internal.h"

#define PAUSE_FADE_MS 30.0  /* pause and resume */
#define SKIP_FADE_MS 5.0    /* the old audio before a jump */
#define GAIN_SMOOTH_MS 20.0 /* live volume changes (time constant) */
#define WRITE_WAIT_NS 5000000L

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ---- the sink's state ----------------------------------------------------- */

struct pa_sink {
    PaStream *stream;
    struct ring ring;
    int rate, channels;
    double ring_seconds;
    size_t resume_frames;        /* queued before playing on after a jump */
    double latency;
    int64_t latency_frames;
    char device[160];
    bool started, stopped;       /* controller */

    /* producer → callback: the last mark, under a sequence lock */
    _Atomic unsigned mark_seq;   /* odd while the producer writes a mark */
    _Atomic size_t mark_pos;     /* ring write position of the mark */
    _Atomic int64_t mark_frame;  /* session frame of the frame there */
    _Atomic unsigned mark_id;
    _Atomic bool eos;            /* sink_pa_end() since the last mark */
    _Atomic size_t eos_pos;      /* ring write position of the end */

    /* controller → callback */
    _Atomic bool paused;
    _Atomic uint32_t gain_bits;  /* float */
    _Atomic bool interrupted;    /* sink_pa_interrupt() */

    /* callback → everyone */
    _Atomic int64_t position;    /* session frame of the next frame taken */
    _Atomic int64_t seg_start;   /* session frame of the last jump */
    _Atomic unsigned applied_id; /* id of the last mark applied */
    _Atomic bool silent;
    _Atomic bool playing;        /* taking frames (not paused-silent) */
    _Atomic bool drained;
    _Atomic bool finished;       /* PortAudio says the stream stopped */
    _Atomic unsigned underruns, device_underflows;
    _Atomic int64_t frames_out, first_audio_ns, callbacks, callback_ns;
    _Atomic int max_frames;
    _Atomic int64_t start_ns, stop_ns;

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

    /* the producer's wait for room */
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool sync_ok;
};

static struct pa_sink *priv_of(const struct sink *s)
{
    return s && s->ops == &sink_portaudio_ops ? s->priv : NULL;
}

static float gain_of(const struct pa_sink *p)
{
    uint32_t bits = atomic_load_explicit(&p->gain_bits, memory_order_relaxed);
    float g;
    memcpy(&g, &bits, sizeof g);
    return g;
}

/* ---- the callback ---------------------------------------------------------- */

/* Take the producer's newest mark, if it has finished writing one. */
static void cb_take_mark(struct pa_sink *p)
{
    unsigned s1 = atomic_load_explicit(&p->mark_seq, memory_order_acquire);
    if (s1 == p->cb.seen_seq || (s1 & 1))
        return;
    size_t pos = atomic_load_explicit(&p->mark_pos, memory_order_relaxed);
    int64_t frame = atomic_load_explicit(&p->mark_frame, memory_order_relaxed);
    unsigned id = atomic_load_explicit(&p->mark_id, memory_order_relaxed);
    atomic_thread_fence(memory_order_acquire);
    if (atomic_load_explicit(&p->mark_seq, memory_order_relaxed) != s1)
        return; /* rewritten meanwhile: look again next time */
    p->cb.seen_seq = s1;
    if (!p->cb.skipping)
        p->cb.skip_gain = 1.0f;
    p->cb.skipping = true;
    p->cb.skip_pos = pos;
    p->cb.skip_frame = frame;
    p->cb.skip_id = id;
}

/* Make the jump: drop what is left before the mark and restart the clock. */
static void cb_jump(struct pa_sink *p)
{
    size_t rd = ring_read_position(&p->ring);
    size_t past = rd - p->cb.skip_pos;
    int64_t frame = p->cb.skip_frame;
    if (past != 0 && past <= p->ring.frames)
        frame += (int64_t)past; /* already read into the new audio */
    else
        ring_discard_to(&p->ring, p->cb.skip_pos);
    p->cb.skipping = false;
    p->cb.skip_gain = 1.0f;
    p->cb.gap = true;
    atomic_store_explicit(&p->position, frame, memory_order_relaxed);
    atomic_store_explicit(&p->seg_start, p->cb.skip_frame, memory_order_relaxed);
    atomic_store_explicit(&p->applied_id, p->cb.skip_id, memory_order_release);
}

/* Copy k frames from src to out with the envelopes applied; stops early
 * (returning how many it did) when a pause fade reaches silence. */
static size_t cb_shape(struct pa_sink *p, const float *src, float *out, size_t k, bool paused,
                       float target_gain, bool skip)
{
    const int ch = p->channels;
    /* The skip fade applies only to the old audio before a jump. */
    float env = p->cb.env, gain = p->cb.gain, sg = skip ? p->cb.skip_gain : 1.0f;
    const float env_target = paused ? 0.0f : 1.0f;
    if (!skip && env == 1.0f && env_target == 1.0f && gain == target_gain && gain == 1.0f) {
        memcpy(out, src, k * (size_t)ch * sizeof(float));
        return k;
    }
    size_t i;
    for (i = 0; i < k; i++) {
        if (env < env_target)
            env = env + p->env_step < 1.0f ? env + p->env_step : 1.0f;
        else if (env > env_target)
            env = env - p->env_step > 0.0f ? env - p->env_step : 0.0f;
        gain += (target_gain - gain) * p->gain_coef;
        if (gain - target_gain < 1e-5f && target_gain - gain < 1e-5f)
            gain = target_gain;
        if (skip)
            sg = sg - p->skip_step > 0.0f ? sg - p->skip_step : 0.0f;
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
    p->cb.env = env;
    p->cb.gain = gain;
    if (skip)
        p->cb.skip_gain = sg;
    return i;
}

/*
 * The PortAudio callback: REAL-TIME CODE.  It runs on PortAudio's audio
 * thread and must finish within a fraction of one buffer's duration, every
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
static int pa_callback(const void *input, void *output, unsigned long frames,
                       const PaStreamCallbackTimeInfo *time_info, PaStreamCallbackFlags flags,
                       void *user)
{
    (void)input;
    (void)time_info;
    struct pa_sink *p = user;
    const int64_t t0 = now_ns();
    float *out = output;
    const size_t ch = (size_t)p->channels;
    const size_t n = frames;
    const bool paused = atomic_load_explicit(&p->paused, memory_order_relaxed);
    const float target_gain = gain_of(p);
    int result = paContinue;
    size_t done = 0, taken = 0;
    bool dry = false;

    if (flags & paOutputUnderflow)
        atomic_fetch_add_explicit(&p->device_underflows, 1, memory_order_relaxed);
    cb_take_mark(p);

    while (done < n) {
        if (p->cb.skipping) {
            /* Frames queued before the mark.  The mark is at or before the
             * write position, so this is at most what is available, unless
             * we have already read past the mark (it then wraps around). */
            size_t old = p->cb.skip_pos - ring_read_position(&p->ring);
            if (old > ring_available(&p->ring))
                old = 0;
            if (p->cb.env == 0.0f || p->cb.skip_gain == 0.0f || old == 0) {
                cb_jump(p);
                continue;
            }
            const float *a, *b;
            size_t na, nb;
            size_t want = n - done < old ? n - done : old;
            ring_peek(&p->ring, want, &a, &na, &b, &nb);
            size_t k = cb_shape(p, a, out + done * ch, na, paused, target_gain, true);
            ring_advance(&p->ring, k);
            done += k;
            atomic_fetch_add_explicit(&p->position, (int64_t)k, memory_order_relaxed);
            continue;
        }
        if (paused && p->cb.env == 0.0f)
            break; /* silence below; the clock stands still */
        /* After a jump (and at the start), play on only once the producer
         * has queued enough that the next blocks can follow in time. */
        if (p->cb.gap && ring_available(&p->ring) < p->resume_frames &&
            !atomic_load_explicit(&p->eos, memory_order_acquire))
            break;
        const float *a, *b;
        size_t na, nb;
        size_t got = ring_peek(&p->ring, n - done, &a, &na, &b, &nb);
        if (got == 0) {
            size_t rd = ring_read_position(&p->ring);
            if (atomic_load_explicit(&p->eos, memory_order_acquire) &&
                rd == atomic_load_explicit(&p->eos_pos, memory_order_relaxed)) {
                atomic_store_explicit(&p->drained, true, memory_order_release);
                result = paComplete;
            } else if (!p->cb.gap) {
                dry = true;
            }
            break;
        }
        size_t k = cb_shape(p, a, out + done * ch, na, paused, target_gain, false);
        if (k == na && nb)
            k += cb_shape(p, b, out + (done + k) * ch, nb, paused, target_gain, false);
        ring_advance(&p->ring, k);
        done += k;
        taken += k;
        atomic_fetch_add_explicit(&p->position, (int64_t)k, memory_order_relaxed);
    }
    if (done < n)
        memset(out + done * ch, 0, (n - done) * ch * sizeof(float));
    if (taken) {
        p->cb.gap = false;
        if (!p->cb.any_audio) {
            p->cb.any_audio = true;
            atomic_store_explicit(&p->first_audio_ns, t0, memory_order_relaxed);
        }
    }
    if (dry)
        atomic_fetch_add_explicit(&p->underruns, 1, memory_order_relaxed);
    const bool silent = paused && p->cb.env == 0.0f;
    atomic_store_explicit(&p->silent, silent, memory_order_relaxed);
    atomic_store_explicit(&p->playing, !silent, memory_order_relaxed);
    atomic_fetch_add_explicit(&p->frames_out, (int64_t)n, memory_order_relaxed);
    if ((int)n > atomic_load_explicit(&p->max_frames, memory_order_relaxed))
        atomic_store_explicit(&p->max_frames, (int)n, memory_order_relaxed);
    atomic_fetch_add_explicit(&p->callbacks, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&p->callback_ns, now_ns() - t0, memory_order_relaxed);
    return result;
}

static void pa_finished(void *user)
{
    struct pa_sink *p = user;
    atomic_store_explicit(&p->finished, true, memory_order_release);
}

/* ---- sink_ops ---------------------------------------------------------------- */

static int pa_create(struct sink *s)
{
    struct pa_sink *p = calloc(1, sizeof(*p));
    if (!p)
        return AV_ENOMEM;
    p->ring_seconds = 1.0;
    float one = 1.0f;
    uint32_t bits;
    memcpy(&bits, &one, sizeof bits);
    atomic_init(&p->gain_bits, bits);
    if (pthread_mutex_init(&p->lock, NULL) != 0) {
        free(p);
        return AV_ENOMEM;
    }
    if (pthread_cond_init(&p->cond, NULL) != 0) {
        pthread_mutex_destroy(&p->lock);
        free(p);
        return AV_ENOMEM;
    }
    p->sync_ok = true;
    s->priv = p;
    return AV_OK;
}

static int pa_open(struct sink *s, const char *target, const struct sink_params *prm)
{
    struct pa_sink *p = s->priv;
    char msg[256];
    int id;
    int err = audio_find_device(target, &id, msg, sizeof msg);
    if (err) {
        sink_fail(s, "%s", msg);
        return AV_EDEVICE;
    }
    const PaDeviceInfo *info = Pa_GetDeviceInfo(id);
    const PaHostApiInfo *api = info ? Pa_GetHostApiInfo(info->hostApi) : NULL;
    snprintf(p->device, sizeof p->device, "%s (%s)", info && info->name ? info->name : "?",
             api && api->name ? api->name : "?");
    if (!info || info->maxOutputChannels < prm->channels) {
        sink_fail(s, "%s has no %d-channel output", p->device, prm->channels);
        return AV_EDEVICE;
    }
    p->rate = prm->rate;
    p->channels = prm->channels;
    err = ring_init(&p->ring, (size_t)(p->ring_seconds * prm->rate), prm->channels);
    if (err) {
        sink_fail(s, "cannot make the audio buffer: %s", av_strerror(err));
        return err;
    }
    if (p->resume_frames > p->ring.frames / 2)
        p->resume_frames = p->ring.frames / 2;
    p->env_step = (float)(1000.0 / (PAUSE_FADE_MS * prm->rate));
    p->skip_step = (float)(1000.0 / (SKIP_FADE_MS * prm->rate));
    p->gain_coef = (float)(1.0 - exp(-1000.0 / (GAIN_SMOOTH_MS * prm->rate)));
    p->cb.env = 1.0f;
    p->cb.gain = gain_of(p);
    p->cb.gap = true;

    PaStreamParameters out = {
        .device = id,
        .channelCount = prm->channels,
        .sampleFormat = paFloat32,
        /* The high default latency: a guided session needs no low
         * latency (the controls act in the callback, so they are heard
         * within one buffer), and a larger buffer survives a busy machine. */
        .suggestedLatency = info->defaultHighOutputLatency,
        .hostApiSpecificStreamInfo = NULL,
    };
    PaError e = Pa_OpenStream(&p->stream, NULL, &out, prm->rate, paFramesPerBufferUnspecified,
                              paNoFlag, pa_callback, p);
    if (e != paNoError) {
        p->stream = NULL;
        const PaHostErrorInfo *h = Pa_GetLastHostErrorInfo();
        if (e == paUnanticipatedHostError && h && h->errorText && h->errorText[0])
            sink_fail(s, "cannot open %s: %s", p->device, h->errorText);
        else
            sink_fail(s, "cannot open %s at %d Hz: %s", p->device, prm->rate, Pa_GetErrorText(e));
        return e == paInvalidSampleRate ? AV_EFORMAT : AV_EDEVICE;
    }
    Pa_SetStreamFinishedCallback(p->stream, pa_finished);
    const PaStreamInfo *si = Pa_GetStreamInfo(p->stream);
    p->latency = si ? si->outputLatency : 0.0;
    p->latency_frames = (int64_t)(p->latency * prm->rate);
    return AV_OK;
}

static bool stream_dead(struct pa_sink *p)
{
    return p->started && !p->stopped &&
           atomic_load_explicit(&p->finished, memory_order_acquire) &&
           !atomic_load_explicit(&p->drained, memory_order_acquire);
}

static int pa_write(struct sink *s, const float *interleaved, size_t frames)
{
    struct pa_sink *p = s->priv;
    const size_t ch = (size_t)p->channels;
    for (;;) {
        size_t k = ring_write(&p->ring, interleaved, frames);
        interleaved += k * ch;
        frames -= k;
        if (frames == 0)
            return AV_OK;
        if (atomic_load_explicit(&p->interrupted, memory_order_acquire)) {
            sink_fail(s, "interrupted");
            return AV_EINTERRUPTED;
        }
        if (atomic_load_explicit(&p->finished, memory_order_acquire)) {
            sink_fail(s, "the sound device stopped");
            return AV_EDEVICE;
        }
        /* Wait for the callback to make room (it cannot signal us: it
         * takes no locks), or for sink_pa_interrupt(). */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += WRITE_WAIT_NS;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_mutex_lock(&p->lock);
        if (!atomic_load_explicit(&p->interrupted, memory_order_acquire))
            pthread_cond_timedwait(&p->cond, &p->lock, &ts);
        pthread_mutex_unlock(&p->lock);
    }
}

static int pa_finish(struct sink *s)
{
    struct pa_sink *p = s->priv;
    if (!atomic_load_explicit(&p->eos, memory_order_relaxed))
        sink_pa_end(s);
    if (!p->started) {
        int err = sink_pa_start(s);
        if (err)
            return err;
    }
    while (!atomic_load_explicit(&p->drained, memory_order_acquire)) {
        if (stream_dead(p) || Pa_IsStreamActive(p->stream) != 1) {
            if (atomic_load_explicit(&p->drained, memory_order_acquire))
                break;
            sink_fail(s, "the sound device stopped before the end");
            return AV_EDEVICE;
        }
        Pa_Sleep(5);
    }
    /* The callback ended the stream; Pa_StopStream() waits for the
     * device's buffer to play out. */
    PaError e = Pa_StopStream(p->stream);
    p->stopped = true;
    atomic_store_explicit(&p->stop_ns, now_ns(), memory_order_relaxed);
    if (e != paNoError && e != paStreamIsStopped) {
        sink_fail(s, "cannot stop %s: %s", p->device, Pa_GetErrorText(e));
        return AV_EDEVICE;
    }
    return AV_OK;
}

static void pa_destroy(struct sink *s)
{
    struct pa_sink *p = s->priv;
    if (!p)
        return;
    if (p->stream) {
        if (p->started && !p->stopped) {
            Pa_AbortStream(p->stream);
            atomic_store_explicit(&p->stop_ns, now_ns(), memory_order_relaxed);
        }
        Pa_CloseStream(p->stream);
    }
    ring_deinit(&p->ring);
    if (p->sync_ok) {
        pthread_cond_destroy(&p->cond);
        pthread_mutex_destroy(&p->lock);
    }
    free(p);
    s->priv = NULL;
}

const struct sink_ops sink_portaudio_ops = {
    .name = "portaudio",
    .create = pa_create,
    .open = pa_open,
    .write = pa_write,
    .finish = pa_finish,
    .destroy = pa_destroy,
};

/* ---- live controls -------------------------------------------------------- */

void sink_pa_set_buffer(struct sink *s, double seconds, size_t resume_frames)
{
    struct pa_sink *p = priv_of(s);
    if (!p || p->stream)
        return;
    if (seconds >= 0.05 && seconds <= 60.0)
        p->ring_seconds = seconds;
    p->resume_frames = resume_frames;
}

int sink_pa_start(struct sink *s)
{
    struct pa_sink *p = priv_of(s);
    if (!p || !p->stream)
        return AV_EINVAL;
    if (p->started)
        return AV_OK;
    atomic_store_explicit(&p->start_ns, now_ns(), memory_order_relaxed);
    PaError e = Pa_StartStream(p->stream);
    if (e != paNoError) {
        sink_fail(s, "cannot start %s: %s", p->device, Pa_GetErrorText(e));
        return AV_EDEVICE;
    }
    p->started = true;
    return AV_OK;
}

void sink_pa_abort(struct sink *s)
{
    struct pa_sink *p = priv_of(s);
    if (!p || !p->stream || !p->started || p->stopped)
        return;
    Pa_AbortStream(p->stream);
    p->stopped = true;
    atomic_store_explicit(&p->stop_ns, now_ns(), memory_order_relaxed);
}

bool sink_pa_failed(struct sink *s)
{
    struct pa_sink *p = priv_of(s);
    if (!p || !p->stream || !p->started || p->stopped)
        return false;
    if (atomic_load_explicit(&p->drained, memory_order_acquire))
        return false;
    return atomic_load_explicit(&p->finished, memory_order_acquire) ||
           Pa_IsStreamActive(p->stream) != 1;
}

size_t sink_pa_space(const struct sink *s)
{
    struct pa_sink *p = priv_of(s);
    return p && p->ring.buf ? ring_space(&p->ring) : 0;
}

void sink_pa_mark(struct sink *s, int64_t frame, unsigned id)
{
    struct pa_sink *p = priv_of(s);
    if (!p)
        return;
    atomic_store_explicit(&p->eos, false, memory_order_relaxed);
    unsigned seq = atomic_load_explicit(&p->mark_seq, memory_order_relaxed);
    atomic_store_explicit(&p->mark_seq, seq + 1, memory_order_relaxed);
    atomic_thread_fence(memory_order_release);
    atomic_store_explicit(&p->mark_pos, ring_write_position(&p->ring), memory_order_relaxed);
    atomic_store_explicit(&p->mark_frame, frame, memory_order_relaxed);
    atomic_store_explicit(&p->mark_id, id, memory_order_relaxed);
    atomic_store_explicit(&p->mark_seq, seq + 2, memory_order_release);
    atomic_store_explicit(&p->drained, false, memory_order_relaxed);
}

void sink_pa_end(struct sink *s)
{
    struct pa_sink *p = priv_of(s);
    if (!p)
        return;
    atomic_store_explicit(&p->eos_pos, ring_write_position(&p->ring), memory_order_relaxed);
    atomic_store_explicit(&p->eos, true, memory_order_release);
}

size_t sink_pa_buffered(const struct sink *s)
{
    struct pa_sink *p = priv_of(s);
    if (!p || !p->ring.buf)
        return 0;
    size_t w = atomic_load_explicit(&p->ring.write_pos, memory_order_acquire);
    size_t r = atomic_load_explicit(&p->ring.read_pos, memory_order_acquire);
    return w - r <= p->ring.frames ? w - r : 0;
}

void sink_pa_set_paused(struct sink *s, bool paused)
{
    struct pa_sink *p = priv_of(s);
    if (p)
        atomic_store_explicit(&p->paused, paused, memory_order_relaxed);
}

void sink_pa_set_gain(struct sink *s, float gain)
{
    struct pa_sink *p = priv_of(s);
    if (!p || !(gain >= 0.0f))
        return;
    if (gain > 4.0f)
        gain = 4.0f;
    uint32_t bits;
    memcpy(&bits, &gain, sizeof bits);
    atomic_store_explicit(&p->gain_bits, bits, memory_order_relaxed);
}

int64_t sink_pa_position(const struct sink *s, unsigned *mark_id)
{
    struct pa_sink *p = priv_of(s);
    if (!p)
        return 0;
    if (mark_id)
        *mark_id = atomic_load_explicit(&p->applied_id, memory_order_acquire);
    int64_t pos = atomic_load_explicit(&p->position, memory_order_relaxed);
    if (atomic_load_explicit(&p->playing, memory_order_relaxed) &&
        !atomic_load_explicit(&p->drained, memory_order_relaxed)) {
        /* What the listener hears lags what the callback took by the
         * device's latency (but never before the last jump). */
        int64_t seg = atomic_load_explicit(&p->seg_start, memory_order_relaxed);
        pos -= p->latency_frames;
        if (pos < seg)
            pos = seg;
    }
    return pos;
}

bool sink_pa_silent(const struct sink *s)
{
    struct pa_sink *p = priv_of(s);
    return p && atomic_load_explicit(&p->silent, memory_order_relaxed);
}

bool sink_pa_drained(const struct sink *s)
{
    struct pa_sink *p = priv_of(s);
    return p && atomic_load_explicit(&p->drained, memory_order_acquire);
}

void sink_pa_interrupt(struct sink *s)
{
    struct pa_sink *p = priv_of(s);
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    atomic_store_explicit(&p->interrupted, true, memory_order_release);
    pthread_cond_broadcast(&p->cond);
    pthread_mutex_unlock(&p->lock);
}

void sink_pa_stats(const struct sink *s, struct sink_pa_stats *st)
{
    memset(st, 0, sizeof(*st));
    struct pa_sink *p = priv_of(s);
    if (!p)
        return;
    snprintf(st->device, sizeof st->device, "%s", p->device);
    st->rate = p->rate;
    st->channels = p->channels;
    st->latency = p->latency;
    st->frames_out = atomic_load_explicit(&p->frames_out, memory_order_relaxed);
    st->first_audio_ns = atomic_load_explicit(&p->first_audio_ns, memory_order_relaxed);
    st->start_ns = atomic_load_explicit(&p->start_ns, memory_order_relaxed);
    st->stop_ns = atomic_load_explicit(&p->stop_ns, memory_order_relaxed);
    st->underruns = atomic_load_explicit(&p->underruns, memory_order_relaxed);
    st->device_underflows = atomic_load_explicit(&p->device_underflows, memory_order_relaxed);
    st->callbacks = atomic_load_explicit(&p->callbacks, memory_order_relaxed);
    st->callback_ns = atomic_load_explicit(&p->callback_ns, memory_order_relaxed);
    st->max_frames = atomic_load_explicit(&p->max_frames, memory_order_relaxed);
}

