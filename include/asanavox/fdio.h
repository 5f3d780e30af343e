/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fdio.h — reading and writing an exact number of bytes on a descriptor.
 *
 * read(2), write(2) and send(2) may move fewer bytes than asked, and a
 * signal may interrupt them (EINTR); these loop until all `n` bytes have
 * moved.  Used for the speech cache's entry files (filecache.c) and the
 * speech helper's socket (voice/server.c).
 *
 * No state; any thread may call these, on a descriptor no other thread is
 * reading or writing at the same time.  They block as the descriptor does.
 */
#ifndef ASANAVOX_FDIO_H
#define ASANAVOX_FDIO_H

#include <stddef.h>
#include <stdint.h>

/* Read exactly `n` bytes into `p`.  Returns 0, or -1 on an error or on end
 * of input before `n` bytes (errno is then not meaningful). */
int fdio_read_exact(int fd, void *p, size_t n);

/* Read exactly `n` bytes at file offset `off` with pread(2) (the
 * descriptor's own offset is left alone, so threads may share it).
 * Returns 0, or -1 on an error or on end of file before `n` bytes. */
int fdio_pread_exact(int fd, void *p, size_t n, uint64_t off);

/* Write all `n` bytes of `p` at file offset `off` with pwrite(2).  Returns
 * 0 or -1. */
int fdio_pwrite_exact(int fd, const void *p, size_t n, uint64_t off);

/* Write all `n` bytes of `p` with write(2).  Returns 0 or -1. */
int fdio_write_exact(int fd, const void *p, size_t n);

/* Send all `n` bytes of `p` on the socket `fd` with MSG_NOSIGNAL, so that a
 * peer that has gone is an error (-1) here rather than a SIGPIPE.  Returns
 * 0 or -1. */
int fdio_send_exact(int fd, const void *p, size_t n);

#endif
