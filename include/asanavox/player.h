/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * player.h — a timeline played live: mixer → ring → PortAudio.
 *
 *     controller thread          producer thread            audio callback
 *     (keys, status)             (owns the mixer)           (real time)
 *     player_seek()  ──request──▶ mixer_seek()
 *                                sink_pa_mark() ──────────▶ fade out, jump
 *                                mixer_read() → sink_write() ─ring─▶ device
 *     player_position() ◀──────────────── audio clock (frames taken) ──┘
 *
 * player_create() opens the device and starts the producer, which creates
 * the mixer (mixer.h: it measures no clip before the mix approaches it),
 * seeks to `from` and fills the ring; player_start() waits for a short prebuffer and
 * starts the stream, so the first sound comes as soon as the first block
 * is mixed.  The producer then keeps the ring full, waking every 20 ms;
 * memory is the ring's (1 s by default) plus the mixer's bounded cache,
 * whatever the length of the session.
 *
 * Seeking (next, previous, --from) is mixer_seek() on the producer thread
 * and a mark in the sink: the callback fades out what was queued (5 ms) and
 * the mixer fades the new position in.  Pause and the live volume act in
 * the callback, so they are heard within one device buffer; pausing fades
 * out over 30 ms and stops the audio clock.
 *
 * The mixer synthesizes speech on the producer thread: while a player
 * exists, the voice is its producer's (espeak-ng is single-threaded).
 * Everything here is called from one controlling thread, which also made
 * the audio_open() call (device.h).
 */
#ifndef ASANAVOX_PLAYER_H
#define ASANAVOX_PLAYER_H

#include <stdbool.h>
#include <stdint.h>

#include "asanavox/device.h"
#include "asanavox/mixer.h"

struct timeline;
struct voice;
struct player;

struct player_options {
    const char *device;          /* NULL: the default output (device.h) */
    int channels;                /* 1 or 2; 0: stereo, mono on a mono device */
    struct mixer_options mixer;  /* its channels field is ignored */
    int64_t from;                /* session frame to start at */
    double buffer_seconds;       /* the ring; default 1.0 */
    double prebuffer_seconds;    /* queued before the stream starts; default 0.2 */
};

/* Defaults as above, mixer_options_init() for the mixer. */
void player_options_init(struct player_options *o);

/* Open the device and start the producer.  `tl` and `voice` must outlive
 * the player.  Returns 0; AV_EDEVICE (no such device, no device at all,
 * or it failed to open: player_message() says why); AV_EFORMAT when the
 * device does not play tl->rate (player_device_rate() tells the device's
 * own rate, to compile again at); AV_EINVAL; AV_ENOMEM.  On failure *out is
 * still set when a player was made, for player_message() and
 * player_destroy(). */
int player_create(const struct timeline *tl, struct voice *voice, const struct player_options *o,
                  struct player **out);

/* The default rate of the device the player tried to open, or 0. */
int player_device_rate(const struct player *p);

/* Wait for the prebuffer and start the sound.  Returns 0, a mixer error
 * (AV_EVOICE, AV_ESOUND, AV_ENOMEM...; player_message() names the clip)
 * or AV_EDEVICE. */
int player_start(struct player *p);

enum player_state {
    PLAYER_PLAYING,  /* (or paused) */
    PLAYER_ENDED,    /* everything was handed to the device */
    PLAYER_FAILED,   /* the device was lost or the mixer failed; see
                        player_message() and player_error() */
};

/* Where things stand.  Cheap: atomics, plus one PortAudio query. */
enum player_state player_poll(struct player *p);

/* The error behind PLAYER_FAILED (AV_EDEVICE or a mixer error), else 0. */
int player_error(const struct player *p);

/* The session frame being heard (the audio clock), or the target of a
 * jump that has been asked for and not made yet. */
int64_t player_position(const struct player *p);

/* Jump to `frame` (clamped to the session). */
void player_seek(struct player *p, int64_t frame);

/* Pause (fade out, clock stops) or resume (fade in). */
void player_set_paused(struct player *p, bool paused);

/* Live gain, linear (transport_gain()).  Up to 1 it acts in the callback
 * (heard within one device buffer); above 1 the mixer applies the rest
 * before its limiter (mixer_set_live_gain()), so no sample clips at any
 * volume: the player mixes again from the position heard now. */
void player_set_gain(struct player *p, float gain);

/* Say `text` over the session from the position heard now, ducking it
 * (mixer_say_over(); synthesized on the producer thread, then mixed again
 * from there so it is heard at once).  Failures are silent: the session
 * plays on. */
void player_say(struct player *p, const char *text);

/* Stop now: fade out (at most ~50 ms), stop the stream, stop the producer.
 * Safe in any state. */
void player_stop(struct player *p);

/* After PLAYER_ENDED: stop the producer and let the device play out what
 * it holds.  Returns 0 or AV_EDEVICE. */
int player_finish(struct player *p);

struct player_stats {
    struct sink_pa_stats sink;
    int64_t created_ns;       /* player_create() called (CLOCK_MONOTONIC) */
    int64_t mixer_ns;         /* mixer created */
    int64_t first_block_ns;   /* first block mixed */
    int64_t device_ns;        /* device opened */
    int64_t silent_ns;        /* player_stop(): the fade-out was complete */
    double producer_cpu;      /* seconds of CPU the producer thread used */
};

/* Counters so far (producer_cpu once the producer has stopped). */
void player_stats(const struct player *p, struct player_stats *st);

/* One line saying what went wrong, or "". */
const char *player_message(const struct player *p);

/* Stop everything and free.  Accepts NULL. */
void player_destroy(struct player *p);

#endif
