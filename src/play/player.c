/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * player.c — mixer → live-output engine (liveout.h) → PortAudio, with a
 * producer thread (player.h).
 *
 * Hand-offs between the controller and the producer:
 *   sink_ready  the controller opened the sink (or gave up: quit);
 *   seek_gen    a jump request: seek_target is stored first, then the
 *               generation is bumped with release; the producer compares it
 *               with the last one it handled, and marks the sink with it,
 *               so the controller knows when the callback has made the jump;
 *   quit        stop producing;
 *   done        the producer has returned (err and detail are final).
 * The mutex and condition variable only wake sleepers; the callback never
 * touches them.
 */
#include "asanavox/player.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "asanavox/clock.h"
#include "asanavox/device.h"
#include "asanavox/error.h"
#include "asanavox/liveout.h"
#include "asanavox/mixer.h"
#include "asanavox/sink.h"
#include "asanavox/thread.h"
#include "asanavox/timeline.h"

enum { BLOCK = 4096 };            /* frames per mixer_read() */
#define PRODUCER_WAIT_NS 20000000L /* sleep while the ring is full */
#define JUMP_WAIT_NS 1000000L      /* ... and while the callback makes a jump */
#define STOP_FADE_WAIT_MS 60       /* the pause fade is 30 ms */

struct player {
    const struct timeline *tl;
    struct voice *voice;
    struct player_options o;
    int channels;
    int device_rate;
    struct sink *sink;
    struct liveout *lo;           /* the sink's engine, set before sink_ready */
    struct mixer *mixer;          /* producer's */
    float *buf;                   /* producer's: BLOCK frames */

    pthread_t thread;
    bool thread_ok, joined, stream_started;
    pthread_mutex_t lock;
    pthread_cond_t cond;          /* wakes the producer, or the controller
                                     waiting for the prebuffer */
    bool sync_ok;

    bool sink_ready;              /* under lock */
    _Atomic bool quit;
    _Atomic bool done;
    _Atomic bool ended;           /* the producer has mixed the last frame */
    _Atomic unsigned seek_gen;
    _Atomic int64_t seek_target;
    _Atomic int err;              /* producer's error */
    _Atomic float boost;          /* live gain above 1, for the mixer */
    _Atomic unsigned say_gen;     /* a `t` request: say_text under lock */
    char say_text[256];
    char detail[256];             /* producer's, read after `done` */
    char message[512];            /* controller's */

    _Atomic int64_t mixer_ns, first_block_ns;
    int64_t created_ns, device_ns;
    int64_t silent_ns;            /* player_stop(): the fade reached silence */
    double producer_cpu;          /* written before `done` */
};

void player_options_init(struct player_options *o)
{
    memset(o, 0, sizeof(*o));
    mixer_options_init(&o->mixer);
    o->buffer_seconds = 1.0;
    o->prebuffer_seconds = 0.2;
}

/* Wake the producer (and anyone waiting on the condition). */
static void wake(struct player *p)
{
    pthread_mutex_lock(&p->lock);
    pthread_cond_broadcast(&p->cond);
    pthread_mutex_unlock(&p->lock);
}

/* Sleep on the condition for up to `ns` (monotonic clock). */
static void nap(struct player *p, long ns)
{
    struct timespec ts = av_deadline_after(ns);
    pthread_mutex_lock(&p->lock);
    if (!atomic_load(&p->quit))
        pthread_cond_timedwait(&p->cond, &p->lock, &ts);
    pthread_mutex_unlock(&p->lock);
}

static void producer_fail(struct player *p, int err)
{
    const char *d = p->mixer ? mixer_error_detail(p->mixer) : "";
    snprintf(p->detail, sizeof p->detail, "%s", d[0] ? d : av_strerror(err));
    atomic_store(&p->err, err);
}

/* Mix one block into the ring, or end the stream when the mixer is done.
 * Returns 0 or a mixer or sink error; sets *at_end. */
static int produce(struct player *p, size_t want, bool *at_end)
{
    size_t got = 0;
    int err = mixer_read(p->mixer, p->buf, want, &got);
    if (err)
        return err;
    if (got) {
        err = sink_write(p->sink, p->buf, got);
        if (err)
            return err;
    }
    if (got < want) {
        liveout_end(p->lo);
        *at_end = true;
        atomic_store(&p->ended, true);
    }
    return AV_OK;
}

