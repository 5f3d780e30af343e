/*
 * voice.c — espeak-ng in-process, with a cache of clips keyed by text.
 *
 * espeak-ng runs in synchronous mode: espeak_ng_Synthesize() returns after
 * calling our callback with every block of samples, which we append to a
 * growing buffer owned by the voice (the callback gets the voice through
 * the event's user_data, so there is no global of ours).  The finished clip
 * is trimmed of leading and trailing silence down to a fixed margin, so
 * that "the hold starts when the speech ends" means what a listener hears.
 *
 * Voice names "flite:NAME" select flite instead (flite.h), for English;
 * its clips go through the same buffer, trimming, budget and cache, at
 * flite's own rate (voice_native_rate() follows the selected engine).
 *
 * No sound server: espeak-ng 1.51's espeak_ng_InitializeOutput() creates a
 * pcaudiolib audio object whatever the output mode (even synchronous
 * retrieval, which never plays), and that connects to PulseAudio (and may
 * map large shared-memory files, so `ulimit -f` killed `check`).  We only
 * ever take samples through the callback, so this file defines
 * create_audio_device_object() itself, returning "no device": the
 * executable's definition is the one the dynamic linker binds espeak-ng's
 * call to.  espeak-ng treats a NULL audio object as "no audio" in
 * synchronous mode, and closes it NULL-safely.
 *
 * Budgets: the callback gives up (returning 1 stops espeak-ng) once a clip
 * passes VOICE_MAX_CLIP_SECONDS or when the stop flag is raised, so no
 * text, however long, costs more than that in time or memory.  The cache
 * as a whole is bounded by the compiler's budget on distinct speech (about
 * 53 MB of clips per session); commands that compile many sessions only
 * to measure them clear it in between (voice_clear_cache()).
 */
#include "asanavox/voice.h"

#include <espeak-ng/espeak_ng.h>
#include <espeak-ng/speak_lib.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "asanavox/error.h"
#include "flite.h"

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
    int rate;               /* of the selected engine */
    int espeak_rate;
    struct flite_engine *fl; /* created when a flite voice is first selected */
    bool use_flite;
    char name[64];
    int speed;
    /* The cache: open addressing, capacity a power of two. */
    struct clip_entry **slots;
    size_t n, cap;
    /* The buffer the callback fills during one synthesis. */
    int16_t *buf;
    size_t len, buf_cap;
    bool oom;
    enum { GAVE_UP_NO, GAVE_UP_CLIP, GAVE_UP_STOP } gave_up;
    const volatile sig_atomic_t *stop;
};

/* pcaudiolib's constructor, replaced (see the top of this file): asanavox
 * never lets espeak-ng play, so it gets no audio device.  Declared here
 * because pcaudiolib's header is not a build dependency. */
struct audio_object;
struct audio_object *create_audio_device_object(const char *device, const char *application_name,
                                                const char *description);
struct audio_object *create_audio_device_object(const char *device, const char *application_name,
                                                const char *description)
{
    (void)device;
    (void)application_name;
    (void)description;
    return NULL;
}

/* Append samples to v->buf; false (with v->oom or v->gave_up set) when
 * out of memory or past the clip budget. */
static bool buf_append(struct voice *v, const short *wav, int numsamples)
{
    size_t need = v->len + (size_t)numsamples;
    /* The untrimmed clip may carry up to a second of silence around it. */
    if (need > (size_t)v->rate * (VOICE_MAX_CLIP_SECONDS + 1)) {
        v->gave_up = GAVE_UP_CLIP;
        return false;
    }
    if (need > v->buf_cap) {
        size_t cap = v->buf_cap ? v->buf_cap : 16384;
        while (cap < need)
            cap *= 2;
        int16_t *b = realloc(v->buf, cap * sizeof(*b));
        if (!b) {
            v->oom = true;
            return false;
        }
        v->buf = b;
        v->buf_cap = cap;
    }
    memcpy(v->buf + v->len, wav, (size_t)numsamples * sizeof(*wav));
    v->len = need;
    return true;
}

