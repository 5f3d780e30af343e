/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * voice.c — speech for a text: from memory, from the disk cache, or from
 * espeak-ng in a helper process (server.c), in that order.
 *
 * Every text is spoken by a fresh copy of a freshly configured espeak-ng
 * (see server.h), so its samples depend only on the engine, its data, the
 * voice, the speed and the text.  That is what makes a clip safe to keep
 * on disk and share between runs, commands and processes: the key of a
 * disk entry is exactly that list (voicecache.h; a stamp stands for the
 * engine and its data).  A clip is trimmed of leading and trailing silence down to a
 * fixed margin before it is stored, so that "the hold starts when the
 * speech ends" means what a listener hears.
 *
 * Texts may be asked for ahead (voice_prefetch()): those found in neither
 * cache are queued to the helper, which speaks several at once and
 * answers in queue order; voice_synth() of a queued text collects the
 * answers up to its own, keeping every clip that came whole.
 *
 * The disk cache also remembers which voice names espeak-ng accepts and
 * its output rate, so a run that finds every text on disk never starts
 * espeak-ng at all.
 *
 * Voice names "flite:NAME" select flite instead (flite.h), for English,
 * in this process: flite keeps no state between utterances that changes
 * them (its random numbers are seeded before each), so its clips are kept
 * in memory and on disk like espeak-ng's, under flite's own stamp.
 *
 * Budgets: no clip is longer than VOICE_MAX_CLIP_SECONDS (the helper stops
 * synthesis there, and a longer clip on disk is refused), and a raised stop
 * flag ends the wait for the helper.  The memory cache as a whole is
 * bounded by the compiler's budget on distinct speech; commands that
 * compile many sessions only to measure them clear it in between
 * (voice_clear_cache()).
 */
#include "asanavox/voice.h"

#include <espeak-ng/espeak_ng.h>
#include <espeak-ng/speak_lib.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asanavox/error.h"
#include "asanavox/filecache.h"
#include "asanavox/thread.h"
#include "flite.h"
#include "server.h"
#include "voicecache.h"

enum {
    SILENCE_LEVEL = 96,     /* |sample| below this counts as silence (-51 dBFS) */
    LEAD_MARGIN_MS = 10,    /* silence kept before the first sound */
    TAIL_MARGIN_MS = 60,    /* and after the last, for the natural decay */
};

/* Entries are allocated one by one so the clip pointers handed out stay
 * put when the table grows. */
struct clip_entry {
    char *text;
    struct voice_clip clip; /* clip.samples is malloc'd and owned */
};

struct voice {
    struct speech_server *server;
    struct filecache *disk; /* NULL: no persistent cache */
    char *stamp;            /* espeak-ng and its data, for disk keys */
    char *fl_stamp;         /* flite's, made when a flite voice is first selected */
    int rate;               /* 0 until a voice is configured */
    char name[64];
    int speed;
    bool server_ready;      /* the helper is configured with name and speed */
    size_t synthesized;
    const volatile sig_atomic_t *stop;
    struct flite_engine *fl; /* created when a flite voice is first selected */
    bool use_flite;
    /* Texts handed to the helper whose answers are not collected, oldest
     * first (pending[pend_first, pend_n), malloc'd): the helper answers in
     * this order. */
    char **pending;
    size_t pend_first, pend_n, pend_cap;
    /* The memory cache: open addressing, capacity a power of two. */
    struct clip_entry **slots;
    size_t n, cap;
};

int voice_create(struct voice **out)
{
    struct voice *v = calloc(1, sizeof(*v));
    if (!v)
        return AV_ENOMEM;
    int err = speech_server_start(&v->server);
    if (err) {
        free(v);
        return err;
    }
    *out = v;
    return AV_OK;
}

static void forget_pending(struct voice *v)
{
    for (size_t i = v->pend_first; i < v->pend_n; i++)
        free(v->pending[i]);
    v->pend_first = v->pend_n = 0;
}