static void *producer_main(void *arg)
{
    struct player *p = arg;
    struct mixer_options mo = p->o.mixer;
    mo.channels = p->channels;
    size_t first = 0;
    bool at_end = false;
    int err = mixer_create(p->tl, p->voice, &mo, &p->mixer);
    atomic_store(&p->mixer_ns, av_now_ns());
    unsigned handled = atomic_load_explicit(&p->seek_gen, memory_order_acquire);
    int64_t from = atomic_load(&p->seek_target);
    /* The first block is mixed while the controller opens the device. */
    if (!err && from > 0)
        err = mixer_seek(p->mixer, from);
    if (!err)
        err = mixer_read(p->mixer, p->buf, BLOCK, &first);
    atomic_store(&p->first_block_ns, av_now_ns());

    pthread_mutex_lock(&p->lock);
    while (!p->sink_ready && !atomic_load(&p->quit))
        pthread_cond_wait(&p->cond, &p->lock);
    pthread_mutex_unlock(&p->lock);
    if (atomic_load(&p->quit))
        goto out;
    if (err)
        goto fail;
    liveout_mark(p->lo, from, handled);
    if (first)
        err = sink_write(p->sink, p->buf, first);
    if (!err && first < BLOCK) {
        liveout_end(p->lo);
        at_end = true;
        atomic_store(&p->ended, true);
    }
    if (err)
        goto fail;
    wake(p); /* the controller may be waiting for the prebuffer */

    float boost = 1.0f;
    unsigned said = atomic_load(&p->say_gen);
    while (!atomic_load(&p->quit)) {
        unsigned gen = atomic_load_explicit(&p->seek_gen, memory_order_acquire);
        /* The boost is stored before the seek that makes it heard. */
        float want = atomic_load(&p->boost);
        if (want != boost) {
            boost = want;
            mixer_set_live_gain(p->mixer, boost);
        }
        unsigned sg = atomic_load(&p->say_gen);
        if (sg != said) {
            char text[sizeof p->say_text];
            pthread_mutex_lock(&p->lock);
            memcpy(text, p->say_text, sizeof text);
            pthread_mutex_unlock(&p->lock);
            said = sg;
            /* Synthesize, then mix it from where the listener is now:
             * jump there, so it is heard at once, not after the ring. */
            int64_t at = player_position(p);
            if (mixer_say_over(p->mixer, text, at) == AV_OK && !at_end) {
                atomic_store(&p->seek_target, at);
                atomic_fetch_add_explicit(&p->seek_gen, 1, memory_order_release);
            }
            continue;
        }
        if (gen != handled) {
            int64_t target = atomic_load(&p->seek_target);
            handled = gen;
            err = mixer_seek(p->mixer, target);
            if (err)
                goto fail;
            liveout_mark(p->lo, target, gen);
            at_end = false;
            continue;
        }
        if (at_end) {
            if (liveout_drained(p->lo))
                break;
        } else if (liveout_space(p->lo) >= BLOCK) {
            err = produce(p, BLOCK, &at_end);
            if (err)
                goto fail;
            wake(p);
            continue;
        }
        /* The ring is full.  Right after a mark it is full of audio the
         * callback is about to drop: look again soon. */
        unsigned applied;
        liveout_position(p->lo, &applied);
        nap(p, applied != handled ? JUMP_WAIT_NS : PRODUCER_WAIT_NS);
    }
    goto out;
fail:
    if (err != AV_EINTERRUPTED)
        producer_fail(p, err);
out:;
    struct timespec cpu;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu) == 0)
        p->producer_cpu = (double)cpu.tv_sec + (double)cpu.tv_nsec / 1e9;
    atomic_store_explicit(&p->done, true, memory_order_release);
    wake(p);
    return NULL;
}

static void join_producer(struct player *p)
{
    if (!p->thread_ok || p->joined)
        return;
    atomic_store(&p->quit, true);
    if (p->sink)
        sink_pa_interrupt(p->sink);
    wake(p);
    pthread_join(p->thread, NULL);
    p->joined = true;
}

