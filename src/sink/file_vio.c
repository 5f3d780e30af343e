/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * file_vio.c — libsndfile's virtual I/O for the file sink: writes go to
 * our descriptor (through the Ogg serial fix for Ogg), so errno of a failed
 * write (ENOSPC, EFBIG...) is ours to report, and a stream refuses to seek.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "file_internal.h"

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
                          : file_write_all(fs->fd, ptr, (size_t)count);
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

const SF_VIRTUAL_IO file_vio = {
    .get_filelen = vio_get_filelen,
    .seek = vio_seek,
    .read = vio_read,
    .write = vio_write,
    .tell = vio_tell,
};