static int synth_callback(short *wav, int numsamples, espeak_EVENT *events)
{
    struct voice *v = events ? events->user_data : NULL;
    if (!v)
        return 0;
    if (v->stop && *v->stop) {
        v->gave_up = GAVE_UP_STOP;
        return 1;
    }
    if (!wav || numsamples <= 0)
        return 0;
    return buf_append(v, wav, numsamples) ? 0 : 1; /* 1 aborts synthesis */
}

int voice_create(struct voice **out)
{
    struct voice *v = calloc(1, sizeof(*v));
    if (!v)
        return AV_ENOMEM;
    espeak_ng_InitializePath(NULL);
    espeak_ng_ERROR_CONTEXT ctx = NULL;
    if (espeak_ng_Initialize(&ctx) != ENS_OK) {
        espeak_ng_ClearErrorContext(&ctx);
        free(v);
        return AV_EVOICE;
    }
    /* Synchronous retrieval: espeak_ng_Synthesize() returns after handing
     * every sample to synth_callback(); nothing is played. */
    if (espeak_ng_InitializeOutput(ENOUTPUT_MODE_SYNCHRONOUS, 0, NULL) != ENS_OK) {
        espeak_ng_Terminate();
        free(v);
        return AV_EVOICE;
    }
    espeak_SetSynthCallback(synth_callback);
    v->rate = v->espeak_rate = espeak_ng_GetSampleRate();
    if (v->rate <= 0) {
        espeak_ng_Terminate();
        free(v);
        return AV_EVOICE;
    }
    if (v->rate <= 0) {
        espeak_ng_Terminate();
        free(v);
        return AV_EVOICE;
    }
    *out = v;
    return AV_OK;
}

static void clear_cache(struct voice *v)
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

void voice_destroy(struct voice *v)
{
    if (!v)
        return;
    espeak_ng_Terminate();
    flite_engine_destroy(v->fl);
    clear_cache(v);
    free(v->buf);
    free(v);
}

/* True when the current espeak-ng voice lists `lang` exactly among its
 * languages.  The list is a run of (priority byte, NUL-terminated name)
 * pairs, ended by a zero priority byte. */
static bool speaks_language(const char *lang)
{
    const espeak_VOICE *cur = espeak_GetCurrentVoice();
    if (!cur || !cur->languages)
        return false;
    for (const char *p = cur->languages; *p; p += strlen(p + 1) + 2)
        if (!strcasecmp(p + 1, lang))
            return true;
    return false;
}

int voice_configure(struct voice *v, const char *name, int speed)
{
    if (speed < 80 || speed > 450)
        return AV_EINVAL;
    if (strlen(name) >= sizeof(v->name))
        return AV_EVOICE;
    if (v->speed == speed && !strcmp(v->name, name))
        return AV_OK;
    if (!strncmp(name, "flite:", 6)) {
        if (!v->fl) {
            int err = flite_engine_create(&v->fl);
            if (err)
                return err == AV_ENOMEM ? err : AV_EVOICE;
        }
        if (flite_engine_select(v->fl, name + 6, speed) != AV_OK) {
            v->use_flite = false;
            if (v->name[0] && strncmp(v->name, "flite:", 6) != 0)
                espeak_ng_SetVoiceByName(v->name);
            else if (v->name[0])
                v->use_flite = flite_engine_select(v->fl, v->name + 6, v->speed) == AV_OK;
            return AV_EVOICE;
        }
        clear_cache(v);
        strcpy(v->name, name);
        v->speed = speed;
        v->use_flite = true;
        v->rate = flite_engine_rate(v->fl);
        return AV_OK;
    }
    /* By name first ("en-us" is a voice file name); then as a language,
     * which is how "en-gb" is found (its file is "gmw/en"). */
    if (espeak_ng_SetVoiceByName(name) != ENS_OK) {
        espeak_VOICE props;
        memset(&props, 0, sizeof(props));
        props.languages = name;
        if (espeak_ng_SetVoiceByProperties(&props) != ENS_OK || !speaks_language(name)) {
            /* Matching by language is loose ("no-such-voice" finds
             * Norwegian): put the previous voice back and refuse. */
            if (v->name[0])
                espeak_ng_SetVoiceByName(v->name);
            return AV_EVOICE;
        }
    }
    if (espeak_ng_SetParameter(espeakRATE, speed, 0) != ENS_OK)
        return AV_EVOICE;
    clear_cache(v);
    strcpy(v->name, name);
    v->speed = speed;
    v->use_flite = false;
    v->rate = v->espeak_rate;
    return AV_OK;
}