int player_create(const struct timeline *tl, struct voice *voice, const struct player_options *o,
                  struct player **out)
{
    *out = NULL;
    struct player_options def;
    if (!o) {
        player_options_init(&def);
        o = &def;
    }
    if (!tl || tl->rate <= 0 || o->channels < 0 || o->channels > 2 || o->from < 0 ||
        !(o->buffer_seconds >= 0.1 && o->buffer_seconds <= 60.0) ||
        !(o->prebuffer_seconds >= 0.0 && o->prebuffer_seconds < o->buffer_seconds))
        return AV_EINVAL;
    struct player *p = calloc(1, sizeof(*p));
    if (!p)
        return AV_ENOMEM;
    p->created_ns = av_now_ns();
    p->tl = tl;
    p->voice = voice;
    p->o = *o;
    p->o.from = o->from < tl->duration ? o->from : tl->duration;
    /* Mark 1 is the start (see player_position()). */
    atomic_init(&p->seek_gen, 1);
    atomic_init(&p->seek_target, p->o.from);
    atomic_init(&p->boost, 1.0f);
    *out = p;
    int err = AV_OK;
    p->buf = malloc((size_t)BLOCK * 2 * sizeof(float));
    if (!p->buf)
        return AV_ENOMEM;
    if (pthread_mutex_init(&p->lock, NULL) != 0)
        return AV_ENOMEM;
    pthread_condattr_t ca;
    if (pthread_condattr_init(&ca) != 0) {
        pthread_mutex_destroy(&p->lock);
        return AV_ENOMEM;
    }
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    if (pthread_cond_init(&p->cond, &ca) != 0) {
        pthread_condattr_destroy(&ca);
        pthread_mutex_destroy(&p->lock);
        return AV_ENOMEM;
    }
    pthread_condattr_destroy(&ca);
    p->sync_ok = true;

    /* Which device, and how many channels it gets. */
    char msg[256];
    int id;
    err = audio_find_device(o->device, &id, msg, sizeof msg);
    if (err) {
        snprintf(p->message, sizeof p->message, "%s", msg);
        return AV_EDEVICE;
    }
    struct audio_device *devs;
    size_t n;
    int dev_channels = 2;
    if (audio_devices(&devs, &n) == AV_OK) {
        for (size_t i = 0; i < n; i++) {
            if (devs[i].id == id) {
                dev_channels = devs[i].channels;
                p->device_rate = (int)devs[i].rate;
            }
        }
        free(devs);
    }
    p->channels = o->channels ? o->channels : (dev_channels >= 2 ? 2 : 1);

    /* The producer creates the mixer and mixes the first block meanwhile. */
    if (av_thread_create(&p->thread, producer_main, p) != 0)
        return AV_ENOMEM;
    p->thread_ok = true;

    err = sink_create(&sink_portaudio_ops, &p->sink);
    if (!err) {
        sink_pa_set_buffer(p->sink, o->buffer_seconds,
                           (size_t)(o->prebuffer_seconds * tl->rate));
        char spec[16];
        snprintf(spec, sizeof spec, "%d", id);
        struct sink_params sp = {
            .rate = tl->rate, .channels = p->channels, .format = SINK_FORMAT_WAV,
            .frames = tl->duration - p->o.from};
        err = sink_open(p->sink, spec, &sp);
        if (err)
            snprintf(p->message, sizeof p->message, "%s", sink_message(p->sink));
        else
            p->lo = sink_pa_engine(p->sink);
    }
    p->device_ns = av_now_ns();
    if (err) {
        join_producer(p);
        return err == AV_EFORMAT ? AV_EFORMAT : (err == AV_ENOMEM ? AV_ENOMEM : AV_EDEVICE);
    }
    pthread_mutex_lock(&p->lock);
    p->sink_ready = true;
    pthread_cond_broadcast(&p->cond);
    pthread_mutex_unlock(&p->lock);
    return AV_OK;
}

int player_device_rate(const struct player *p)
{
    return p ? p->device_rate : 0;
}

int player_start(struct player *p)
{
    const size_t pre = p->o.prebuffer_seconds * p->tl->rate >= 1.0
                           ? (size_t)(p->o.prebuffer_seconds * p->tl->rate)
                           : 1;
    const size_t remaining = (size_t)(p->tl->duration - p->o.from);
    pthread_mutex_lock(&p->lock);
    for (;;) {
        size_t have = liveout_buffered(p->lo);
        /* Start with the prebuffer queued, or the whole rest of a short
         * session (its length is not known yet while it is streamed from
         * the compile: then when the producer has mixed its end), or when
         * the producer has stopped (an error). */
        if (atomic_load(&p->done) || have >= pre || atomic_load(&p->ended) ||
            (atomic_load(&p->first_block_ns) && have >= remaining))
            break;
        struct timespec ts = av_deadline_after(1000000L);
        pthread_cond_timedwait(&p->cond, &p->lock, &ts);
    }
    pthread_mutex_unlock(&p->lock);
    int err = atomic_load(&p->err);
    if (err) {
        snprintf(p->message, sizeof p->message, "%s", p->detail);
        return err;
    }
    err = sink_pa_start(p->sink);
    if (err) {
        snprintf(p->message, sizeof p->message, "%s", sink_message(p->sink));
        return err;
    }
    p->stream_started = true;
    return AV_OK;
}

