/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * arena.c — the arena allocator: many small allocations freed at once (arena.h).
 */
#include "asanavox/arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Blocks form a singly linked list, newest first.  A request larger than a
 * quarter of the block size gets a block of its own, so big allocations do
 * not waste the rest of a shared block. */
struct block {
    struct block *next;
    size_t size, used;
    max_align_t data[];
};

struct arena {
    struct block *head;
    size_t total;
};

enum { BLOCK_SIZE = 64 * 1024 };

struct arena *arena_create(void)
{
    return calloc(1, sizeof(struct arena));
}

void arena_destroy(struct arena *a)
{
    if (!a)
        return;
    struct block *b = a->head;
    while (b) {
        struct block *next = b->next;
        free(b);
        b = next;
    }
    free(a);
}

void *arena_alloc(struct arena *a, size_t size)
{
    const size_t align = sizeof(max_align_t);
    size_t need = (size + align - 1) / align * align;
    if (need < size)
        return NULL;
    if (need == 0)
        need = align;
    struct block *b = a->head;
    if (!b || b->size - b->used < need) {
        size_t cap = need > BLOCK_SIZE / 4 ? need : BLOCK_SIZE;
        if (cap > SIZE_MAX - sizeof(struct block))
            return NULL;
        struct block *nb = malloc(sizeof(struct block) + cap);
        if (!nb)
            return NULL;
        nb->size = cap;
        nb->used = 0;
        if (cap == need && b) {
            /* A dedicated block goes behind the current one so the space
             * left in the current block stays usable. */
            nb->next = b->next;
            b->next = nb;
        } else {
            nb->next = b;
            a->head = nb;
        }
        b = nb;
    }
    void *p = (char *)b->data + b->used;
    b->used += need;
    a->total += size;
    memset(p, 0, size);
    return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t len)
{
    if (len == SIZE_MAX)
        return NULL;
    char *p = arena_alloc(a, len + 1);
    if (!p)
        return NULL;
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
    return arena_strndup(a, s, strlen(s));
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *p = arena_alloc(a, (size_t)n + 1);
    if (!p)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

size_t arena_used(const struct arena *a)
{
    return a->total;
}
