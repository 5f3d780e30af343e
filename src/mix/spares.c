/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * spares.c — the mixer's recycled sample buffers (spares.h).
 */
#include "spares.h"

#include <stdbool.h>
#include <stdlib.h>

#include "asanavox/error.h"
#include "asanavox/prefault.h"

/* Bounds of what the spares hold while nobody uses them: at 48 kHz, a
 * few seconds of speech each.  Buffers smaller than SPARE_MIN come from
 * malloc's heap (main()'s mmap threshold is 128 KiB) and are not kept. */
enum { SPARES_BYTES = 2u << 20, SPARE_MIN = 128u << 10 };

int spares_init(struct spares *s)
{
    s->n = s->bytes = 0;
    return pthread_mutex_init(&s->lock, NULL) ? AV_ENOMEM : AV_OK;
}

void spares_deinit(struct spares *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i].buf);
    s->n = s->bytes = 0;
    pthread_mutex_destroy(&s->lock);
}

/* A new buffer, its pages faulted in at once (prefault.h): every caller
 * writes the whole of it. */
static void *fresh(size_t bytes)
{
    void *p = malloc(bytes);
    av_prefault(p, bytes);
    return p;
}

void *spares_take(struct spares *s, size_t bytes)
{
    if (bytes < SPARE_MIN)
        return malloc(bytes ? bytes : 1);
    pthread_mutex_lock(&s->lock);
    size_t best = s->n, largest = s->n;
    for (size_t i = 0; i < s->n; i++) {
        if (s->v[i].cap >= bytes && (best == s->n || s->v[i].cap < s->v[best].cap))
            best = i;
        if (largest == s->n || s->v[i].cap > s->v[largest].cap)
            largest = i;
    }
    size_t pick = best < s->n ? best : largest;
    void *buf = NULL;
    size_t cap = 0;
    if (pick < s->n) {
        buf = s->v[pick].buf;
        cap = s->v[pick].cap;
        s->bytes -= cap;
        s->v[pick] = s->v[--s->n];
    }
    pthread_mutex_unlock(&s->lock);
    if (!buf)
        return fresh(bytes);
    if (cap >= bytes && cap - bytes <= bytes / 4)
        return buf;
    /* Cut down (the tail's pages go back) or grown (only the new pages are
     * faulted in, at once: the caller writes them all). */
    void *r = realloc(buf, bytes);
    if (!r) {
        free(buf);
        return fresh(bytes);
    }
    if (bytes > cap)
        av_prefault((char *)r + cap, bytes - cap);
    return r;
}

void spares_put(struct spares *s, void *buf, size_t bytes)
{
    if (!buf)
        return;
    if (bytes >= SPARE_MIN && bytes <= SPARES_BYTES) {
        pthread_mutex_lock(&s->lock);
        bool keep = s->n < SPARES_MAX && s->bytes + bytes <= SPARES_BYTES;
        if (keep) {
            s->v[s->n].buf = buf;
            s->v[s->n].cap = bytes;
            s->n++;
            s->bytes += bytes;
        }
        pthread_mutex_unlock(&s->lock);
        if (keep)
            return;
    }
    free(buf);
}