static void clear_memory(struct voice *v)
{
    for (size_t i = 0; i < v->cap; i++) {
        if (!v->slots[i])
            continue;
        free(v->slots[i]->text);
        free((void *)v->slots[i]->clip.samples);
        free(v->slots[i]);
    }
    free(v->slots);
    v->slots = NULL;
    v->n = v->cap = 0;
}

int voice_lower_priority(struct voice *v, int steps)
{
    return speech_server_lower_priority(v->server, steps);
}

void voice_destroy(struct voice *v)
{
    if (!v)
        return;
    speech_server_stop(v->server);
    forget_pending(v);
    free(v->pending);
    flite_engine_destroy(v->fl);
    filecache_close(v->disk);
    free(v->stamp);
    free(v->fl_stamp);
    clear_memory(v);
    free(v);
}

int voice_use_cache(struct voice *v, const char *dir, uint64_t max_bytes)
{
    if (v->disk)
        return AV_EINVAL;
    char *stamp = voicecache_espeak_stamp();
    if (!stamp)
        return AV_ENOMEM;
    int err = filecache_open(dir, max_bytes, &v->disk);
    if (err) {
        free(stamp);
        return err;
    }
    v->stamp = stamp;
    return AV_OK;
}

int voice_configure(struct voice *v, const char *name, int speed)
{
    if (speed < 80 || speed > 450)
        return AV_EINVAL;
    if (!name[0] || strlen(name) >= sizeof(v->name))
        return AV_EVOICE;
    if (v->speed == speed && !strcmp(v->name, name))
        return AV_OK;
    voice_prefetch_end(v); /* what is pending was asked of the old voice */
    if (!strncmp(name, "flite:", 6)) {
        if (v->disk && !v->fl_stamp && !(v->fl_stamp = flite_engine_stamp()))
            return AV_ENOMEM;
        if (!v->fl) {
            int err = flite_engine_create(&v->fl);
            if (err)
                return err == AV_ENOMEM ? err : AV_EVOICE;
        }
        if (flite_engine_select(v->fl, name + 6, speed) != AV_OK) {
            /* The previous flite voice, if any, is selected again. */
            if (v->use_flite)
                flite_engine_select(v->fl, v->name + 6, v->speed);
            return AV_EVOICE;
        }
        clear_memory(v);
        strcpy(v->name, name);
        v->speed = speed;
        v->use_flite = true;
        v->rate = flite_engine_rate(v->fl);
        return AV_OK;
    }
    int rate = 0;
    bool ready = false;
    struct voicecache_voice cv = {v->disk, v->stamp, name, speed, 0};
    if (!v->disk || voicecache_known_voice(&cv, &rate) != AV_OK) {
        int err = speech_server_configure(v->server, name, speed, &rate);
        if (err) {
            v->server_ready = false; /* the helper dropped the previous voice */
            return err;
        }
        ready = true;
        if (v->disk)
            voicecache_remember_voice(&cv, rate);
    }
    clear_memory(v);
    strcpy(v->name, name);
    v->speed = speed;
    v->rate = rate;
    v->server_ready = ready;
    v->use_flite = false;
    return AV_OK;
}

void voice_set_stop(struct voice *v, const volatile sig_atomic_t *stop)
{
    v->stop = stop;
}

void voice_clear_cache(struct voice *v)
{
    clear_memory(v);
}

int voice_native_rate(const struct voice *v)
{
    return v->rate;
}

