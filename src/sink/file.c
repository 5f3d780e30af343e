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
 *           Nothing is renamed or removed.  MP3 goes through
 *           sf_open_fd(), which knows pipes; Ogg goes through virtual I/O
 *           that refuses to seek; FLAC (flac.c) is told it cannot seek.
 *
 * WAV is written here in both modes (see "WAV, written here" below).
 *
 * Ogg: libsndfile seeds the stream serial number from the clock, so two
 * renders would differ.  Every Ogg page passes through ogg_feed(), which
 * sets the serial to SINK_OGG_SERIAL and recomputes the page's CRC.
 *
 * WAV and FLAC get 16-bit samples converted here (round to nearest, clip),
 * so both hold exactly the same sample values; Vorbis, Opus and MP3 get
 * floats.
 *
 * Tags and chapters (sink_set_tags(), tags.h) go in where each format
 * keeps them: into the WAV header written here, in an ID3v2 tag written
 * before libsndfile's MP3 (whose positions are then shifted by the tag's
 * length, vbase), through the Ogg page filter (ogg_tags), and FLAC is
 * written by libFLAC (flac_out); see sink_tags.h for why.
 */
#define _GNU_SOURCE 1 /* O_DIRECT, where there is one */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sndfile.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../mix/kernels.h"
#include "asanavox/error.h"
#include "asanavox/tags.h"
#include "sink_internal.h"
#include "sink_tags.h"

enum mode { MODE_ATOMIC, MODE_STREAM };

enum { OGG_PAGE_MAX = 27 + 255 + 255 * 255 };

struct ogg_fix {
    struct ogg_tags *tags; /* rewrites the comment header, or NULL */
    uint32_t crc_table[256];
    size_t have;
    unsigned char page[OGG_PAGE_MAX];
};

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
    unsigned char *wmeta;  /* WAV: the tag chunks before "data" */
    size_t wmeta_len;
    off_t vbase;           /* MP3: libsndfile's offset 0 is here (after our ID3v2 tag) */
    struct flac_out *flac; /* FLAC: the libFLAC writer */
};

/* ---- plain I/O -------------------------------------------------------------- */

static int write_all(int fd, const void *data, size_t n)
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

/* ---- Ogg serial fix ---------------------------------------------------------- */

static struct ogg_fix *ogg_fix_create(void)
{
    struct ogg_fix *o = calloc(1, sizeof(*o));
    if (!o)
        return NULL;
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t r = i << 24;
        for (int k = 0; k < 8; k++)
            r = (r & 0x80000000u) ? (r << 1) ^ 0x04c11db7u : r << 1;
        o->crc_table[i] = r;
    }
    return o;
}

/* Bytes the current page needs in all, as far as is known. */
static size_t ogg_want(const struct ogg_fix *o)
{
    if (o->have < 27)
        return 27;
    size_t nseg = o->page[26];
    if (o->have < 27 + nseg)
        return 27 + nseg;
    size_t body = 0;
    for (size_t i = 0; i < nseg; i++)
        body += o->page[27 + i];
    return 27 + nseg + body;
}

static void put_le32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

struct ogg_out {
    struct ogg_fix *o;
    int fd;
};

/* Write one page with the fixed serial number (and its CRC again). */
static int ogg_emit(void *ctx, unsigned char *page, size_t len)
{
    struct ogg_out *out = ctx;
    if (len < 27 || memcmp(page, "OggS", 4) != 0)
        return EINVAL;
    put_le32(page + 14, SINK_OGG_SERIAL);
    put_le32(page + 22, 0);
    uint32_t crc = 0;
    for (size_t i = 0; i < len; i++)
        crc = (crc << 8) ^ out->o->crc_table[((crc >> 24) ^ page[i]) & 0xff];
    put_le32(page + 22, crc);
    return write_all(out->fd, page, len);
}

