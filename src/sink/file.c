/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * file.c — the file sink (sink.h): written atomically or streamed.
 *
 * Two modes, chosen by sink_open() from what the target is:
 *
 *   atomic  the target is a regular file or does not exist.  Everything is
 *           written to ".NAME.PID.N.tmp" in the target's directory (created
 *           O_EXCL with mode 0666 less the umask, like any new file), then
 *           fsync()ed, closed and renamed over the target.  libsndfile
 *           writes through virtual I/O, so errno of a failed write (ENOSPC,
 *           EFBIG...) is ours to report.
 *   stream  "-" (standard output) or an existing pipe, socket or device.
 *           Nothing is renamed or removed.  MP3 goes through sf_open_fd(),
 *           which knows pipes; Ogg goes through virtual I/O that refuses
 *           to seek; FLAC (flac.c) is told it cannot seek.
 *
 * WAV is written here in both modes (wav_writer.c).  Ogg pages pass
 * through ogg_serial.c so that output is deterministic.  The parts are
 * listed in file_internal.h.
 *
 * WAV and FLAC get 16-bit samples converted here (round to nearest, clip),
 * so both hold exactly the same sample values; Vorbis, Opus and MP3 get
 * floats.
 *
 * Tags and chapters (sink_set_tags(), tags.h) go in where each format
 * keeps them: into the WAV file written here (LIST/INFO in the header,
 * the chapters after the data, from the tags set by then), in an ID3v2 tag written
 * before libsndfile's MP3 (whose offsets are then shifted by the tag's
 * length, vbase), through the Ogg page filter (ogg_tags.c), and FLAC is
 * written by libFLAC (flac.c); sink_tags.h says why.
 */
#define _GNU_SOURCE 1 /* O_DIRECT, where there is one */
#include <errno.h>
#include <fcntl.h>
#include <sndfile.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "asanavox/error.h"
#include "asanavox/tags.h"
#include "dsp/kernels.h"
#include "file_internal.h"
#include "sink_tags.h"

int file_write_all(int fd, const void *data, size_t n)
{
    const char *p = data;
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return errno ? errno : EIO;
        }
        if (w == 0)
            return EIO;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* ---- formats ---------------------------------------------------------------------- */

static int sf_format_of(enum sink_format f)
{
    switch (f) {
    case SINK_FORMAT_WAV: return SF_FORMAT_WAV | SF_FORMAT_PCM_16;
    case SINK_FORMAT_FLAC: return SF_FORMAT_FLAC | SF_FORMAT_PCM_16;
    case SINK_FORMAT_OGG: return SF_FORMAT_OGG | SF_FORMAT_VORBIS;
    case SINK_FORMAT_MP3: return SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III; /* libsndfile 1.1 */
    case SINK_FORMAT_OPUS: return SF_FORMAT_OGG | SF_FORMAT_OPUS;
    }
    return 0;
}

int sink_format_available(enum sink_format f)
{
    SF_INFO info = {.samplerate = 48000, .channels = 2, .format = sf_format_of(f)};
    return info.format != 0 && sf_format_check(&info);
}

/* ---- the sink --------------------------------------------------------------------- */

static int file_create(struct sink *s)
{
    struct file_sink *fs = calloc(1, sizeof(*fs));
    if (!fs)
        return AV_ENOMEM;
    fs->fd = -1;
    fs->dfd = -1;
    s->priv = fs;
    return AV_OK;
}

int file_fail_errno(struct sink *s, const char *target, int e)
{
    sink_fail(s, "cannot write %s: %s", target, strerror(e));
    return AV_EIO;
}

/* libsndfile's message without its "System error : " decoration. */
static void fail_sf(struct sink *s, const char *target, const char *msg)
{
    static const char *const prefixes[] = {"System error : ", "Error : "};
    for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
        if (!strncmp(msg, prefixes[i], strlen(prefixes[i])))
            msg += strlen(prefixes[i]);
    size_t len = strlen(msg);
    while (len && (msg[len - 1] == '.' || msg[len - 1] == '\n'))
        len--;
    sink_fail(s, "cannot write %s: %.*s", target, (int)len, msg);
}


/* Whether `frames` frames, with `meta` bytes of LIST/INFO and `trail`
 * bytes of chapters, fit the 4 GiB a WAV file's sizes can say; if not,
 * the sink's message says so. */
