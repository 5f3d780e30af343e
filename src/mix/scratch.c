/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * scratch.c — a thread's work buffers, kept from one clip to the next
 * (scratch.h).  Held through a pthread key whose destructor frees them
 * when the thread ends.
 */
#include "scratch.h"

#include <pthread.h>
#include <stdlib.h>

#include "asanavox/prefault.h"

struct slots {
    void *buf[SCRATCH_SLOTS];
    size_t cap[SCRATCH_SLOTS];
};

static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_key_t key;
static int key_ok;

static void drop(void *p)
{
    struct slots *s = p;
    for (int i = 0; i < SCRATCH_SLOTS; i++)
        free(s->buf[i]);
    free(s);
}

static void make_key(void)
{
    key_ok = pthread_key_create(&key, drop) == 0;
}

static struct slots *mine(void)
{
    pthread_once(&once, make_key);
    if (!key_ok)
        return NULL;
    struct slots *s = pthread_getspecific(key);
    if (!s && (s = calloc(1, sizeof(*s))) && pthread_setspecific(key, s) != 0) {
        free(s);
        s = NULL;
    }
    return s;
}

void *scratch_take(int slot, size_t bytes)
{
    struct slots *s = mine();
    if (!s || slot < 0 || slot >= SCRATCH_SLOTS)
        return NULL;
    if (!bytes)
        bytes = 1;
    if (s->cap[slot] < bytes) {
        free(s->buf[slot]);
        s->buf[slot] = malloc(bytes);
        s->cap[slot] = s->buf[slot] ? bytes : 0;
        av_prefault(s->buf[slot], bytes); /* written whole by the caller */
    }
    return s->buf[slot];
}

void scratch_give(int slot)
{
    struct slots *s = mine();
    if (!s || slot < 0 || slot >= SCRATCH_SLOTS || s->cap[slot] <= SCRATCH_KEEP)
        return;
    free(s->buf[slot]);
    s->buf[slot] = NULL;
    s->cap[slot] = 0;
}

void scratch_drop(void)
{
    pthread_once(&once, make_key);
    if (!key_ok)
        return;
    struct slots *s = pthread_getspecific(key);
    if (s) {
        pthread_setspecific(key, NULL);
        drop(s);
    }
}