enum player_state player_poll(struct player *p)
{
    if (atomic_load_explicit(&p->done, memory_order_acquire) && atomic_load(&p->err)) {
        snprintf(p->message, sizeof p->message, "%s", p->detail);
        return PLAYER_FAILED;
    }
    if (p->lo && liveout_drained(p->lo))
        return PLAYER_ENDED;
    if (p->stream_started && sink_pa_failed(p->sink)) {
        /* (Not sink_message(): the producer may be writing it.) */
        snprintf(p->message, sizeof p->message,
                 "the sound device stopped (unplugged, or taken by another program?)");
        return PLAYER_FAILED;
    }
    return PLAYER_PLAYING;
}

int player_error(const struct player *p)
{
    int err = atomic_load(&p->err);
    if (err)
        return err;
    return p->stream_started && sink_pa_failed(p->sink) ? AV_EDEVICE : 0;
}

int64_t player_position(const struct player *p)
{
    unsigned applied = 0;
    int64_t pos = p->lo ? liveout_position(p->lo, &applied) : 0;
    unsigned asked = atomic_load_explicit(&p->seek_gen, memory_order_acquire);
    if (applied != asked)
        pos = atomic_load(&p->seek_target);
    if (pos < 0)
        pos = 0;
    if (pos > p->tl->duration)
        pos = p->tl->duration;
    return pos;
}

void player_seek(struct player *p, int64_t frame)
{
    if (frame < 0)
        frame = 0;
    if (frame > p->tl->duration)
        frame = p->tl->duration;
    atomic_store(&p->seek_target, frame);
    atomic_fetch_add_explicit(&p->seek_gen, 1, memory_order_release);
    wake(p);
}

void player_set_paused(struct player *p, bool paused)
{
    if (p->lo)
        liveout_set_paused(p->lo, paused);
}

void player_set_gain(struct player *p, float gain)
{
    if (!p->lo)
        return;
    /* At most 1 in the callback (after the limiter); above that, in the
     * mixer before the limiter, made heard at once by mixing again from
     * the position heard now. */
    liveout_set_gain(p->lo, gain < 1.0f ? gain : 1.0f);
    float boost = gain > 1.0f ? gain : 1.0f;
    if (boost != atomic_load(&p->boost)) {
        atomic_store(&p->boost, boost);
        player_seek(p, player_position(p));
    }
}

void player_say(struct player *p, const char *text)
{
    pthread_mutex_lock(&p->lock);
    snprintf(p->say_text, sizeof p->say_text, "%s", text);
    pthread_mutex_unlock(&p->lock);
    atomic_fetch_add(&p->say_gen, 1);
    wake(p);
}

void player_stop(struct player *p)
{
    if (!p)
        return;
    if (p->stream_started && p->sink) {
        /* Fade out (the pause envelope), then stop the stream. */
        liveout_set_paused(p->lo, true);
        for (int ms = 0; ms < STOP_FADE_WAIT_MS && !liveout_silent(p->lo) &&
                         !liveout_drained(p->lo) && !sink_pa_failed(p->sink);
             ms += 1) {
            struct timespec ts = {0, 1000000L};
            nanosleep(&ts, NULL);
        }
        p->silent_ns = av_now_ns();
        sink_pa_abort(p->sink);
    }
    join_producer(p);
}

int player_finish(struct player *p)
{
    join_producer(p);
    if (!p->stream_started)
        return AV_OK;
    int err = sink_finish(p->sink);
    if (err)
        snprintf(p->message, sizeof p->message, "%s", sink_message(p->sink));
    return err;
}

void player_stats(const struct player *p, struct player_stats *st)
{
    memset(st, 0, sizeof(*st));
    if (!p)
        return;
    sink_pa_stats(p->sink, &st->sink);
    st->created_ns = p->created_ns;
    st->mixer_ns = atomic_load(&p->mixer_ns);
    st->first_block_ns = atomic_load(&p->first_block_ns);
    st->device_ns = p->device_ns;
    st->silent_ns = p->silent_ns;
    if (atomic_load_explicit(&p->done, memory_order_acquire))
        st->producer_cpu = p->producer_cpu;
}

const char *player_message(const struct player *p)
{
    return p ? p->message : "";
}

void player_destroy(struct player *p)
{
    if (!p)
        return;
    if (p->sync_ok) {
        player_stop(p);
        join_producer(p);
    }
    sink_destroy(p->sink);
    mixer_destroy(p->mixer);
    if (p->sync_ok) {
        pthread_cond_destroy(&p->cond);
        pthread_mutex_destroy(&p->lock);
    }
    free(p->buf);
    free(p);
}
