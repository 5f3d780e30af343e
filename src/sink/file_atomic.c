/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * file_atomic.c — atomic output for the file sink: the temporary file next
 * to the target, and at the end fsync(), rename over the target and a
 * fsync() of the directory, so the target is either untouched or complete.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "asanavox/error.h"
#include "file_internal.h"

int file_make_temp(struct sink *s, struct file_sink *fs, const char *target)
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
    snprintf(fs->tmp, cap, "%.*s", dirlen, dir);
    sink_file_clean_stale(fs->tmp); /* what killed renders left */
    for (int i = 0; i < 1000; i++) {
        snprintf(fs->tmp, cap, "%.*s/.%.160s.%ld.%d.tmp", dirlen, dir, base, (long)getpid(), i);
        fs->fd = open(fs->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fs->fd >= 0) {
            fs->close_fd = true;
            sink_file_keep_mode(fs->fd, target);
            return AV_OK;
        }
        if (errno != EEXIST) {
            int e = errno;
            free(fs->tmp);
            fs->tmp = NULL;
            return file_fail_errno(s, target, e);
        }
    }
    free(fs->tmp);
    fs->tmp = NULL;
    return file_fail_errno(s, target, EEXIST);
}

int file_commit(struct sink *s, struct file_sink *fs)
{
    if (fsync(fs->fd) != 0)
        return file_fail_errno(s, fs->target, errno);
    int fd = fs->fd;
    fs->fd = -1;
    if (close(fd) != 0)
        return file_fail_errno(s, fs->target, errno);
    if (rename(fs->tmp, fs->target) != 0)
        return file_fail_errno(s, fs->target, errno);
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
    return AV_OK;
}