/* Collect bytes into pages; write each complete page with the fixed serial
 * number (through the tag filter first, if any).  Returns 0 or an errno
 * value. */
static int ogg_feed(struct ogg_fix *o, int fd, const unsigned char *data, size_t n)
{
    while (n) {
        size_t want = ogg_want(o);
        size_t take = want - o->have < n ? want - o->have : n;
        memcpy(o->page + o->have, data, take);
        o->have += take;
        data += take;
        n -= take;
        if (o->have < 27 || o->have != ogg_want(o))
            continue;
        struct ogg_out out = {o, fd};
        int err = o->tags ? ogg_tags_page(o->tags, o->page, o->have, ogg_emit, &out)
                          : ogg_emit(&out, o->page, o->have);
        o->have = 0;
        if (err)
            return err;
    }
    return 0;
}

/* ---- libsndfile virtual I/O ----------------------------------------------------- */

static sf_count_t vio_get_filelen(void *user)
{
    struct file_sink *fs = user;
    return fs->vlen;
}

static sf_count_t vio_seek(sf_count_t offset, int whence, void *user)
{
    struct file_sink *fs = user;
    sf_count_t to;
    switch (whence) {
    case SEEK_SET: to = offset; break;
    case SEEK_CUR: to = fs->vpos + offset; break;
    case SEEK_END: to = fs->vlen + offset; break;
    default: return -1;
    }
    if (to < 0)
        return -1;
    if (to == fs->vpos)
        return to;
    if (fs->mode != MODE_ATOMIC || fs->ogg) {
        if (!fs->io_err)
            fs->io_err = ESPIPE;
        return -1;
    }
    if (lseek(fs->fd, fs->vbase + (off_t)to, SEEK_SET) < 0) {
        if (!fs->io_err)
            fs->io_err = errno;
        return -1;
    }
    fs->vpos = to;
    return to;
}

static sf_count_t vio_read(void *ptr, sf_count_t count, void *user)
{
    struct file_sink *fs = user;
    if (fs->mode != MODE_ATOMIC || fs->ogg || count <= 0)
        return 0;
    ssize_t r = pread(fs->fd, ptr, (size_t)count, fs->vbase + (off_t)fs->vpos);
    if (r < 0) {
        if (!fs->io_err)
            fs->io_err = errno;
        return 0;
    }
    fs->vpos += r;
    if (lseek(fs->fd, fs->vbase + (off_t)fs->vpos, SEEK_SET) < 0)
        return 0;
    return r;
}

/* A render writes hundreds of megabytes that are fsync()ed at the end.
 * Asking the kernel to write back each finished stretch as we go (Linux
 * starts writeback for POSIX_FADV_DONTNEED on dirty pages, and then drops
 * them from the cache) spreads the disk work over the render instead of
 * leaving it all to the final fsync(), and keeps the page cache from
 * filling with audio nobody will read back soon. */
enum { WRITEBACK_CHUNK = 8 << 20 };

static void start_writeback(struct file_sink *fs)
{
    if (fs->mode != MODE_ATOMIC || fs->io_err)
        return;
    off_t done = (off_t)fs->vpos;
    if (done - fs->flushed < 2 * WRITEBACK_CHUNK)
        return;
    /* keep the newest chunk (and the header) out of it */
    off_t from = fs->flushed, len = done - WRITEBACK_CHUNK - from;
    if (from < 4096)
        from = 4096, len -= 4096;
    if (len > 0)
        (void)posix_fadvise(fs->fd, from, len, POSIX_FADV_DONTNEED);
    fs->flushed = done - WRITEBACK_CHUNK;
}

/* After a failed write everything else is dropped but reported as
 * written: libsndfile's encoders do not all survive a short write (its
 * Vorbis encoder leaks its state when the header cannot be written), and
 * the sink checks io_err after every call anyway. */
