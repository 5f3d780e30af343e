/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fdio.c — exact reads and writes on a descriptor, again after EINTR and
 * short counts (fdio.h).
 */
#include "asanavox/fdio.h"

#include <errno.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

int fdio_read_exact(int fd, void *p, size_t n)
{
    char *b = p;
    while (n) {
        ssize_t r = read(fd, b, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        b += r;
        n -= (size_t)r;
    }
    return 0;
}

int fdio_pread_exact(int fd, void *p, size_t n, uint64_t off)
{
    char *b = p;
    while (n) {
        ssize_t r = pread(fd, b, n, (off_t)off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        b += r;
        n -= (size_t)r;
        off += (uint64_t)r;
    }
    return 0;
}

int fdio_pwrite_exact(int fd, const void *p, size_t n, uint64_t off)
{
    const char *b = p;
    while (n) {
        ssize_t w = pwrite(fd, b, n, (off_t)off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        b += w;
        n -= (size_t)w;
        off += (uint64_t)w;
    }
    return 0;
}

/* The one writing loop; `sock` chooses send(2) with MSG_NOSIGNAL. */
static int write_exact(int fd, const void *p, size_t n, bool sock)
{
    const char *b = p;
    while (n) {
        ssize_t w = sock ? send(fd, b, n, MSG_NOSIGNAL) : write(fd, b, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        b += w;
        n -= (size_t)w;
    }
    return 0;
}

int fdio_write_exact(int fd, const void *p, size_t n)
{
    return write_exact(fd, p, n, false);
}

int fdio_send_exact(int fd, const void *p, size_t n)
{
    return write_exact(fd, p, n, true);
}
