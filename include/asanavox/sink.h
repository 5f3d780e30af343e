/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sink.h — where mixed blocks go: a file, nothing, or (later) a device.
 *
 * A sink is a table of functions (struct sink_ops, like mpv's audio
 * outputs) plus the state it creates; both are private to src/sink.
 * The life of a sink:
 *
 *     sink_create(&sink_file_ops, &s);
 *     sink_open(s, "out.wav", &params);    // the target is chosen here
 *     sink_write(s, frames, n); ...        // interleaved float, -1..1
 *     sink_finish(s);                      // make the result visible
 *     sink_destroy(s);                     // without finish: discard
 *
 * When anything fails, sink_message() says why in one line ("cannot write
 * out.wav: No space left on device"), and sink_destroy() removes whatever
 * the sink had started (the file sink's temporary file).
 *
 * The file sink writes Ogg Vorbis, Opus and MP3 with libsndfile, FLAC with
 * libFLAC, and WAV
 * (16-bit PCM, the same canonical 44-byte header libsndfile writes, with
 * LIST/INFO before the data and the chapters after it) itself, front to
 * back, the header last when params.frames is -1; the format
 * comes from the target's extension (see sink_format_from_path()).  A
 * regular file (or a name that does not exist yet) is written atomically:
 * to a temporary file in the same directory (for WAV reserved in full at
 * open, so a disk too small fails there, and written with O_DIRECT where
 * the file system allows), flushed with fsync() and renamed over the target
 * by sink_finish(); until then the target is untouched, and a failure
 * leaves no file behind.  A target that exists and is not a regular file
 * ("-" for standard output, a pipe, a device) is streamed to directly and
 * never replaced; MP3 is then constant bit rate, so its length can be
 * read.  Output is deterministic: the same samples give the same bytes (the
 * Ogg stream serial number, random in libsndfile, is fixed).
 *
 * The null sink accepts and drops everything (tests, benchmarks).  A
 * PortAudio sink for `play` fits the same table.
 *
 * Threads.  A file or null sink is used by one thread at a time.  The
 * PortAudio sink is shared by a producer (sink_write()) and a controlling
 * thread (everything else); device.h says which call belongs to which,
 * and only the controlling thread writes its message.  Functions return 0
 * or an av_error:
 * AV_EINVAL, AV_ENOMEM, AV_EIO (open, write, flush or rename failed; see
 * sink_message()), AV_EFORMAT (no such output format here), AV_EDEVICE.
 */
#ifndef ASANAVOX_SINK_H
#define ASANAVOX_SINK_H

#include <stddef.h>
#include <stdint.h>

enum sink_format {
    SINK_FORMAT_WAV,   /* 16-bit PCM */
    SINK_FORMAT_FLAC,  /* 16-bit */
    SINK_FORMAT_OGG,   /* Vorbis */
    SINK_FORMAT_MP3,   /* MPEG layer III */
    SINK_FORMAT_OPUS,  /* Opus in Ogg: 8000, 12000, 16000, 24000 or 48000 Hz */
};

struct tags;

struct sink_params {
    int rate;                 /* frames per second */
    int channels;             /* 1 or 2 */
    enum sink_format format;  /* file sinks only */
    int64_t frames;           /* total frames that will be written, or -1:
                                 a WAV file then keeps its first 2 MiB
                                 (the header) back, to write them last with
                                 the length filled in */
};

/* A sink is opaque: its state and the sink_ops table are in
 * src/sink/sink_internal.h. */
struct sink;
struct sink_ops;

extern const struct sink_ops sink_file_ops;
extern const struct sink_ops sink_null_ops;
/* Live output through PortAudio; its controls are in device.h. */
extern const struct sink_ops sink_portaudio_ops;

/* Create a sink of the given kind.  Returns 0 or AV_ENOMEM. */
int sink_create(const struct sink_ops *ops, struct sink **out);

/* File sinks: the title, album... and chapters (tags.h) to write into the
 * file, each format in its own way (file.c); NULL for none.  Call before
 * sink_open(); the caller keeps `t` until sink_open() returns.  For WAV,
 * whose chapters follow the data, it may be called again before
 * sink_finish() with tags that differ only in their chapters (a file
 * opened with params.frames -1 before its session was laid out); the
 * caller then keeps `t` until sink_finish() returns.  Other sinks ignore
 * them. */
void sink_set_tags(struct sink *s, const struct tags *t);

/* Open the sink on `target` with `p`.  Returns 0, AV_EINVAL (bad params,
 * or standard output is a terminal), AV_EFORMAT or AV_EIO. */
int sink_open(struct sink *s, const char *target, const struct sink_params *p);

/* Write `frames` interleaved frames (frames * channels floats).  Samples
 * beyond -1..1 are clipped.  Returns 0 or AV_EIO (disk full, file too
 * large, broken pipe...), or AV_EFORMAT when a WAV file opened with
 * params.frames -1 would pass the 4 GiB a WAV file can hold (sink_finish()
 * too, counting the chapters). */
int sink_write(struct sink *s, const float *interleaved, size_t frames);

/* Write `frames` frames given as one channel that every channel carries
 * (the mixer's output is the same on all channels): the same result as
 * sink_write() of the frames copied to each channel, for less work.
 * Returns as sink_write(). */
int sink_write_mono(struct sink *s, const float *mono, size_t frames);

/* Finish: flush, close and (file sink) rename into place.  Returns 0 or
 * AV_EIO; on failure nothing is left at the target. */
int sink_finish(struct sink *s);

/* Free the sink; if it was opened and not finished, discard the output
 * (the temporary file is removed).  Accepts NULL. */
void sink_destroy(struct sink *s);

/* Why the last call failed, one line without a newline; "" if it did not. */
const char *sink_message(const struct sink *s);

/* The format for a path from its extension (case-insensitive): .wav,
 * .flac, .ogg (also .oga), .opus, .mp3.  Returns 0 or AV_EFORMAT. */
int sink_format_from_path(const char *path, enum sink_format *out);

/* The format named "wav", "flac", "ogg", "opus" or "mp3" (any case).
 * Returns 0 or AV_EFORMAT. */
int sink_format_from_name(const char *name, enum sink_format *out);

/* "wav", "flac", "ogg", "mp3", "opus". */
const char *sink_format_name(enum sink_format f);

/* Whether libsndfile here can write the format (mp3 needs libsndfile
 * 1.1 built with LAME). */
int sink_format_available(enum sink_format f);

#endif
