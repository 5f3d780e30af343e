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
 * and a lock-free ring (ring.h) between the caller and the stream's
 * callback.  It does not start the stream: a producer thread first fills
 * the ring with sink_write() (which never blocks while the ring has room,
 * and otherwise waits for it), then the controlling thread calls
 * sink_pa_start().  The callback copies the ring to the device, applying
 * the live volume and the pause fade; it plays silence and counts an
 * underrun when the ring runs dry.
 *
 * Positions.  Each frame written belongs to the session frame that
 * follows the last sink_pa_mark() (the first frame written after
 * sink_pa_mark(s, F, ...) is frame F).  sink_pa_mark() also drops every
 * frame queued before it (after a 5 ms fade-out, so a jump never clicks).
 * The callback counts the frames it takes from the ring, so
 * sink_pa_position() is the audio clock: where in the session the sound
 * card is, never derived from wall time.  While paused the callback fades
 * out over 30 ms and then plays silence without taking frames, so the
 * clock stands still.
 *
 * Threads.  sink_write(), sink_pa_space(), sink_pa_mark() and
 * sink_pa_end() belong to ONE producer thread.  sink_open(),
 * sink_pa_start(), sink_pa_abort(), sink_pa_failed(), sink_finish() and
 * sink_destroy() belong to the controlling thread (every PortAudio call is
 * made there), and sink_finish()/sink_destroy() only after the producer has
 * stopped writing.  The other sink_pa_* functions are atomic reads and
 * writes that any thread may call.
 */
#ifndef ASANAVOX_DEVICE_H
#define ASANAVOX_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct sink;

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

/* Producer: frames sink_write() can take now without waiting. */
size_t sink_pa_space(const struct sink *s);

/* Producer: the next frame written is session frame `frame`; frames queued
 * before now are dropped (faded out first).  `id` comes back from
 * sink_pa_position() once the callback has made the jump. */
void sink_pa_mark(struct sink *s, int64_t frame, unsigned id);

/* Producer: nothing more will be written (until the next mark).  The
 * callback plays what is queued, then ends the stream (the device's
 * buffer plays out), and sink_pa_drained() turns true. */
void sink_pa_end(struct sink *s);

/* Any thread: frames queued in the ring. */
size_t sink_pa_buffered(const struct sink *s);

/* Any thread: pause (fade out, then silence; the clock stops) or resume
 * (fade in). */
void sink_pa_set_paused(struct sink *s, bool paused);

/* Any thread: the live gain (linear, 0..4), reached smoothly (20 ms). */
void sink_pa_set_gain(struct sink *s, float gain);

/* Any thread: the session frame being heard now (frames taken from the
 * ring since the last mark, less the device's latency while playing), and
 * the id of the last mark the callback has applied. */
int64_t sink_pa_position(const struct sink *s, unsigned *mark_id);

/* Any thread: paused and faded out to silence. */
bool sink_pa_silent(const struct sink *s);

/* Any thread: everything up to sink_pa_end() has been handed to the
 * device. */
bool sink_pa_drained(const struct sink *s);

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