int voice_list(struct voice *v, void (*fn)(void *ctx, const struct voice_info *info), void *ctx)
{
    (void)v;
    /* Listing needs espeak-ng's data in this process; it never speaks
     * here (the helper does), so this leaves speech unchanged. */
    static bool ready;
    if (!ready) {
        espeak_ng_InitializePath(NULL);
        espeak_ng_ERROR_CONTEXT ectx = NULL;
        if (espeak_ng_Initialize(&ectx) != ENS_OK) {
            espeak_ng_ClearErrorContext(&ectx);
            return AV_EVOICE;
        }
        ready = true;
    }
    const espeak_VOICE **all = espeak_ListVoices(NULL);
    for (size_t i = 0; all && all[i]; i++) {
        /* languages: (priority byte, name) pairs; the first is the main one */
        const char *lang = all[i]->languages && all[i]->languages[0] ? all[i]->languages + 1 : "";
        struct voice_info info = {"espeak-ng", all[i]->identifier ? all[i]->identifier : "",
                                  lang};
        /* Voices are named by their file ("gmw/en-US"); what voice: takes
         * is the file's base name, or the language. */
        const char *slash = strrchr(info.name, '/');
        info.name = lang[0] ? lang : slash ? slash + 1 : info.name;
        fn(ctx, &info);
    }
    static char buf[32];
    for (size_t i = 0; flite_engine_voices[i]; i++) {
        snprintf(buf, sizeof buf, "flite:%s", flite_engine_voices[i]);
        struct voice_info info = {"flite", buf, "en-us"};
        fn(ctx, &info);
    }
    return AV_OK;
}

size_t voice_cache_count(const struct voice *v)
{
    return v->n;
}

size_t voice_synth_count(const struct voice *v)
{
    return v->synthesized;
}

int64_t voice_frames_at(size_t frames, int native, int rate)
{
    return (int64_t)(((uint64_t)frames * (uint64_t)rate + (uint64_t)native - 1) / (uint64_t)native);
}

