/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * speechbank.c — the speech bank (speechbank.h): text → samples in an
 * open-addressing hash table that doubles when half full.
 */
#include "asanavox/speechbank.h"

#include <stdlib.h>
#include <string.h>

#include "asanavox/error.h"

struct entry {
    char *text;            /* owned; NULL: the slot is free */
    uint64_t hash;
    struct speech_clip clip;
    int16_t *samples;      /* owned, == clip.samples */
};

struct speech_bank {
    struct entry *slots;
    size_t cap, n;         /* cap is a power of two */
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

static struct entry *find(const struct speech_bank *b, const char *text, uint64_t h)
{
    size_t i = (size_t)h & (b->cap - 1);
    while (b->slots[i].text && (b->slots[i].hash != h || strcmp(b->slots[i].text, text)))
        i = (i + 1) & (b->cap - 1);
    return &b->slots[i];
}

int speech_bank_create(struct speech_bank **out)
{
    struct speech_bank *b = calloc(1, sizeof(*b));
    if (!b)
        return AV_ENOMEM;
    b->cap = 64;
    b->slots = calloc(b->cap, sizeof(*b->slots));
    if (!b->slots) {
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
        free(b->slots[i].text);
        free(b->slots[i].samples);
    }
    free(b->slots);
    free(b);
}

static int grow(struct speech_bank *b)
{
    struct speech_bank bigger = {.cap = b->cap * 2, .n = b->n};
    bigger.slots = calloc(bigger.cap, sizeof(*bigger.slots));
    if (!bigger.slots)
        return AV_ENOMEM;
    for (size_t i = 0; i < b->cap; i++)
        if (b->slots[i].text)
            *find(&bigger, b->slots[i].text, b->slots[i].hash) = b->slots[i];
    free(b->slots);
    *b = bigger;
    return AV_OK;
}

int speech_bank_put(struct speech_bank *b, const char *text, const int16_t *samples,
                    size_t frames, int rate)
{
    if ((b->n + 1) * 2 > b->cap && grow(b))
        return AV_ENOMEM;
    uint64_t h = hash_text(text);
    struct entry *e = find(b, text, h);
    if (e->text)
        return AV_OK;
    size_t len = strlen(text);
    char *t = malloc(len + 1);
    int16_t *s = malloc(frames ? frames * sizeof(*s) : 1);
    if (!t || !s) {
        free(t);
        free(s);
        return AV_ENOMEM;
    }
    memcpy(t, text, len + 1);
    if (frames)
        memcpy(s, samples, frames * sizeof(*s));
    *e = (struct entry){.text = t, .hash = h, .clip = {s, frames, rate}, .samples = s};
    b->n++;
    return AV_OK;
}

const struct speech_clip *speech_bank_get(const struct speech_bank *b, const char *text)
{
    if (!b)
        return NULL;
    const struct entry *e = find(b, text, hash_text(text));
    return e->text ? &e->clip : NULL;
}

size_t speech_bank_count(const struct speech_bank *b)
{
    return b ? b->n : 0;
}
