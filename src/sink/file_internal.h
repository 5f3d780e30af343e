/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * file_internal.h — the state of the file sink (file.c) and the parts it
 * is made of, each in a file of its own:
 *
 *   file.c         the sink: open, write, finish, destroy; formats
 *   file_atomic.c  the temporary file next to the target and the rename
 *   file_vio.c     libsndfile virtual I/O (errno of our writes, writeback)
 *   ogg_serial.c   Ogg pages rewritten with a fixed serial number and CRC
 *   wav_writer.c   WAV written here: aligned buffers, O_DIRECT, its thread
 *
 * A file sink is used by one thread (the one writing); the WAV writer's
 * own thread touches only what struct wav_io hands it.
 */
#ifndef ASANAVOX_SINK_FILE_INTERNAL_H
#define ASANAVOX_SINK_FILE_INTERNAL_H

#include <sndfile.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sink_internal.h"

enum mode { MODE_ATOMIC, MODE_STREAM };

struct ogg_fix;
struct ogg_tags;
struct wav_io;
struct flac_out;

struct file_sink {
    int fd;
    bool close_fd;
    enum mode mode;
    char *target;
    char *tmp;             /* temporary file while it exists, else NULL */
    SNDFILE *sf;
    bool raw_wav;          /* WAV written here, not by libsndfile */
    bool use_short;        /* WAV and FLAC: 16-bit conversion here */
    /* the WAV writer: samples gather in an aligned buffer */
    unsigned char *wbuf;
    size_t wlen;           /* bytes in wbuf */
    off_t woff;            /* file offset of wbuf[0] (atomic mode) */
    int dfd;               /* O_DIRECT descriptor of the temp file, or -1 */
    int64_t wframes;       /* frames written */
    unsigned char *wspare; /* the other buffer, while wio writes one */
    struct wav_io *wio;    /* background writes (atomic mode), or NULL */
    struct ogg_fix *ogg;
    sf_count_t vpos, vlen; /* virtual I/O position and length */
    off_t flushed;         /* bytes before this are being written back */
    int io_err;            /* errno of the first failed write, seek or read */
    int16_t *ibuf;
    size_t ibuf_cap;
    unsigned char *wmeta;  /* WAV: LIST/INFO, before "data" (tags_wav_info()) */
    size_t wmeta_len;
    size_t wtrail_len;     /* WAV: the chapters' length (after "data") as
                              the header says at open */
    bool whold;            /* WAV, length unknown: keep the first piece */
    unsigned char *whead;  /* that first piece, kept until wav_finish() */
    off_t vbase;           /* MP3: libsndfile's offset 0 is here, after our ID3v2 tag */
    struct flac_out *flac; /* FLAC: the libFLAC writer (sink_tags.h) */
};

/* Little-endian 32-bit store. */
static inline void put_le32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

/* ---- file.c ---- */

/* write(2) all of it, again after EINTR.  Returns 0 or an errno value. */
int file_write_all(int fd, const void *data, size_t n);

/* "cannot write TARGET: strerror(e)" into the sink's message; AV_EIO. */
int file_fail_errno(struct sink *s, const char *target, int e);

/* ---- file_atomic.c ---- */

/* Create the temporary file next to `target` (fs->tmp, fs->fd).  Returns 0,
 * AV_ENOMEM or AV_EIO (with the sink's message set). */
int file_make_temp(struct sink *s, struct file_sink *fs, const char *target);

/* fsync() and close the temporary file, rename it over the target and make
 * the rename durable.  Returns 0 or AV_EIO (message set); the temporary
 * file is then still named in fs->tmp for file_destroy() to remove. */
int file_commit(struct sink *s, struct file_sink *fs);

/* ---- file_vio.c ---- */

/* libsndfile's virtual I/O over fs->fd (user data: the file_sink). */
extern const SF_VIRTUAL_IO file_vio;

/* ---- ogg_serial.c ---- */

/* A page collector; NULL when out of memory.  With `tags` (which it then
 * owns, may be NULL) complete pages go through ogg_tags_page() first
 * (sink_tags.h). */
struct ogg_fix *ogg_fix_create(struct ogg_tags *tags);

/* Free the collector and its tag filter; accepts NULL. */
void ogg_fix_destroy(struct ogg_fix *o);

/* Collect bytes into pages; write each complete page to fd with the
 * serial number SINK_OGG_SERIAL and its CRC recomputed.  Returns 0 or an
 * errno value. */
int ogg_feed(struct ogg_fix *o, int fd, const unsigned char *data, size_t n);

/* Whether a partial page is waiting (the stream ended mid-page), or the
 * tag filter has not seen all the header pages. */
bool ogg_fix_partial(const struct ogg_fix *o);

/* ---- wav_writer.c ---- */

/* Start a WAV file: buffers, the O_DIRECT descriptor, space reserved, the
 * header (with LIST/INFO fs->wmeta between "fmt " and "data", the RIFF
 * size counting fs->wtrail_len bytes of chapters after the data), the
 * writer thread.  With p->frames -1 on a file, the first piece is kept
 * back and written by wav_finish() with the sizes filled in.  Returns 0
 * or an errno value. */
int wav_open(struct file_sink *fs, const struct sink_params *p);

/* Convert and append `n` samples.  Returns 0 or an errno value. */
int wav_write(struct file_sink *fs, const float *in, size_t n);

/* Append `frames` frames of one channel as two identical channels. */
int wav_write_dup2(struct file_sink *fs, const float *in, size_t frames);

/* Write out the buffer (full, or the last piece when `last`). */
int wav_flush(struct file_sink *fs, bool last);

/* The rest, then the `tlen` bytes of chapters `trail` (cue, LIST/adtl,
 * tags_wav_chapters(); may be none) after the data, and the header: the
 * piece kept back, or again if fewer or more frames or chapter bytes came
 * than announced (only a file can be fixed so).  Returns 0 or an errno
 * value. */
int wav_finish(struct file_sink *fs, const struct sink_params *p, const unsigned char *trail,
               size_t tlen);

/* Stop the writer thread (after letting a write in progress end). */
void wav_io_stop(struct file_sink *fs);

#endif
