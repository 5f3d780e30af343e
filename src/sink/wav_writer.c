/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * wav_writer.c — 16-bit WAV written by the file sink itself, front to back
 * (file_internal.h): aligned buffers, O_DIRECT where the file system
 * allows, and a thread of its own for the writes.
 */
#define _GNU_SOURCE 1 /* O_DIRECT, fallocate(), where there are */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "asanavox/error.h"
#include "asanavox/tags.h"
#include "asanavox/workq.h"
#include "dsp/kernels.h"
#include "file_internal.h"

/* The header: RIFF, "fmt ", the tag chunk `meta` (LIST/INFO,
 * tags_wav_info(), may be none), "data": 44 + meta_len bytes at h.  The
 * RIFF size counts `trail_len` bytes of chunks after the data (the
 * chapters, tags_wav_chapters()).  Without a length (a stream) the sizes
 * say "as long as it goes". */
static void raw_wav_header(unsigned char *h, const struct sink_params *p,
                           const unsigned char *meta, size_t meta_len, size_t trail_len)
{
    uint32_t block = (uint32_t)p->channels * 2;
    uint64_t room = 0xFFFFFFFFu - 36 - meta_len - trail_len;
    uint64_t data = p->frames >= 0 ? (uint64_t)p->frames * block : room;
    if (data > room)
        data = room;
    memcpy(h, "RIFF", 4);
    put_le32(h + 4, (uint32_t)(36 + meta_len + data + trail_len));
    memcpy(h + 8, "WAVEfmt ", 8);
    put_le32(h + 16, 16);
    h[20] = 1; /* PCM */
    h[21] = 0;
    h[22] = (unsigned char)p->channels;
    h[23] = 0;
    put_le32(h + 24, (uint32_t)p->rate);
    put_le32(h + 28, (uint32_t)p->rate * block);
    h[32] = (unsigned char)block;
    h[33] = 0;
    h[34] = 16;
    h[35] = 0;
    if (meta_len)
        memcpy(h + 36, meta, meta_len);
    memcpy(h + 36 + meta_len, "data", 4);
    put_le32(h + 40 + meta_len, (uint32_t)data);
}

/* ---- WAV, written here ---------------------------------------------------------------
 *
 * When the length is known before the first sample (params.frames), the
 * header is final from the start and the file is written front to back in
 * WAV_BUF pieces: to a stream as it comes, to a temporary file with
 * O_DIRECT where the file system allows it.  When it is not (a render
 * whose session is still being laid out), the first piece, which holds
 * the header, is kept back (fs->whead) while the rest is written, and
 * written last with the sizes filled in, so the file is still written
 * once, in whole aligned pieces.  The chapters (cue, LIST/adtl) follow
 * the data, appended at the end, when they are known.  A 30-minute render is 345 MB;
 * through the page cache the kernel copies every byte once more and
 * fsync() then waits for all of it, while direct writes go from our buffer
 * to the disk.  The last, partial block is written padded and the file cut
 * to size with ftruncate().  libsndfile writes the same bytes (a canonical
 * 44-byte header), but it cannot write WAV to a pipe, and it would seek
 * back to the header at the end.
 */
enum { WAV_ALIGN = 4096, WAV_BUF = 2 << 20 };

/* pwrite() all of it at `off`; on the direct descriptor a refusal
 * (EINVAL: alignment, or a short write near a limit) moves everything
 * after it to the ordinary descriptor, which reports the real reason. */
static int wav_put(struct file_sink *fs, const unsigned char *p, size_t n, off_t off)
{
    while (n) {
        int fd = fs->dfd >= 0 ? fs->dfd : fs->fd;
        ssize_t w = pwrite(fd, p, n, off);
        if (w < 0 && errno == EINTR)
            continue;
        if (fd == fs->dfd && (w < 0 ? errno == EINVAL : (size_t)w < n)) {
            if (w > 0) {
                p += w;
                n -= (size_t)w;
                off += w;
            }
            close(fs->dfd);
            fs->dfd = -1;
            continue;
        }
        if (w < 0)
            return errno ? errno : EIO;
        if (w == 0)
            return EIO;
        p += w;
        n -= (size_t)w;
        off += w;
    }
    return 0;
}

/* Full buffers of a file are written by a thread of their own while the
 * next one fills, so the disk is kept busy: with O_DIRECT each write waits
 * for the device, and the samples would otherwise wait for it too. */
struct wav_io {
    struct workq q;          /* one job at a time: the buffer below */
    struct file_sink *fs;
    const unsigned char *buf;
    size_t len;
    off_t off;
    int err;                 /* the first failed write's errno; worker's */
};

