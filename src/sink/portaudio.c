/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * portaudio.c — the PortAudio sink (sink.h) and its controls (device.h):
 * glue between a PortAudio output stream and the live-output engine
 * (liveout.h), whose liveout_render() is the whole callback.  Starting
 * PortAudio and finding devices are in pa_devices.c, the silencing of
 * library chatter in pa_quiet.c.
 *
 * Three parties share a `struct pa_sink`:
 *
 *   producer     sink_write() copies mixed frames into the engine, waiting
 *                for room; marks and the end go to the engine directly.
 *   callback     PortAudio's real-time thread: pa_callback() below.
 *   controller   the thread that opened the sink: starts, stops and asks
 *                for the state.  Every PortAudio call is made here.
 *
 * The sink's message (sink_message()) is written by the controller only:
 * a failed sink_write() says why by its return value alone.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <portaudio.h>

#include "asanavox/clock.h"
#include "asanavox/device.h"
#include "asanavox/error.h"
#include "asanavox/liveout.h"
#include "asanavox/thread.h"
#include "sink_internal.h"

#define WRITE_WAIT_NS 5000000L

struct pa_sink {
    PaStream *stream;
    struct liveout *lo;
    int rate, channels;
    double ring_seconds;
    size_t resume_frames;        /* queued before playing on after a jump */
    double latency;
    char device[160];
    bool started, stopped;       /* controller */

    _Atomic bool interrupted;    /* sink_pa_interrupt() */
    _Atomic bool finished;       /* PortAudio says the stream stopped */
    _Atomic int64_t start_ns, stop_ns;

    /* the producer's wait for room (on CLOCK_MONOTONIC) */
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool sync_ok;
};

static struct pa_sink *priv_of(const struct sink *s)
{
    return s && s->ops == &sink_portaudio_ops ? s->priv : NULL;
}

