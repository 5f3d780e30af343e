/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * filecache.h — a persistent cache on disk: one file per entry, keyed by a
 * byte string.
 *
 * Used for speech (src/voice/) and for session summaries (`list`).  Each
 * entry is a file in the cache directory named after a 128-bit hash of its
 * key; the file holds the whole key (so that a hash collision is a miss,
 * never a wrong answer), the data, their lengths and a checksum.
 *
 * Safety:
 *   - An entry is written to a temporary file and renamed into place, so a
 *     reader sees a whole entry or none, and two processes may read and
 *     write the same directory at once (the last rename wins; both wrote
 *     the same data for the same key).
 *   - Entries are not fsync'd: a cache is allowed to lose entries in a
 *     crash, and a torn or truncated entry fails its length or checksum
 *     test, is removed and counts as a miss.  It is never returned.
 *   - The directory is bounded: when a process has written to it, its total
 *     size is brought back under the bound when the cache is closed, oldest
 *     entries first ("oldest" by modification time, which a hit refreshes
 *     once a day).
 *
 * Threads: one thread at a time per `struct filecache`; any number of
 * processes at once.
 *
 * Errors: every function returns 0 or an AV_* code; a failing cache is
 * never fatal to its callers, which then simply work without it.
 */
#ifndef ASANAVOX_FILECACHE_H
#define ASANAVOX_FILECACHE_H

#include <stddef.h>
#include <stdint.h>

struct filecache;

/* The default bound of a cache directory, in bytes. */
#define FILECACHE_DEFAULT_MAX ((uint64_t)256 << 20)

/* The cache root: $XDG_CACHE_HOME/asanavox, or $HOME/.cache/asanavox when
 * XDG_CACHE_HOME is unset, empty or relative (as the XDG spec says).
 * *out is malloc'd.  Returns 0, AV_ENOENT (neither variable usable) or
 * AV_ENOMEM. */
int filecache_root(char **out);

/* Open (creating it and its parents, mode 0700) the directory `dir` as a
 * cache of at most `max_bytes`.  Returns 0, AV_EIO (cannot create or use
 * the directory) or AV_ENOMEM. */
int filecache_open(const char *dir, uint64_t max_bytes, struct filecache **out);

/* Evict down to the bound if this handle wrote anything, and free the
 * handle.  Accepts NULL. */
void filecache_close(struct filecache *c);

/* Look up `key`.  On a hit returns 0 with *data (malloc'd, caller frees)
 * and *len.  Returns AV_ENOENT for a miss (including a corrupt, truncated
 * or colliding entry; a corrupt one is removed), AV_ENOMEM. */
int filecache_get(struct filecache *c, const void *key, size_t key_len, void **data,
                  size_t *len);

/* filecache_get() with the data read into a buffer of `alloc(ctx, bytes)`
 * (at least `bytes`, which is the data's length or 1; it must be
 * malloc'd: it is freed on a failure, and *data is the caller's to free):
 * a caller that recycles large buffers avoids mapping and faulting in a
 * fresh one for every entry.  A NULL return means AV_ENOMEM. */
int filecache_get_alloc(struct filecache *c, const void *key, size_t key_len,
                        void *(*alloc)(void *ctx, size_t bytes), void *ctx, void **data,
                        size_t *len);

/* Whether `key` has an entry, and its data's length, without reading or
 * checking the data (a hint: a later filecache_get() may still find it
 * damaged, or gone).  Returns 0 with *len, AV_ENOENT or AV_ENOMEM. */
int filecache_peek(struct filecache *c, const void *key, size_t key_len, size_t *len);

/* Store `data` under `key`, atomically.  Returns 0, AV_EIO or AV_ENOMEM. */
int filecache_put(struct filecache *c, const void *key, size_t key_len, const void *data,
                  size_t len);

/* filecache_put() of `data` followed by `data2` (a small head and a large
 * body, without copying them into one buffer first). */
int filecache_put2(struct filecache *c, const void *key, size_t key_len, const void *data,
                   size_t len, const void *data2, size_t len2);

/* Number of entries this handle has written, and read back successfully. */
size_t filecache_puts(const struct filecache *c);
size_t filecache_hits(const struct filecache *c);

/* Bring the directory under its bound now (filecache_close() does it when
 * needed).  Returns 0 or AV_EIO. */
int filecache_trim(struct filecache *c);

/* Remove every entry (and stray temporary file) from the cache directory
 * `dir`, leaving other files alone.  A missing directory is fine.  Returns
 * 0 or AV_EIO. */
int filecache_clear(const char *dir);

#endif