/* The writer thread's job: one full buffer to the file. */
static void wav_io_run(void *ctx, void *job)
{
    (void)job;
    struct wav_io *w = ctx;
    int err = w->err ? 0 : wav_put(w->fs, w->buf, w->len, w->off);
    if (err && !w->err)
        w->err = err;
}

/* Wait until the background write is done; its error, if any. */
static int wav_io_idle(struct wav_io *w)
{
    workq_drain(&w->q);
    workq_lock(&w->q);
    int err = w->err;
    workq_unlock(&w->q);
    return err;
}

static void wav_io_start(struct file_sink *fs)
{
    void *spare = NULL;
    struct wav_io *w = calloc(1, sizeof(*w));
    if (!w || posix_memalign(&spare, WAV_ALIGN, WAV_BUF) != 0) {
        free(w);
        return; /* write in the foreground */
    }
    w->fs = fs;
    if (workq_start(&w->q, 1, wav_io_run, NULL, w) != AV_OK) {
        free(spare);
        free(w);
        return;
    }
    fs->wspare = spare;
    fs->wio = w;
}

void wav_io_stop(struct file_sink *fs)
{
    struct wav_io *w = fs->wio;
    if (!w)
        return;
    workq_stop(&w->q, false); /* a write in progress ends first */
    free(w);
    fs->wio = NULL;
}

int wav_flush(struct file_sink *fs, bool last)
{
    if (!fs->wlen)
        return 0;
    int err;
    if (fs->wio) {
        err = wav_io_idle(fs->wio);
        if (err)
            return err;
    }
    if (fs->whold && !last && fs->woff == 0 && !fs->whead) {
        /* The first piece: kept for wav_finish() to complete and write. */
        void *next = NULL;
        if (posix_memalign(&next, WAV_ALIGN, WAV_BUF) != 0)
            return ENOMEM;
        fs->whead = fs->wbuf;
        fs->wbuf = next;
        err = 0;
    } else if (fs->wio && !last) {
        /* The writer is idle (above): hand it this buffer. */
        struct wav_io *w = fs->wio;
        w->buf = fs->wbuf;
        w->len = fs->wlen;
        w->off = fs->woff;
        workq_push(&w->q, w); /* cap 1 and idle: queued at once */
        unsigned char *t = fs->wbuf;
        fs->wbuf = fs->wspare;
        fs->wspare = t;
        err = 0;
    } else if (fs->mode == MODE_STREAM) {
        err = file_write_all(fs->fd, fs->wbuf, fs->wlen);
    } else if (last && fs->dfd >= 0 && fs->wlen % WAV_ALIGN) {
        size_t padded = (fs->wlen + WAV_ALIGN - 1) / WAV_ALIGN * WAV_ALIGN;
        memset(fs->wbuf + fs->wlen, 0, padded - fs->wlen);
        err = wav_put(fs, fs->wbuf, padded, fs->woff);
        if (!err && ftruncate(fs->fd, fs->woff + (off_t)fs->wlen) != 0)
            err = errno;
    } else {
        err = wav_put(fs, fs->wbuf, fs->wlen, fs->woff);
    }
    fs->woff += (off_t)fs->wlen;
    fs->wlen = 0;
    return err;
}

int wav_open(struct file_sink *fs, const struct sink_params *p)
{
    void *buf = NULL;
    if (posix_memalign(&buf, WAV_ALIGN, WAV_BUF) != 0)
        return ENOMEM;
    fs->wbuf = buf;
    fs->raw_wav = true;
#ifdef O_DIRECT
    /* The direct descriptor is opened through the one O_EXCL created
     * (/proc/self/fd), never by the temporary file's name, which someone
     * could have replaced in between; it must be the same file. */
    if (fs->mode == MODE_ATOMIC) {
        char self[64];
        snprintf(self, sizeof self, "/proc/self/fd/%d", fs->fd);
        fs->dfd = open(self, O_WRONLY | O_DIRECT | O_CLOEXEC);
        struct stat a, b;
        if (fs->dfd >= 0 && (fstat(fs->dfd, &a) != 0 || fstat(fs->fd, &b) != 0 ||
                             a.st_dev != b.st_dev || a.st_ino != b.st_ino)) {
            close(fs->dfd);
            fs->dfd = -1;
        }
    }
#endif
#ifdef FALLOC_FL_KEEP_SIZE
    /* Reserve the whole file at once: the file system allocates it in a
     * few large extents instead of piece by piece, and a disk too small
     * for it says so before anything is rendered. */
    if (fs->mode == MODE_ATOMIC && p->frames > 0) {
        off_t size = 44 + (off_t)fs->wmeta_len + (off_t)p->frames * p->channels * 2 +
                     (off_t)fs->wtrail_len;
        if (fallocate(fs->fd, FALLOC_FL_KEEP_SIZE, 0, size) != 0 &&
            (errno == ENOSPC || errno == EFBIG || errno == EDQUOT))
            return errno;
    }
#endif
    fs->whold = fs->mode == MODE_ATOMIC && p->frames < 0;
    raw_wav_header(fs->wbuf, p, fs->wmeta, fs->wmeta_len, fs->wtrail_len);
    fs->wlen = 44 + fs->wmeta_len;
    if (fs->mode == MODE_ATOMIC)
        wav_io_start(fs);
    return 0;
}