static bool wav_fits(struct sink *s, const char *target, uint64_t frames, size_t meta,
                     size_t trail)
{
    if (frames * (uint64_t)s->params.channels * 2 <= 0xFFFFFFFFu - 44 - meta - trail)
        return true;
    sink_fail(s, "cannot write %s: too long for a WAV file (over 4 GiB); use .flac", target);
    return false;
}

static int file_open(struct sink *s, const char *target, const struct sink_params *p)
{
    struct file_sink *fs = s->priv;
    if (!target || !*target) {
        sink_fail(s, "no output file given");
        return AV_EINVAL;
    }
    /* kept for messages (and the rename) */
    const char *shown = strcmp(target, "-") ? target : "standard output";
    fs->target = malloc(strlen(shown) + 1);
    if (!fs->target)
        return AV_ENOMEM;
    strcpy(fs->target, shown);

    SF_INFO info = {.samplerate = p->rate, .channels = p->channels, .format = sf_format_of(p->format)};
    if (!info.format || !sf_format_check(&info)) {
        sink_fail(s, "cannot write %s: this build of libsndfile cannot write %s files", target,
                  sink_format_name(p->format));
        return AV_EFORMAT;
    }
    if (p->format == SINK_FORMAT_OPUS && p->rate != 8000 && p->rate != 12000 &&
        p->rate != 16000 && p->rate != 24000 && p->rate != 48000) {
        sink_fail(s, "cannot write %s: Opus takes 8000, 12000, 16000, 24000 or 48000 Hz, not %d",
                  target, p->rate);
        return AV_EFORMAT;
    }
    if (s->tags && p->format == SINK_FORMAT_WAV) {
        unsigned char *trail;
        if (tags_wav_info(s->tags, &fs->wmeta, &fs->wmeta_len) ||
            tags_wav_chapters(s->tags, p->rate, &trail, &fs->wtrail_len))
            return AV_ENOMEM;
        free(trail); /* made again at the end, from the tags given then */
    }
    if (p->format == SINK_FORMAT_WAV && p->frames >= 0 &&
        !wav_fits(s, target, (uint64_t)p->frames, fs->wmeta_len, fs->wtrail_len))
        return AV_EFORMAT;

    if (!strcmp(target, "-")) {
        fs->fd = STDOUT_FILENO;
        fs->close_fd = false;
        fs->mode = MODE_STREAM;
    } else {
        struct stat st;
        int r = stat(target, &st);
        int serr = errno;
        if (r == 0 && !S_ISREG(st.st_mode)) {
            if (S_ISDIR(st.st_mode))
                return file_fail_errno(s, target, EISDIR);
            fs->fd = open(target, O_WRONLY | O_CLOEXEC);
            if (fs->fd < 0)
                return file_fail_errno(s, target, errno);
            fs->close_fd = true;
            fs->mode = MODE_STREAM;
        } else if (r != 0 && serr != ENOENT) {
            return file_fail_errno(s, target, serr);
        } else {
            fs->mode = MODE_ATOMIC;
            int err = file_make_temp(s, fs, target);
            if (err)
                return err;
        }
    }
    if (fs->mode == MODE_STREAM && isatty(fs->fd)) {
        sink_fail(s, "refusing to write audio to a terminal");
        return AV_EINVAL;
    }

    fs->use_short = p->format == SINK_FORMAT_WAV || p->format == SINK_FORMAT_FLAC;
    if (p->format == SINK_FORMAT_WAV) {
        int e = wav_open(fs, p);
        if (!e && fs->mode == MODE_STREAM)
            e = wav_flush(fs, false); /* the header, so a full device says so now */
        if (e)
            return file_fail_errno(s, target, e);
        return AV_OK;
    }
    if (p->format == SINK_FORMAT_FLAC) {
        int eno;
        int err = flac_out_create(fs->fd, fs->mode == MODE_ATOMIC, p->rate, p->channels, p->frames,
                                  s->tags, &fs->flac, &eno);
        if (err == AV_EIO && eno)
            return file_fail_errno(s, target, eno);
        if (err == AV_EIO)
            sink_fail(s, "cannot write %s: the FLAC encoder refused to start", target);
        return err;
    }
    if (p->format == SINK_FORMAT_MP3 && s->tags) {
        /* Our ID3v2 tag first; libsndfile's stream follows it. */
        unsigned char *id3;
        size_t len;
        if (tags_id3v2(s->tags, &id3, &len))
            return AV_ENOMEM;
        int e = file_write_all(fs->fd, id3, len);
        free(id3);
        if (e)
            return file_fail_errno(s, target, e);
        if (fs->mode == MODE_ATOMIC)
            fs->vbase = (off_t)len;
    }
    const bool ogg = p->format == SINK_FORMAT_OGG || p->format == SINK_FORMAT_OPUS;
    int open_errno = 0;
    if (fs->mode == MODE_STREAM && !ogg) {
        errno = 0;
        fs->sf = sf_open_fd(fs->fd, SFM_WRITE, &info, SF_FALSE);
        open_errno = errno; /* what a failed write(2) left, if anything */
    } else {
        if (ogg) {
            struct ogg_tags *tags = NULL;
            if (s->tags &&
                ogg_tags_create(s->tags, p->format == SINK_FORMAT_OPUS, &tags))
                return AV_ENOMEM;
            fs->ogg = ogg_fix_create(tags);
            if (!fs->ogg)
                return AV_ENOMEM;
        }
        SF_VIRTUAL_IO vio = file_vio;
        fs->sf = sf_open_virtual(&vio, SFM_WRITE, &info, fs);
    }
    if (!fs->sf) {
        if (fs->io_err)
            return file_fail_errno(s, target, fs->io_err);
        if (open_errno == ENOSPC || open_errno == EFBIG || open_errno == EPIPE ||
            open_errno == EIO || open_errno == EDQUOT)
            return file_fail_errno(s, target, open_errno);
        fail_sf(s, target, sf_strerror(NULL));
        return AV_EIO;
    }
    sf_command(fs->sf, SFC_SET_CLIPPING, NULL, SF_TRUE);
    if (p->format == SINK_FORMAT_MP3 && fs->mode == MODE_STREAM) {
        /* No seeking back for a VBR header: constant bit rate lets readers
         * work out the length. */
        int mode = SF_BITRATE_MODE_CONSTANT;
        sf_command(fs->sf, SFC_SET_BITRATE_MODE, &mode, sizeof(mode));
    }
    return AV_OK;
}