static sf_count_t vio_write(const void *ptr, sf_count_t count, void *user)
{
    struct file_sink *fs = user;
    if (count <= 0)
        return 0;
    if (!fs->io_err) {
        int err = fs->ogg ? ogg_feed(fs->ogg, fs->fd, ptr, (size_t)count)
                          : write_all(fs->fd, ptr, (size_t)count);
        if (err)
            fs->io_err = err;
    }
    fs->vpos += count;
    start_writeback(fs);
    if (fs->vpos > fs->vlen)
        fs->vlen = fs->vpos;
    return count;
}

static sf_count_t vio_tell(void *user)
{
    struct file_sink *fs = user;
    return fs->vpos;
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

/* The header: RIFF, "fmt ", the tag chunks `meta` (tags_wav_chunks()),
 * "data": 44 + meta_len bytes at h. */
static void raw_wav_header(unsigned char *h, const struct sink_params *p,
                           const unsigned char *meta, size_t meta_len)
{
    uint32_t block = (uint32_t)p->channels * 2;
    uint64_t data = p->frames >= 0 ? (uint64_t)p->frames * block : 0xFFFFFFFFu - 36 - meta_len;
    if (data > 0xFFFFFFFFu - 36 - meta_len)
        data = 0xFFFFFFFFu - 36 - meta_len;
    memcpy(h, "RIFF", 4);
    put_le32(h + 4, (uint32_t)(36 + meta_len + data));
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
 * The length is known before the first sample (params.frames), so the
 * header is final from the start and the file is written front to back in
 * WAV_BUF pieces: to a stream as it comes, to a temporary file with
 * O_DIRECT where the file system allows it.  A 30-minute render is 345 MB;
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
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct file_sink *fs;
    const unsigned char *buf;
    size_t len;
    off_t off;
    bool busy, quit;
    int err;
};

static void *wav_io_main(void *arg)
{
    struct wav_io *w = arg;
    pthread_mutex_lock(&w->lock);
    for (;;) {
        while (!w->busy && !w->quit)
            pthread_cond_wait(&w->cond, &w->lock);
        if (!w->busy)
            break;
        pthread_mutex_unlock(&w->lock);
        int err = w->err ? 0 : wav_put(w->fs, w->buf, w->len, w->off);
        pthread_mutex_lock(&w->lock);
        if (err && !w->err)
            w->err = err;
        w->busy = false;
        pthread_cond_broadcast(&w->cond);
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

/* Wait until the background write is done; its error, if any. */
static int wav_io_idle(struct wav_io *w)
{
    pthread_mutex_lock(&w->lock);
    while (w->busy)
        pthread_cond_wait(&w->cond, &w->lock);
    int err = w->err;
    pthread_mutex_unlock(&w->lock);
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
    if (pthread_mutex_init(&w->lock, NULL) != 0) {
        free(spare);
        free(w);
        return;
    }
    if (pthread_cond_init(&w->cond, NULL) != 0) {
        pthread_mutex_destroy(&w->lock);
        free(spare);
        free(w);
        return;
    }
    if (pthread_create(&w->thread, NULL, wav_io_main, w) != 0) {
        pthread_cond_destroy(&w->cond);
        pthread_mutex_destroy(&w->lock);
        free(spare);
        free(w);
        return;
    }
    fs->wspare = spare;
    fs->wio = w;
}

static void wav_io_stop(struct file_sink *fs)
{
    struct wav_io *w = fs->wio;
    if (!w)
        return;
    pthread_mutex_lock(&w->lock);
    w->quit = true;
    pthread_cond_broadcast(&w->cond);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    pthread_cond_destroy(&w->cond);
    pthread_mutex_destroy(&w->lock);
    free(w);
    fs->wio = NULL;
}

/* Write out the buffer (full, or the last piece when `last`). */
static int wav_flush(struct file_sink *fs, bool last)
{
    if (!fs->wlen)
        return 0;
    int err;
    if (fs->wio) {
        err = wav_io_idle(fs->wio);
        if (err)
            return err;
    }
    if (fs->wio && !last) {
        struct wav_io *w = fs->wio;
        pthread_mutex_lock(&w->lock);
        w->buf = fs->wbuf;
        w->len = fs->wlen;
        w->off = fs->woff;
        w->busy = true;
        pthread_cond_broadcast(&w->cond);
        pthread_mutex_unlock(&w->lock);
        unsigned char *t = fs->wbuf;
        fs->wbuf = fs->wspare;
        fs->wspare = t;
        err = 0;
    } else if (fs->mode == MODE_STREAM) {
        err = write_all(fs->fd, fs->wbuf, fs->wlen);
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

static int wav_open(struct file_sink *fs, const struct sink_params *p)
{
    void *buf = NULL;
    if (posix_memalign(&buf, WAV_ALIGN, WAV_BUF) != 0)
        return ENOMEM;
    fs->wbuf = buf;
    fs->raw_wav = true;
#ifdef O_DIRECT
    if (fs->mode == MODE_ATOMIC)
        fs->dfd = open(fs->tmp, O_WRONLY | O_DIRECT | O_CLOEXEC);
#endif
#ifdef FALLOC_FL_KEEP_SIZE
    /* Reserve the whole file at once: the file system allocates it in a
     * few large extents instead of piece by piece, and a disk too small
     * for it says so before anything is rendered. */
    if (fs->mode == MODE_ATOMIC && p->frames > 0) {
        off_t size = 44 + (off_t)fs->wmeta_len + (off_t)p->frames * p->channels * 2;
        if (fallocate(fs->fd, FALLOC_FL_KEEP_SIZE, 0, size) != 0 &&
            (errno == ENOSPC || errno == EFBIG || errno == EDQUOT))
            return errno;
    }
#endif
    raw_wav_header(fs->wbuf, p, fs->wmeta, fs->wmeta_len);
    fs->wlen = 44 + fs->wmeta_len;
    if (fs->mode == MODE_ATOMIC)
        wav_io_start(fs);
    return 0;
}

/* Convert and append `n` samples. */
static int wav_write(struct file_sink *fs, const float *in, size_t n)
{
    while (n) {
        size_t room = (WAV_BUF - fs->wlen) / 2;
        size_t k = n < room ? n : room;
        int16_t *dst = (int16_t *)(void *)(fs->wbuf + fs->wlen);
        kern_to_s16(in, dst, k);
        /* WAV is little-endian; swap on big-endian hosts. */
        const union {
            uint16_t u;
            unsigned char c[2];
        } probe = {1};
        if (!probe.c[0])
            for (size_t i = 0; i < k; i++)
                dst[i] = (int16_t)(((uint16_t)dst[i] >> 8) | ((uint16_t)dst[i] << 8));
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

/* Append `frames` frames of one channel as two identical channels. */
static int wav_write_dup2(struct file_sink *fs, const float *in, size_t frames)
{
    while (frames) {
        size_t room = (WAV_BUF - fs->wlen) / 4;
        size_t k = frames < room ? frames : room;
        int16_t *dst = (int16_t *)(void *)(fs->wbuf + fs->wlen);
        kern_to_s16_dup2(in, dst, k);
        const union {
            uint16_t u;
            unsigned char c[2];
        } probe = {1};
        if (!probe.c[0])
            for (size_t i = 0; i < 2 * k; i++)
                dst[i] = (int16_t)(((uint16_t)dst[i] >> 8) | ((uint16_t)dst[i] << 8));
        fs->wlen += k * 4;
        in += k;
        frames -= k;
        if (fs->wlen + 4 > WAV_BUF) {
            int err = wav_flush(fs, false);
            if (err)
                return err;
        }
    }
    return 0;
}

/* The rest, and the header again if fewer or more frames came than
 * announced (only a file can be fixed so). */
static int wav_finish(struct file_sink *fs, const struct sink_params *p)
{
    int err = wav_flush(fs, true);
    if (!err && fs->mode == MODE_ATOMIC && fs->wframes != p->frames) {
        struct sink_params real = *p;
        real.frames = fs->wframes;
        unsigned char *h = malloc(44 + fs->wmeta_len);
        if (!h)
            return ENOMEM;
        raw_wav_header(h, &real, fs->wmeta, fs->wmeta_len);
        if (fs->dfd >= 0) {
            close(fs->dfd);
            fs->dfd = -1;
        }
        err = wav_put(fs, h, 44 + fs->wmeta_len, 0);
        free(h);
    }
    return err;
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

static int fail_errno(struct sink *s, const char *target, int e)
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

/* Create the temporary file next to `target`. */
static int make_temp(struct sink *s, struct file_sink *fs, const char *target)
{
    const char *slash = strrchr(target, '/');
    const char *base = slash ? slash + 1 : target;
    int dirlen = slash ? (int)(slash - target) : 1;
    const char *dir = slash ? target : ".";
    if (slash == target) {
        dir = "/";
        dirlen = 1;
    }
    size_t cap = strlen(target) + 64;
    fs->tmp = malloc(cap);
    if (!fs->tmp)
        return AV_ENOMEM;
    for (int i = 0; i < 1000; i++) {
        snprintf(fs->tmp, cap, "%.*s/.%.160s.%ld.%d.tmp", dirlen, dir, base, (long)getpid(), i);
        fs->fd = open(fs->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fs->fd >= 0) {
            fs->close_fd = true;
            return AV_OK;
        }
        if (errno != EEXIST) {
            int e = errno;
            free(fs->tmp);
            fs->tmp = NULL;
            return fail_errno(s, target, e);
        }
    }
    free(fs->tmp);
    fs->tmp = NULL;
    return fail_errno(s, target, EEXIST);
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
    if (s->tags && p->format == SINK_FORMAT_WAV &&
        tags_wav_chunks(s->tags, p->rate, &fs->wmeta, &fs->wmeta_len))
        return AV_ENOMEM;
    if (p->format == SINK_FORMAT_WAV && p->frames >= 0 &&
        (uint64_t)p->frames * (uint64_t)p->channels * 2 > 0xFFFFFFFFu - 44 - fs->wmeta_len) {
        sink_fail(s, "cannot write %s: too long for a WAV file (over 4 GiB); use .flac", target);
        return AV_EFORMAT;
    }

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
                return fail_errno(s, target, EISDIR);
            fs->fd = open(target, O_WRONLY | O_CLOEXEC);
            if (fs->fd < 0)
                return fail_errno(s, target, errno);
            fs->close_fd = true;
            fs->mode = MODE_STREAM;
        } else if (r != 0 && serr != ENOENT) {
            return fail_errno(s, target, serr);
        } else {
            fs->mode = MODE_ATOMIC;
            int err = make_temp(s, fs, target);
            if (err)
                return err;
        }
    }
    if (fs->mode == MODE_STREAM && isatty(fs->fd)) {
        sink_fail(s, "refusing to write audio to a terminal");
        return AV_EINVAL;
    }

    fs->use_short = p->format == SINK_FORMAT_WAV || p->format == SINK_FORMAT_FLAC;
    if (p->format == SINK_FORMAT_WAV && (fs->mode == MODE_STREAM || p->frames >= 0)) {
        int e = wav_open(fs, p);
        if (!e && fs->mode == MODE_STREAM)
            e = wav_flush(fs, false); /* the header, so a full device says so now */
        if (e)
            return fail_errno(s, target, e);
        return AV_OK;
    }
    if (p->format == SINK_FORMAT_FLAC) {
        int eno;
        int err = flac_out_create(fs->fd, fs->mode == MODE_ATOMIC, p->rate, p->channels, p->frames,
                                  s->tags, &fs->flac, &eno);
        if (err == AV_EIO && eno)
            return fail_errno(s, target, eno);
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
        int e = write_all(fs->fd, id3, len);
        free(id3);
        if (e)
            return fail_errno(s, target, e);
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
            fs->ogg = ogg_fix_create();
            if (!fs->ogg)
                return AV_ENOMEM;
            if (s->tags &&
                ogg_tags_create(s->tags, p->format == SINK_FORMAT_OPUS, &fs->ogg->tags))
                return AV_ENOMEM;
        }
        SF_VIRTUAL_IO vio = {
            .get_filelen = vio_get_filelen,
            .seek = vio_seek,
            .read = vio_read,
            .write = vio_write,
            .tell = vio_tell,
        };
        fs->sf = sf_open_virtual(&vio, SFM_WRITE, &info, fs);
    }
    if (!fs->sf) {
        if (fs->io_err)
            return fail_errno(s, target, fs->io_err);
        if (open_errno == ENOSPC || open_errno == EFBIG || open_errno == EPIPE ||
            open_errno == EIO || open_errno == EDQUOT)
            return fail_errno(s, target, open_errno);
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
        return fail_errno(s, fs->target, fs->io_err);
    fail_sf(s, fs->target, fs->sf ? sf_strerror(fs->sf) : "write failed");
    return AV_EIO;
}

static int file_write(struct sink *s, const float *in, size_t frames)
{
    struct file_sink *fs = s->priv;
    size_t n = frames * (size_t)s->params.channels;
    if (fs->raw_wav) {
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
            return fail_errno(s, fs->target, eno);
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
        int e = wav_finish(fs, &s->params);
        wav_io_stop(fs);
        if (e)
            return fail_errno(s, fs->target, e);
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
                return fail_errno(s, fs->target, fs->io_err);
            fail_sf(s, fs->target, sf_error_number(e));
            return AV_EIO;
        }
    }
    if (fs->flac) {
        int eno, e = flac_out_finish(fs->flac, &eno);
        if (e && eno)
            return fail_errno(s, fs->target, eno);
        if (e) {
            sink_fail(s, "cannot write %s: FLAC encoder: %s", fs->target, flac_out_state(fs->flac));
            return AV_EIO;
        }
    }
    if (fs->ogg && (fs->ogg->have || (fs->ogg->tags && !ogg_tags_done(fs->ogg->tags)))) {
        sink_fail(s, "cannot write %s: incomplete Ogg page", fs->target);
        return AV_EIO;
    }
    if (fs->mode == MODE_ATOMIC) {
        if (fsync(fs->fd) != 0)
            return fail_errno(s, fs->target, errno);
        int fd = fs->fd;
        fs->fd = -1;
        if (close(fd) != 0)
            return fail_errno(s, fs->target, errno);
        if (rename(fs->tmp, fs->target) != 0)
            return fail_errno(s, fs->target, errno);
        free(fs->tmp);
        fs->tmp = NULL;
        /* Make the rename durable; a failure here loses nothing written. */
        const char *slash = strrchr(fs->target, '/');
        char *dir = NULL;
        if (slash) {
            size_t len = slash == fs->target ? 1 : (size_t)(slash - fs->target);
            dir = malloc(len + 1);
            if (dir) {
                memcpy(dir, fs->target, len);
                dir[len] = '\0';
            }
        }
        int dfd = open(dir ? dir : ".", O_RDONLY | O_CLOEXEC);
        if (dfd >= 0) {
            (void)fsync(dfd);
            close(dfd);
        }
        free(dir);
    } else if (fs->close_fd) {
        int fd = fs->fd;
        fs->fd = -1;
        if (close(fd) != 0)
            return fail_errno(s, fs->target, errno);
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
    free(fs->tmp);
    free(fs->target);
    if (fs->ogg)
        ogg_tags_destroy(fs->ogg->tags);
    free(fs->ogg);
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
