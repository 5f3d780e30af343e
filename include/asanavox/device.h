/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * device.h — sound output through PortAudio: starting PortAudio quietly,
 * listing and choosing output devices, and the live controls of the
 * PortAudio sink (sink_portaudio_ops in sink.h).
 *
 * Quiet: ALSA and JACK print to stderr while PortAudio probes them ("ALSA
 * lib ... cannot find card '0'", "jack server is not running").
 * audio_open() installs do-nothing error handlers in both libraries (looked
 * up at run time, so asanavox does not link them itself) before
 * Pa_Initialize(); failures are reported by asanavox in one line instead.
 * The handlers stay for the life of the process.
 *
 * The PortAudio sink.  sink_open(s, DEVICE, params) opens an output stream
 * on DEVICE (see audio_find_device(); NULL or "" is the default output)
 * and a live-output engine (liveout.h) whose liveout_render() is the
 * stream's callback.  It does not start the stream: a producer thread
 * first fills the engine with sink_write() (which never blocks while the
 * ring has room, and otherwise waits for it), then the controlling thread
 * calls sink_pa_start().  Marks, the end, pause, gain and the audio clock
 * are the engine's (sink_pa_engine()); this header has what needs
 * PortAudio.
 *
 * Threads.  sink_write() belongs to ONE producer thread (with the
 * engine's producer functions).  sink_open(), sink_pa_start(),
 * sink_pa_abort(), sink_pa_failed(), sink_finish() and sink_destroy()
 * belong to the controlling thread (every PortAudio call is made there),
 * and sink_finish()/sink_destroy() only after the producer has stopped
 * writing.  sink_pa_interrupt(), sink_pa_engine() and sink_pa_stats() may
 * be called from any thread.  Only the controlling thread writes the
 * sink's message.
 */
#ifndef ASANAVOX_DEVICE_H
#define ASANAVOX_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct sink;
struct liveout;

/* Start PortAudio with the chatter of ALSA and JACK silenced.  Any thread,
 * but not at the same time as any other PortAudio use.  Returns 0, or
 * AV_EDEVICE with the reason in msg. */
int audio_open(char *msg, size_t size);

/* Stop PortAudio (after every stream is closed).  Same thread rules. */
void audio_close(void);

/* PortAudio's ALSA code also prints its own diagnostics with fprintf(stderr)
 * when an ALSA call fails, from whichever thread ("Expression '...' failed
 * in 'src/hostapi/alsa/pa_linux_alsa.c', line: 3502"), both while it probes
 * devices and when a device fails mid-stream.  audio_quiet_stderr() puts a
 * filter in front of stderr that drops those lines (and any ALSA or JACK
 * chatter that got past the handlers) and writes everything else to file
 * descriptor 2 at once, so nothing else is held back or lost if the process
 * dies.  Call it before PortAudio starts and before other threads write to
 * stderr; audio_unquiet_stderr() puts the old stream back once those
 * threads are gone.  With glibc only (stderr is an assignable variable
 * there, and fopencookie() exists); elsewhere both do nothing.  Returns
 * the old stream, or NULL when nothing was changed. */
FILE *audio_quiet_stderr(void);
void audio_unquiet_stderr(FILE *old);

struct audio_device {
    int id;             /* what --device takes */
    char name[128];
    char api[32];       /* host API: "ALSA", "JACK Audio Connection Kit", ... */
    int channels;       /* output channels */
    double rate;        /* default sample rate */
    bool is_default;    /* the default output */
};

/* The output devices, in PortAudio's order, in a malloc'd array (free()).
 * After audio_open().  Returns 0 or AV_ENOMEM (*n = 0 and *list = NULL
 * when there are none). */
int audio_devices(struct audio_device **list, size_t *n);

/* Choose an output device: NULL or "" is the default output; digits are a
 * device id; anything else is a name, matched exactly (ignoring case) or
 * else as part of exactly one device's name.  Returns 0 with *id, or
 * AV_ENOENT / AV_EINVAL (ambiguous) with one line in msg. */
int audio_find_device(const char *spec, int *id, char *msg, size_t size);

/* ---- the PortAudio sink's live controls --------------------------------- */

/* Before sink_open(): the ring's size in seconds of audio (default 1.0),
 * and how many frames must be queued before the callback plays on after a
 * jump (default 0; at most the ring's size), so that the first block after
 * a jump is not played before the next one exists.  Waiting for them is
 * silence, not an underrun. */
void sink_pa_set_buffer(struct sink *s, double seconds, size_t resume_frames);

/* Start the stream (controlling thread).  Returns 0 or AV_EDEVICE. */
int sink_pa_start(struct sink *s);

/* Stop the sound now, dropping what is queued (controlling thread). */
void sink_pa_abort(struct sink *s);

/* True when the stream stopped on its own before the end: the device was
 * lost or failed (controlling thread). */
bool sink_pa_failed(struct sink *s);

/* Any thread, after sink_open(): the sink's live-output engine (marks,
 * end, pause, gain, clock: liveout.h), owned by the sink; NULL before. */
struct liveout *sink_pa_engine(struct sink *s);

/* Any thread: make a sink_write() that waits for room return
 * AV_EINTERRUPTED now, and every later one at once. */
void sink_pa_interrupt(struct sink *s);

struct sink_pa_stats {
    char device[160];        /* "default (ALSA)" */
    int rate, channels;
    double latency;          /* output latency PortAudio reports, seconds */
    int64_t frames_out;      /* frames handed to PortAudio (silence too) */
    int64_t first_audio_ns;  /* CLOCK_MONOTONIC when the first frame from
                                the ring was handed over, or 0 */
    int64_t start_ns, stop_ns; /* stream started, stopped (0 if not yet) */
    unsigned underruns;      /* callbacks that found the ring dry */
    unsigned device_underflows; /* PortAudio's output underflow flags */
    int64_t callbacks;
    int64_t callback_ns;     /* time spent in the callback */
    int max_frames;          /* largest callback buffer */
};

/* Any thread: the counters so far. */
void sink_pa_stats(const struct sink *s, struct sink_pa_stats *st);

#endif