/* libsndfile records a failed write(2) of its own (sf_open_fd streams) as
 * SFE_SYSTEM; some encoders carry on regardless, so check after every
 * call. */
static bool sf_failed(const struct file_sink *fs)
{
    return fs->io_err || (fs->sf && sf_error(fs->sf) != SF_ERR_NO_ERROR);
}

static int write_failed(struct sink *s, struct file_sink *fs)
{
    if (fs->io_err)
        return file_fail_errno(s, fs->target, fs->io_err);
    fail_sf(s, fs->target, fs->sf ? sf_strerror(fs->sf) : "write failed");
    return AV_EIO;
}

/* A WAV file opened without its length: whether `more` frames on top of
 * what was written, plus `trail` bytes of chapters, pass the 4 GiB a WAV
 * file can say; then the sink's message says so.  Checked at every write,
 * so that a render too long for WAV stops when it gets there, and at the
 * end with the chapters. */
static bool wav_too_long(struct sink *s, struct file_sink *fs, size_t more, size_t trail)
{
    if (fs->mode != MODE_ATOMIC || s->params.frames >= 0)
        return false;
    return !wav_fits(s, fs->target, (uint64_t)fs->wframes + more, fs->wmeta_len, trail);
}

static int file_write(struct sink *s, const float *in, size_t frames)
{
    struct file_sink *fs = s->priv;
    size_t n = frames * (size_t)s->params.channels;
    if (fs->raw_wav) {
        if (wav_too_long(s, fs, frames, 0))
            return AV_EFORMAT;
        int e = wav_write(fs, in, n);
        fs->wframes += (int64_t)frames;
        if (e) {
            fs->io_err = e;
            return write_failed(s, fs);
        }
        return AV_OK;
    }
    if (!fs->use_short) {
        if (sf_writef_float(fs->sf, in, (sf_count_t)frames) != (sf_count_t)frames ||
            sf_failed(fs))
            return write_failed(s, fs);
        return AV_OK;
    }
    if (n > fs->ibuf_cap) {
        int16_t *b = realloc(fs->ibuf, n * sizeof(*b));
        if (!b)
            return AV_ENOMEM;
        fs->ibuf = b;
        fs->ibuf_cap = n;
    }
    kern_to_s16(in, fs->ibuf, n);
    if (fs->flac) {
        int eno, e = flac_out_write(fs->flac, fs->ibuf, frames, &eno);
        if (e == AV_EIO && eno)
            return file_fail_errno(s, fs->target, eno);
        if (e == AV_EIO)
            sink_fail(s, "cannot write %s: FLAC encoder: %s", fs->target, flac_out_state(fs->flac));
        return e;
    }
    if (sf_writef_short(fs->sf, fs->ibuf, (sf_count_t)frames) != (sf_count_t)frames ||
        sf_failed(fs))
        return write_failed(s, fs);
    return AV_OK;
}

