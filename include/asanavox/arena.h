/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * arena.h — a bump allocator for data that lives and dies together.
 *
 * The parser puts a whole session (nodes, strings) in one arena and the
 * compiler puts a whole timeline in another, so ownership is simple: the
 * owner of the arena owns everything allocated from it, and one
 * arena_destroy() frees it all.  Not thread-safe: one thread at a time.
 */
#ifndef ASANAVOX_ARENA_H
#define ASANAVOX_ARENA_H

#include <stddef.h>

struct arena;

/* Create an empty arena.  Returns NULL when out of memory. */
struct arena *arena_create(void);

/* Free the arena and every allocation made from it.  Accepts NULL. */
void arena_destroy(struct arena *a);

/* `size` bytes aligned for any type, zero-filled; NULL when out of memory. */
void *arena_alloc(struct arena *a, size_t size);

/* A NUL-terminated copy of `len` bytes of `s`; NULL when out of memory. */
char *arena_strndup(struct arena *a, const char *s, size_t len);

/* A NUL-terminated copy of `s`; NULL when out of memory. */
char *arena_strdup(struct arena *a, const char *s);

/* printf into the arena; NULL when out of memory. */
char *arena_printf(struct arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Bytes handed out so far (for tests and limits). */
size_t arena_used(const struct arena *a);

#endif