/* REAL-TIME CODE: see liveout_render() for the rules it follows. */
static int pa_callback(const void *input, void *output, unsigned long frames,
                       const PaStreamCallbackTimeInfo *time_info, PaStreamCallbackFlags flags,
                       void *user)
{
    (void)input;
    (void)time_info;
    struct pa_sink *p = user;
    if (flags & paOutputUnderflow)
        liveout_device_underflow(p->lo);
    return liveout_render(p->lo, output, frames) ? paComplete : paContinue;
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
    pthread_condattr_t ca;
    if (pthread_mutex_init(&p->lock, NULL) != 0) {
        free(p);
        return AV_ENOMEM;
    }
    if (pthread_condattr_init(&ca) != 0) {
        pthread_mutex_destroy(&p->lock);
        free(p);
        return AV_ENOMEM;
    }
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    int r = pthread_cond_init(&p->cond, &ca);
    pthread_condattr_destroy(&ca);
    if (r != 0) {
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
    struct liveout_config cfg = {
        .rate = prm->rate,
        .channels = prm->channels,
        .ring_seconds = p->ring_seconds,
        .resume_frames = p->resume_frames,
    };
    err = liveout_create(&cfg, &p->lo);
    if (err) {
        sink_fail(s, "cannot make the audio buffer: %s", av_strerror(err));
        return err;
    }

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
    /* Threads PortAudio starts inherit our mask: block signals (thread.h). */
    sigset_t mask;
    av_signals_block(&mask);
    PaError e = Pa_OpenStream(&p->stream, NULL, &out, prm->rate, paFramesPerBufferUnspecified,
                              paNoFlag, pa_callback, p);
    av_signals_restore(&mask);
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
    liveout_set_latency(p->lo, (int64_t)(p->latency * prm->rate));
    return AV_OK;
}

static bool stream_dead(struct pa_sink *p)
{
    return p->started && !p->stopped &&
           atomic_load_explicit(&p->finished, memory_order_acquire) && !liveout_drained(p->lo);
}

static int pa_write(struct sink *s, const float *interleaved, size_t frames)
{
    struct pa_sink *p = s->priv;
    const size_t ch = (size_t)p->channels;
    for (;;) {
        size_t k = liveout_write(p->lo, interleaved, frames);
        interleaved += k * ch;
        frames -= k;
        if (frames == 0)
            return AV_OK;
        if (atomic_load_explicit(&p->interrupted, memory_order_acquire))
            return AV_EINTERRUPTED;
        if (atomic_load_explicit(&p->finished, memory_order_acquire))
            return AV_EDEVICE;
        /* Wait for the callback to make room (it cannot signal us: it
         * takes no locks), or for sink_pa_interrupt().  The deadline is on
         * the monotonic clock, so a step of the wall clock cannot stall
         * the producer. */
        struct timespec ts = av_deadline_after(WRITE_WAIT_NS);
        pthread_mutex_lock(&p->lock);
        if (!atomic_load_explicit(&p->interrupted, memory_order_acquire))
            pthread_cond_timedwait(&p->cond, &p->lock, &ts);
        pthread_mutex_unlock(&p->lock);
    }
}

static int pa_finish(struct sink *s)
{
    struct pa_sink *p = s->priv;
    liveout_end(p->lo); /* the producer has stopped: nothing follows */
    if (!p->started) {
        int err = sink_pa_start(s);
        if (err)
            return err;
    }
    while (!liveout_drained(p->lo)) {
        if (stream_dead(p) || Pa_IsStreamActive(p->stream) != 1) {
            if (liveout_drained(p->lo))
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
    atomic_store_explicit(&p->stop_ns, av_now_ns(), memory_order_relaxed);
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
            atomic_store_explicit(&p->stop_ns, av_now_ns(), memory_order_relaxed);
        }
        Pa_CloseStream(p->stream);
    }
    liveout_destroy(p->lo);
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

/* ---- controls ------------------------------------------------------------------ */

void sink_pa_set_buffer(struct sink *s, double seconds, size_t resume_frames)
{
    struct pa_sink *p = priv_of(s);
    if (!p || p->stream)
        return;
    if (seconds >= 0.05 && seconds <= 60.0)
        p->ring_seconds = seconds;
    p->resume_frames = resume_frames;
}

struct liveout *sink_pa_engine(struct sink *s)
{
    struct pa_sink *p = priv_of(s);
    return p ? p->lo : NULL;
}

int sink_pa_start(struct sink *s)
{
    struct pa_sink *p = priv_of(s);
    if (!p || !p->stream)
        return AV_EINVAL;
    if (p->started)
        return AV_OK;
    atomic_store_explicit(&p->start_ns, av_now_ns(), memory_order_relaxed);
    sigset_t mask;
    av_signals_block(&mask); /* the audio thread starts here (thread.h) */
    PaError e = Pa_StartStream(p->stream);
    av_signals_restore(&mask);
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
    atomic_store_explicit(&p->stop_ns, av_now_ns(), memory_order_relaxed);
}

bool sink_pa_failed(struct sink *s)
{
    struct pa_sink *p = priv_of(s);
    if (!p || !p->stream || !p->started || p->stopped)
        return false;
    if (liveout_drained(p->lo))
        return false;
    return atomic_load_explicit(&p->finished, memory_order_acquire) ||
           Pa_IsStreamActive(p->stream) != 1;
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
    st->start_ns = atomic_load_explicit(&p->start_ns, memory_order_relaxed);
    st->stop_ns = atomic_load_explicit(&p->stop_ns, memory_order_relaxed);
    if (p->lo) {
        struct liveout_stats ls;
        liveout_stats(p->lo, &ls);
        st->frames_out = ls.frames_out;
        st->first_audio_ns = ls.first_audio_ns;
        st->underruns = ls.underruns;
        st->device_underflows = ls.device_underflows;
        st->callbacks = ls.callbacks;
        st->callback_ns = ls.callback_ns;
        st->max_frames = ls.max_frames;
    }
}