static int file_write_mono(struct sink *s, const float *mono, size_t frames)
{
    struct file_sink *fs = s->priv;
    if (!fs->raw_wav || s->params.channels != 2) {
        size_t ch = (size_t)s->params.channels;
        float *tmp = malloc(frames * ch * sizeof(float));
        if (!tmp)
            return AV_ENOMEM;
        for (size_t i = 0; i < frames; i++)
            for (size_t c = 0; c < ch; c++)
                tmp[i * ch + c] = mono[i];
        int err = file_write(s, tmp, frames);
        free(tmp);
        return err;
    }
    if (wav_too_long(s, fs, frames, 0))
        return AV_EFORMAT;
    int e = wav_write_dup2(fs, mono, frames);
    fs->wframes += (int64_t)frames;
    if (e) {
        fs->io_err = e;
        return write_failed(s, fs);
    }
    return AV_OK;
}

static int file_finish(struct sink *s)
{
    struct file_sink *fs = s->priv;
    if (fs->raw_wav) {
        size_t trail = 0;
        unsigned char *t = NULL;
        if (s->tags && tags_wav_chapters(s->tags, s->params.rate, &t, &trail))
            return AV_ENOMEM;
        if (wav_too_long(s, fs, 0, trail)) {
            free(t);
            return AV_EFORMAT;
        }
        int e = wav_finish(fs, &s->params, t, trail);
        free(t);
        wav_io_stop(fs);
        if (e)
            return file_fail_errno(s, fs->target, e);
        if (fs->dfd >= 0) {
            close(fs->dfd);
            fs->dfd = -1;
        }
    }
    if (fs->sf) {
        if (sf_failed(fs))
            return write_failed(s, fs);
        int e = sf_close(fs->sf);
        fs->sf = NULL;
        if (e || fs->io_err) {
            if (fs->io_err)
                return file_fail_errno(s, fs->target, fs->io_err);
            fail_sf(s, fs->target, sf_error_number(e));
            return AV_EIO;
        }
    }
    if (fs->flac) {
        int eno, e = flac_out_finish(fs->flac, &eno);
        if (e && eno)
            return file_fail_errno(s, fs->target, eno);
        if (e) {
            sink_fail(s, "cannot write %s: FLAC encoder: %s", fs->target, flac_out_state(fs->flac));
            return AV_EIO;
        }
    }
    if (fs->ogg && ogg_fix_partial(fs->ogg)) {
        sink_fail(s, "cannot write %s: incomplete Ogg page", fs->target);
        return AV_EIO;
    }
    if (fs->mode == MODE_ATOMIC) {
        int err = file_commit(s, fs);
        if (err)
            return err;
    } else if (fs->close_fd) {
        int fd = fs->fd;
        fs->fd = -1;
        if (close(fd) != 0)
            return file_fail_errno(s, fs->target, errno);
    }
    return AV_OK;
}

static void file_destroy(struct sink *s)
{
    struct file_sink *fs = s->priv;
    if (!fs)
        return;
    if (fs->sf)
        sf_close(fs->sf);
    flac_out_destroy(fs->flac);
    wav_io_stop(fs); /* lets a write in progress end first */
    if (fs->dfd >= 0)
        close(fs->dfd);
    if (fs->fd >= 0 && fs->close_fd)
        close(fs->fd);
    if (fs->tmp)
        unlink(fs->tmp);
    free(fs->wbuf);
    free(fs->wspare);
    free(fs->whead);
    free(fs->tmp);
    free(fs->target);
    ogg_fix_destroy(fs->ogg);
    free(fs->ibuf);
    free(fs->wmeta);
    free(fs);
    s->priv = NULL;
}

const struct sink_ops sink_file_ops = {
    .name = "file",
    .create = file_create,
    .open = file_open,
    .write = file_write,
    .write_mono = file_write_mono,
    .finish = file_finish,
    .destroy = file_destroy,
};
