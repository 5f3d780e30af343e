/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * speechbank.c — the speech bank (speechbank.h): text → clip metadata in
 * an open-addressing hash table that doubles when half full, and the
 * samples in an unlinked spill file, appended at put and read back with
 * pread.
 */
#define _GNU_SOURCE /* O_TMPFILE */
#include "asanavox/speechbank.h"

#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

#include "asanavox/error.h"
#include "asanavox/fdio.h"
#include "asanavox/strbuf.h"

struct entry {
    char *text;            /* owned; NULL: the slot is free */
    uint64_t hash;
    struct speech_clip clip;
    int16_t *mem;          /* owned: the samples, when they could not be spilled */
};

/* Entries are allocated one by one and never move, so a speech_clip
 * pointer stays valid while the table grows; the lock lets a mixer look
 * texts up while the compile thread still adds them (compile_stream). */
struct speech_bank {
    pthread_mutex_t lock;  /* guards slots, cap and n */
    struct entry **slots;
    size_t cap, n;         /* cap is a power of two */
    int fd;                /* the spill file, or -1 before the first put */
    uint64_t end;          /* its length */
    bool in_memory;        /* no spill file could be made or written */
};

static uint64_t hash_text(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        h ^= *p;
        h *= 1099511628211ull;
    }
    return h;
}

static struct entry **find(const struct speech_bank *b, const char *text, uint64_t h)
{
    size_t i = (size_t)h & (b->cap - 1);
    while (b->slots[i] && (b->slots[i]->hash != h || strcmp(b->slots[i]->text, text)))
        i = (i + 1) & (b->cap - 1);
    return &b->slots[i];
}

int speech_bank_create(struct speech_bank **out)
{
    struct speech_bank *b = calloc(1, sizeof(*b));
    if (!b)
        return AV_ENOMEM;
    b->cap = 64;
    b->fd = -1;
    b->slots = calloc(b->cap, sizeof(*b->slots));
    if (!b->slots || pthread_mutex_init(&b->lock, NULL) != 0) {
        free(b->slots);
        free(b);
        return AV_ENOMEM;
    }
    *out = b;
    return AV_OK;
}

void speech_bank_destroy(struct speech_bank *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->cap; i++) {
        if (b->slots[i]) {
            free(b->slots[i]->text);
            free(b->slots[i]->mem);
            free(b->slots[i]);
        }
    }
    free(b->slots);
    pthread_mutex_destroy(&b->lock);
    if (b->fd >= 0)
        close(b->fd);
    free(b);
}

/* A file nobody else can open: O_TMPFILE where the file system has it,
 * else a mkstemp() name removed at once. */
static int spill_open(int *fd)
{
    const char *tmp = getenv("TMPDIR");
    if (!tmp || tmp[0] != '/')
        tmp = "/tmp";
    int f = open(tmp, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (f < 0) {
        char *name = str_printf("%s/asanavox-speech.XXXXXX", tmp);
        if (!name)
            return AV_ENOMEM;
        f = mkostemp(name, O_CLOEXEC);
        if (f >= 0)
            unlink(name);
        free(name);
    }
    if (f < 0)
        return AV_EIO;
    *fd = f;
    return AV_OK;
}

static int grow(struct speech_bank *b)
{
    struct speech_bank bigger = *b;
    bigger.cap = b->cap * 2;
    bigger.slots = calloc(bigger.cap, sizeof(*bigger.slots));
    if (!bigger.slots)
        return AV_ENOMEM;
    for (size_t i = 0; i < b->cap; i++)
        if (b->slots[i])
            *find(&bigger, b->slots[i]->text, b->slots[i]->hash) = b->slots[i];
    free(b->slots);
    b->slots = bigger.slots;
    b->cap = bigger.cap;
    return AV_OK;
}

int speech_bank_put(struct speech_bank *b, const char *text, const int16_t *samples,
                    size_t frames, int rate)
{
    /* Only the filling thread writes the spill file and b->end; the lock
     * is for the table, which readers search. */
    uint64_t h = hash_text(text);
    pthread_mutex_lock(&b->lock);
    bool have = *find(b, text, h) != NULL;
    pthread_mutex_unlock(&b->lock);
    if (have)
        return AV_OK;
    size_t bytes = frames * sizeof(*samples);
    /* A spill file that cannot be made or written (a full disk, a file
     * size limit) is not an error: the samples then stay in memory, as
     * they all did before there was a spill file. */
    if (!b->in_memory && b->fd < 0 && spill_open(&b->fd) != AV_OK)
        b->in_memory = true;
    if (!b->in_memory && frames && fdio_pwrite_exact(b->fd, samples, bytes, b->end))
        b->in_memory = true;
    int16_t *mem = NULL;
    if (b->in_memory) {
        mem = malloc(bytes ? bytes : 1);
        if (!mem)
            return AV_ENOMEM;
        if (bytes)
            memcpy(mem, samples, bytes);
    }
    size_t len = strlen(text);
    char *t = malloc(len + 1);
    if (!t) {
        free(mem);
        return AV_ENOMEM;
    }
    memcpy(t, text, len + 1);
    struct entry *e = malloc(sizeof(*e));
    if (!e) {
        free(t);
        free(mem);
        return AV_ENOMEM;
    }
    XXH128_hash_t id = XXH3_128bits(frames ? (const void *)samples : "", bytes);
    *e = (struct entry){.text = t,
                        .hash = h,
                        .clip = {frames, rate, {id.high64, id.low64}, mem ? 0 : b->end},
                        .mem = mem};
    pthread_mutex_lock(&b->lock);
    if ((b->n + 1) * 2 > b->cap && grow(b)) {
        pthread_mutex_unlock(&b->lock);
        free(t);
        free(mem);
        free(e);
        return AV_ENOMEM;
    }
    *find(b, text, h) = e;
    b->n++;
    pthread_mutex_unlock(&b->lock);
    if (!mem)
        b->end += bytes;
    return AV_OK;
}

const struct speech_clip *speech_bank_get(const struct speech_bank *b, const char *text)
{
    if (!b)
        return NULL;
    struct speech_bank *mb = (struct speech_bank *)b; /* the lock only */
    pthread_mutex_lock(&mb->lock);
    const struct entry *e = *find(b, text, hash_text(text));
    pthread_mutex_unlock(&mb->lock);
    return e ? &e->clip : NULL;
}

int speech_bank_read_into(const struct speech_bank *b, const struct speech_clip *c,
                          int16_t *s)
{
    size_t bytes = c->frames * sizeof(int16_t);
    /* The entry is the one whose clip c is (c points into it). */
    const struct entry *e = (const struct entry *)((const char *)c - offsetof(struct entry, clip));
    if (e->mem) {
        if (bytes)
            memcpy(s, e->mem, bytes);
    } else if (bytes && (b->fd < 0 || fdio_pread_exact(b->fd, s, bytes, c->offset))) {
        return AV_EIO;
    }
    XXH128_hash_t id = XXH3_128bits(bytes ? (const void *)s : "", bytes);
    if (id.high64 != c->id[0] || id.low64 != c->id[1])
        return AV_EIO;
    return AV_OK;
}

size_t speech_bank_count(const struct speech_bank *b)
{
    if (!b)
        return 0;
    struct speech_bank *mb = (struct speech_bank *)b; /* the lock only */
    pthread_mutex_lock(&mb->lock);
    size_t n = b->n;
    pthread_mutex_unlock(&mb->lock);
    return n;
}
