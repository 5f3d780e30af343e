/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * prefault.c — fault in a fresh buffer's pages in one call (prefault.h).
 */
#define _DEFAULT_SOURCE 1 /* madvise() */
#include "asanavox/prefault.h"

#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14; older headers lack it */
#endif

void av_prefault(void *p, size_t bytes)
{
    if (!p || bytes < PREFAULT_MIN)
        return;
    /* Asked every time: glibc answers from a value it keeps, and a
     * cached copy here would be a data race between clip workers. */
    long ps = sysconf(_SC_PAGESIZE);
    uintptr_t page = ps > 0 ? (uintptr_t)ps : 4096;
    uintptr_t a = ((uintptr_t)p + page - 1) & ~(page - 1);
    uintptr_t e = ((uintptr_t)p + bytes) & ~(page - 1);
    if (e > a)
        (void)madvise((void *)a, e - a, MADV_POPULATE_WRITE);
}