/* Samples as little-endian 16-bit (a no-op on little-endian hosts). */
static void to_le16(int16_t *s, size_t n)
{
    const union {
        uint16_t u;
        unsigned char c[2];
    } probe = {1};
    if (!probe.c[0])
        for (size_t i = 0; i < n; i++)
            s[i] = (int16_t)(((uint16_t)s[i] >> 8) | ((uint16_t)s[i] << 8));
}

int wav_write(struct file_sink *fs, const float *in, size_t n)
{
    while (n) {
        size_t room = (WAV_BUF - fs->wlen) / 2;
        size_t k = n < room ? n : room;
        int16_t *dst = (int16_t *)(void *)(fs->wbuf + fs->wlen);
        kern_to_s16(in, dst, k);
        to_le16(dst, k);
        fs->wlen += k * 2;
        in += k;
        n -= k;
        if (fs->wlen + 2 > WAV_BUF) {
            int err = wav_flush(fs, false);
            if (err)
                return err;
        }
    }
    return 0;
}

/* Append `n` bytes as they are, in whole pieces as the samples are. */
static int wav_append(struct file_sink *fs, const unsigned char *p, size_t n)
{
    while (n) {
        size_t k = WAV_BUF - fs->wlen < n ? WAV_BUF - fs->wlen : n;
        memcpy(fs->wbuf + fs->wlen, p, k);
        fs->wlen += k;
        p += k;
        n -= k;
        if (fs->wlen == WAV_BUF) {
            int err = wav_flush(fs, false);
            if (err)
                return err;
        }
    }
    return 0;
}

int wav_write_dup2(struct file_sink *fs, const float *in, size_t frames)
{
    while (frames) {
        size_t room = (WAV_BUF - fs->wlen) / 4;
        if (room == 0) {
            /* Less than a frame of room (the header is not a whole number
             * of frames): this frame straddles two buffers, so that every
             * buffer but the last is written whole, as O_DIRECT wants. */
            int16_t one[2];
            kern_to_s16_dup2(in, one, 1);
            to_le16(one, 2);
            int err = wav_append(fs, (const unsigned char *)one, sizeof one);
            if (err)
                return err;
            in++;
            frames--;
            continue;
        }
        size_t k = frames < room ? frames : room;
        int16_t *dst = (int16_t *)(void *)(fs->wbuf + fs->wlen);
        kern_to_s16_dup2(in, dst, k);
        to_le16(dst, 2 * k);
        fs->wlen += k * 4;
        in += k;
        frames -= k;
        if (fs->wlen == WAV_BUF) {
            int err = wav_flush(fs, false);
            if (err)
                return err;
        }
    }
    return 0;
}

int wav_finish(struct file_sink *fs, const struct sink_params *p, const unsigned char *trail,
               size_t tlen)
{
    int err = wav_append(fs, trail, tlen);
    if (err)
        return err;
    struct sink_params real = *p;
    real.frames = fs->wframes;
    if (fs->mode == MODE_STREAM)
        real.frames = p->frames; /* what was sent cannot be changed */
    /* The header is kept back (whead), still in the buffer (a short
     * file), or written already with the sizes announced at open. */
    const bool written = !fs->whead && fs->woff > 0;
    if (!written)
        raw_wav_header(fs->whead ? fs->whead : fs->wbuf, &real, fs->wmeta, fs->wmeta_len, tlen);
    err = wav_flush(fs, true);
    if (err)
        return err;
    if (fs->whead)
        return wav_put(fs, fs->whead, WAV_BUF, 0); /* full and aligned */
    if (written && fs->mode == MODE_ATOMIC &&
        (fs->wframes != p->frames || tlen != fs->wtrail_len)) {
        unsigned char *h = malloc(44 + fs->wmeta_len);
        if (!h)
            return ENOMEM;
        raw_wav_header(h, &real, fs->wmeta, fs->wmeta_len, tlen);
        if (fs->dfd >= 0) {
            close(fs->dfd);
            fs->dfd = -1;
        }
        err = wav_put(fs, h, 44 + fs->wmeta_len, 0);
        free(h);
    }
    return err;
}
