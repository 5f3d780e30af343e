/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * safefile.c — opening and reading untrusted files (safefile.h).
 *
 * Written here rather than taken from a library: what is wanted is a
 * handful of POSIX calls in the right order (open without blocking, fstat
 * on the descriptor that is read, a cap counted while reading, realpath
 * containment), which no Debian library packages as such.
 */
#include "asanavox/safefile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "asanavox/error.h"

int safefile_read(const char *path, size_t max, char **data, size_t *len)
{
    /* O_NONBLOCK: opening a FIFO with no writer, or a device, must not
     * wait; it is refused below anyway.  Reads from a regular file ignore
     * the flag, and a file that would block (/proc/kmsg) fails with
     * EAGAIN instead of hanging. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0)
        return errno == ENOENT || errno == ENOTDIR ? AV_ENOENT : errno == EISDIR ? AV_ENOTREG : AV_EIO;
    char *buf = NULL;
    int err = AV_EIO;
    struct stat st;
    if (fstat(fd, &st) != 0)
        goto fail;
    if (!S_ISREG(st.st_mode)) {
        err = AV_ENOTREG;
        goto fail;
    }
    /* A size over the cap is refused at once (a 50 MB file costs one
     * fstat); a smaller claimed size is not trusted: the loop counts. */
    if ((uintmax_t)st.st_size > (uintmax_t)max) {
        err = AV_ELIMIT;
        goto fail;
    }
    size_t cap = 4096, n = 0;
    buf = malloc(cap + 1);
    if (!buf) {
        err = AV_ENOMEM;
        goto fail;
    }
    for (;;) {
        if (n == cap) {
            if (cap > max) {
                err = AV_ELIMIT;
                goto fail;
            }
            size_t next = cap * 2 > max + 1 ? max + 1 : cap * 2;
            char *b = realloc(buf, next + 1);
            if (!b) {
                err = AV_ENOMEM;
                goto fail;
            }
            buf = b;
            cap = next;
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            goto fail;
        if (r == 0)
            break;
        n += (size_t)r;
    }
    if (n > max) {
        err = AV_ELIMIT;
        goto fail;
    }
    close(fd);
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return AV_OK;
fail:
    free(buf);
    close(fd);
    return err;
}

const char *safefile_kind(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return NULL;
    if (S_ISREG(st.st_mode))
        return "a regular file";
    if (S_ISDIR(st.st_mode))
        return "a directory";
    if (S_ISFIFO(st.st_mode))
        return "a FIFO";
    if (S_ISSOCK(st.st_mode))
        return "a socket";
    if (S_ISCHR(st.st_mode))
        return "a character device";
    if (S_ISBLK(st.st_mode))
        return "a block device";
    return "something that is not a file";
}

int safefile_contained(const char *dir, const char *path)
{
    int err = AV_OK;
    char *rd = realpath(dir, NULL);
    char *rp = rd ? realpath(path, NULL) : NULL;
    if (!rd || !rp) {
        err = errno == ENOMEM ? AV_ENOMEM : AV_ENOENT;
        goto done;
    }
    size_t n = strlen(rd);
    /* "/" contains everything; otherwise "DIR/" must prefix the file. */
    if (!(n == 1 && rd[0] == '/') && (strncmp(rp, rd, n) != 0 || rp[n] != '/'))
        err = AV_ELINK;
done:
    free(rd);
    free(rp);
    return err;
}
