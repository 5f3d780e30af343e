/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * safefile.h — reading files named by untrusted session files, safely.
 *
 * Only regular files are read: a directory, FIFO, socket or device is
 * refused with AV_ENOTREG (safefile_kind() names it for the message), and
 * opening never blocks (O_NONBLOCK, so a FIFO or /proc/kmsg cannot hang
 * us).  The size cap is enforced while reading, not taken from stat(), so a
 * file that claims to be small and never ends (a /proc file) stops at the
 * cap.  safefile_contained() tells whether a path found in a directory
 * stays inside it once symbolic links are resolved.
 *
 * No state; any thread may call these.
 */
#ifndef ASANAVOX_SAFEFILE_H
#define ASANAVOX_SAFEFILE_H

#include <stddef.h>

/* Read the whole regular file at `path` (malloc'd, NUL-terminated, caller
 * frees) when it holds at most `max` bytes.  Returns 0, AV_ENOENT,
 * AV_ENOTREG, AV_ELIMIT (more than `max` bytes), AV_EIO or AV_ENOMEM. */
int safefile_read(const char *path, size_t max, char **data, size_t *len);

/* What is at `path` (following links), for messages: "a directory",
 * "a FIFO", "a socket", "a character device", "a block device", "a regular
 * file" or "something that is not a file"; NULL when nothing is there. */
const char *safefile_kind(const char *path);

/* Whether `path`, found in directory `dir`, resolves (realpath) to a file
 * inside `dir` resolved the same way.  Returns 0 when it does, AV_ELINK when
 * a link leads outside, AV_ENOENT when either does not exist, AV_ENOMEM. */
int safefile_contained(const char *dir, const char *path);

#endif