static uint64_t hash_text(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static struct clip_entry **find_slot(struct clip_entry **slots, size_t cap, const char *text)
{
    size_t k = hash_text(text) & (cap - 1);
    while (slots[k] && strcmp(slots[k]->text, text))
        k = (k + 1) & (cap - 1);
    return &slots[k];
}

static int grow(struct voice *v)
{
    size_t cap = v->cap ? v->cap * 2 : 64;
    struct clip_entry **s = calloc(cap, sizeof(*s));
    if (!s)
        return AV_ENOMEM;
    for (size_t i = 0; i < v->cap; i++)
        if (v->slots[i])
            *find_slot(s, cap, v->slots[i]->text) = v->slots[i];
    free(v->slots);
    v->slots = s;
    v->cap = cap;
    return AV_OK;
}

void voice_forget(struct voice *v, const char *text)
{
    if (!v->cap)
        return;
    const size_t mask = v->cap - 1;
    struct clip_entry **slot = find_slot(v->slots, v->cap, text);
    struct clip_entry *e = *slot;
    if (!e)
        return;
    free(e->text);
    free((void *)e->clip.samples);
    free(e);
    *slot = NULL;
    v->n--;
    /* Linear probing has no tombstones: seat again the entries of the run
     * after the hole, so that every lookup still reaches its entry. */
    for (size_t j = ((size_t)(slot - v->slots) + 1) & mask; v->slots[j]; j = (j + 1) & mask) {
        struct clip_entry *moved = v->slots[j];
        v->slots[j] = NULL;
        *find_slot(v->slots, v->cap, moved->text) = moved;
    }
}

static bool loud(int16_t s)
{
    return s > SILENCE_LEVEL || s < -SILENCE_LEVEL;
}

/* Trim the raw clip `raw` of `len` samples (malloc'd, taken) to its
 * sound and margins: *samples is `raw` itself. */
static int trim(struct voice *v, int16_t *raw, size_t len, int16_t **samples, size_t *frames)
{
    size_t first = 0, last = len;
    while (first < len && !loud(raw[first]))
        first++;
    while (last > first && !loud(raw[last - 1]))
        last--;
    size_t lead = (size_t)v->rate * LEAD_MARGIN_MS / 1000;
    size_t tail = (size_t)v->rate * TAIL_MARGIN_MS / 1000;
    first = first > lead ? first - lead : 0;
    last = last + tail < len ? last + tail : len;
    size_t n = last > first ? last - first : 0;
    memmove(raw, raw + first, n * sizeof(*raw));
    if (n > (size_t)v->rate * VOICE_MAX_CLIP_SECONDS) {
        free(raw);
        return AV_ELIMIT;
    }
    *samples = raw;
    *frames = n;
    return AV_OK;
}

/* Keep `samples` (taken) as the clip of `text` in memory; *out is it. */
static int keep(struct voice *v, const char *text, int16_t *samples, size_t frames,
                const struct voice_clip **out)
{
    if (v->n * 2 >= v->cap && grow(v)) {
        free(samples);
        return AV_ENOMEM;
    }
    struct clip_entry **slot = find_slot(v->slots, v->cap, text);
    if (*slot) { /* already kept: the same samples */
        free(samples);
        *out = &(*slot)->clip;
        return AV_OK;
    }
    struct clip_entry *e = malloc(sizeof(*e));
    char *copy = strdup(text);
    if (!e || !copy) {
        free(e);
        free(copy);
        free(samples);
        return AV_ENOMEM;
    }
    e->text = copy;
    e->clip.samples = samples;
    e->clip.frames = frames;
    *slot = e;
    v->n++;
    *out = &e->clip;
    return AV_OK;
}

static const struct voice_clip *in_memory(const struct voice *v, const char *text)
{
    if (!v->cap)
        return NULL;
    struct clip_entry *e = *find_slot(v->slots, v->cap, text);
    return e ? &e->clip : NULL;
}

/* Where the clips of the configured voice are kept on disk: under the
 * stamp of the engine that speaks them. */
static struct voicecache_voice on_disk(const struct voice *v)
{
    struct voicecache_voice cv = {v->disk, v->use_flite ? v->fl_stamp : v->stamp, v->name,
                                  v->speed, v->rate};
    return cv;
}

/* The disk entry of `text` kept in memory: 0 with *out, AV_ENOENT (not
 * on disk, or no disk cache) or AV_ENOMEM. */
static int from_disk_to_memory(struct voice *v, const char *text, const struct voice_clip **out)
{
    if (!v->disk)
        return AV_ENOENT;
    struct voicecache_voice cv = on_disk(v);
    int16_t *samples;
    size_t frames;
    int err = voicecache_get(&cv, text, &samples, &frames);
    return err ? err : keep(v, text, samples, frames, out);
}

/* A clip spoken (raw, taken): trimmed, on disk, in memory. */
static int spoken(struct voice *v, const char *text, int16_t *raw, size_t len,
                  const struct voice_clip **out)
{
    v->synthesized++;
    int16_t *samples;
    size_t frames;
    int err = trim(v, raw, len, &samples, &frames);
    if (err)
        return err;
    if (v->disk) {
        struct voicecache_voice cv = on_disk(v);
        voicecache_put(&cv, text, samples, frames);
    }
    return keep(v, text, samples, frames, out);
}

static bool is_pending(const struct voice *v, const char *text)
{
    for (size_t i = v->pend_first; i < v->pend_n; i++)
        if (!strcmp(v->pending[i], text))
            return true;
    return false;
}

/* Hand `text` to the helper, behind the texts pending. */
static int submit(struct voice *v, const char *text)
{
    if (!v->server_ready) {
        int rate;
        int err = speech_server_configure(v->server, v->name, v->speed, &rate);
        if (err)
            return err;
        if (rate != v->rate)
            return AV_EVOICE; /* the cache and espeak-ng disagree: impossible */
        v->server_ready = true;
    }
    if (v->pend_first == v->pend_n)
        v->pend_first = v->pend_n = 0;
    if (v->pend_n == v->pend_cap) {
        size_t cap = v->pend_cap ? v->pend_cap * 2 : 64;
        char **p = realloc(v->pending, cap * sizeof(*p));
        if (!p)
            return AV_ENOMEM;
        v->pending = p;
        v->pend_cap = cap;
    }
    char *copy = strdup(text);
    if (!copy)
        return AV_ENOMEM;
    int err = speech_server_submit(v->server, text);
    if (err) {
        free(copy);
        return err;
    }
    v->pending[v->pend_n++] = copy;
    return AV_OK;
}

/* Collect answers in order until the one for `text` (NULL: until none is
 * pending), keeping every clip that came whole.  Returns `text`'s result
 * (0 with *out), or an error of the helper itself. */
static int collect_until(struct voice *v, const char *text, const struct voice_clip **out)
{
    while (v->pend_first < v->pend_n) {
        char *t = v->pending[v->pend_first];
        int16_t *raw = NULL;
        size_t len = 0;
        int err = speech_server_collect(v->server, v->stop, &raw, &len);
        /* An error that collected no answer means the helper is gone. */
        if (err && speech_server_pending(v->server) + 1 != v->pend_n - v->pend_first) {
            forget_pending(v);
            return err;
        }
        v->pend_first++;
        const struct voice_clip *c = NULL;
        if (!err)
            err = spoken(v, t, raw, len, &c);
        bool mine = text && !strcmp(t, text);
        free(t);
        if (mine) {
            *out = c;
            return err;
        }
        if (err == AV_ENOMEM)
            return err;
    }
    return text ? AV_EVOICE : AV_OK; /* not pending: cannot happen */
}

/* A Ctrl-C from the terminal reaches the helper processes too, which die
 * of it at once: the helper failing then is the stop, not a fault. */
static int interrupted(const struct voice *v, int err)
{
    return err == AV_EVOICE && av_stop_raised(v->stop) ? AV_EINTERRUPTED : err;
}

/* flite, in this process: the whole clip at once; the stop flag is
 * polled before it, the clip budget after. */
static int speak_flite(struct voice *v, const char *text, const struct voice_clip **out)
{
    if (av_stop_raised(v->stop))
        return AV_EINTERRUPTED;
    int16_t *raw;
    size_t len;
    int err = flite_engine_synth(v->fl, text, &raw, &len);
    if (err)
        return err;
    return spoken(v, text, raw, len, out);
}

int voice_synth(struct voice *v, const char *text, const struct voice_clip **out)
{
    if (!v->speed)
        return AV_EVOICE; /* voice_configure() was never called */
    const struct voice_clip *c = in_memory(v, text);
    if (c) {
        *out = c;
        return AV_OK;
    }
    if (av_stop_raised(v->stop))
        return AV_EINTERRUPTED;
    int err = from_disk_to_memory(v, text, out);
    if (err != AV_ENOENT)
        return err;
    if (v->use_flite)
        return speak_flite(v, text, out);
    if (is_pending(v, text) || !(err = submit(v, text)))
        err = collect_until(v, text, out);
    return interrupted(v, err);
}

int voice_prefetch(struct voice *v, const char *text, int64_t *frames)
{
    *frames = -1;
    if (!v->speed)
        return AV_EVOICE;
    const struct voice_clip *c = in_memory(v, text);
    if (c) {
        *frames = (int64_t)c->frames;
        return AV_OK;
    }
    if (av_stop_raised(v->stop))
        return AV_EINTERRUPTED;
    if (is_pending(v, text))
        return AV_OK;
    if (v->disk) {
        /* Only the length: the samples are read when voice_synth() asks,
         * so asking ahead keeps no clip in memory. */
        struct voicecache_voice cv = on_disk(v);
        int err = voicecache_peek(&cv, text, frames);
        if (err != AV_ENOENT)
            return err; /* 0 (known) or AV_ENOMEM */
    }
    if (v->use_flite)
        return AV_OK; /* spoken when voice_synth() asks */
    return interrupted(v, submit(v, text));
}

void voice_prefetch_end(struct voice *v)
{
    if (v->pend_first == v->pend_n)
        return;
    if (speech_server_cancel(v->server) == AV_OK)
        collect_until(v, NULL, NULL);
    forget_pending(v);
}