void voice_set_stop(struct voice *v, const volatile sig_atomic_t *stop)
{
    v->stop = stop;
}

void voice_clear_cache(struct voice *v)
{
    clear_cache(v);
}

int voice_native_rate(const struct voice *v)
{
    return v->rate;
}

int voice_list(struct voice *v, void (*fn)(void *ctx, const struct voice_info *info), void *ctx)
{
    (void)v;
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

static bool loud(int16_t s)
{
    return s > SILENCE_LEVEL || s < -SILENCE_LEVEL;
}

int voice_synth(struct voice *v, const char *text, const struct voice_clip **out)
{
    if (!v->speed)
        return AV_EVOICE; /* voice_configure() was never called */
    if (v->n * 2 >= v->cap && grow(v))
        return AV_ENOMEM;
    struct clip_entry **slot = find_slot(v->slots, v->cap, text);
    if (!*slot) {
        if (v->stop && *v->stop)
            return AV_EINTERRUPTED;
        v->len = 0;
        v->oom = false;
        v->gave_up = GAVE_UP_NO;
        espeak_ng_STATUS st = ENS_OK;
        if (v->use_flite) {
            /* flite makes the whole clip at once: the stop flag is polled
             * before it, the clip budget after. */
            if (v->stop && *v->stop)
                return AV_EINTERRUPTED;
            int16_t *fs;
            size_t fn;
            int err = flite_engine_synth(v->fl, text, &fs, &fn);
            if (err)
                return err;
            if (fn > (size_t)INT_MAX)
                v->gave_up = GAVE_UP_CLIP;
            else if (fn)
                (void)buf_append(v, fs, (int)fn);
            free(fs);
        } else {
            size_t size = strlen(text) + 1;
            st = espeak_ng_Synthesize(text, size, 0, POS_CHARACTER, 0, espeakCHARS_UTF8, NULL, v);
        }
        if (v->oom)
            return AV_ENOMEM;
        if (v->gave_up == GAVE_UP_CLIP)
            return AV_ELIMIT;
        if (v->gave_up == GAVE_UP_STOP)
            return AV_EINTERRUPTED;
        if (st != ENS_OK)
            return AV_EVOICE;
        size_t first = 0, last = v->len;
        while (first < v->len && !loud(v->buf[first]))
            first++;
        while (last > first && !loud(v->buf[last - 1]))
            last--;
        size_t lead = (size_t)v->rate * LEAD_MARGIN_MS / 1000;
        size_t tail = (size_t)v->rate * TAIL_MARGIN_MS / 1000;
        first = first > lead ? first - lead : 0;
        last = last + tail < v->len ? last + tail : v->len;
        size_t frames = last > first ? last - first : 0;
        if (frames > (size_t)v->rate * VOICE_MAX_CLIP_SECONDS)
            return AV_ELIMIT;
        struct clip_entry *e = malloc(sizeof(*e));
        int16_t *samples = malloc((frames ? frames : 1) * sizeof(*samples));
        char *copy = strdup(text);
        if (!e || !samples || !copy) {
            free(e);
            free(samples);
            free(copy);
            return AV_ENOMEM;
        }
        if (frames)
            memcpy(samples, v->buf + first, frames * sizeof(*samples));
        e->text = copy;
        e->clip.samples = samples;
        e->clip.frames = frames;
        *slot = e;
        v->n++;
    }
    *out = &(*slot)->clip;
    return AV_OK;
}
