/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * flite.c — flite as a second speech engine for English (see flite.h).
 *
 * Each voice is registered once, when first selected, and unregistered by
 * flite_engine_destroy().  Speed: flite speaks its voices at about 170
 * words per minute; its "duration_stretch" feature scales every segment's
 * duration, so asanavox's words-per-minute become a stretch of
 * FLITE_WPM / speed.
 */
#define _GNU_SOURCE /* dl_iterate_phdr(), to find the files of flite's libraries */
#include "flite.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asanavox/config.h"
#include "asanavox/error.h"

#ifdef ASANAVOX_HAVE_FLITE

#include <flite/flite.h>
#include <flite/flite_version.h>
#include <link.h>
#include <sys/stat.h>

cst_voice *register_cmu_us_slt(const char *voxdir);
cst_voice *register_cmu_us_awb(const char *voxdir);
cst_voice *register_cmu_us_rms(const char *voxdir);
cst_voice *register_cmu_us_kal16(const char *voxdir);
void unregister_cmu_us_slt(cst_voice *v);
void unregister_cmu_us_awb(cst_voice *v);
void unregister_cmu_us_rms(cst_voice *v);
void unregister_cmu_us_kal16(cst_voice *v);

/* FLITE_STAMP_VERSION names how flite_engine_select() and
 * flite_engine_synth() drive flite (the speed's stretch, the seed): raise
 * it when they change what a text sounds like, so that clips kept on disk
 * under the old one are not used. */
enum { N_VOICES = 4, FLITE_WPM = 170, FLITE_STAMP_VERSION = 1 };

const char *const flite_engine_voices[] = {"slt", "awb", "rms", "kal16", NULL};

static cst_voice *(*const reg[N_VOICES])(const char *) = {
    register_cmu_us_slt, register_cmu_us_awb, register_cmu_us_rms, register_cmu_us_kal16};
static void (*const unreg[N_VOICES])(cst_voice *) = {
    unregister_cmu_us_slt, unregister_cmu_us_awb, unregister_cmu_us_rms,
    unregister_cmu_us_kal16};

struct flite_engine {
    cst_voice *voices[N_VOICES]; /* registered on first use */
    int rates[N_VOICES];         /* each voice's sample rate, once known */
    int current;                 /* index into voices, -1 before select */
    int rate;
};

/* The files of flite's libraries this process runs with (the core, the
 * lexicon, the voices) as the loader names them; at most 32. */
struct flite_files {
    const char *names[32];
    size_t n;
};

static int add_file(struct dl_phdr_info *info, size_t size, void *ctx)
{
    (void)size;
    struct flite_files *f = ctx;
    const char *base = info->dlpi_name ? strrchr(info->dlpi_name, '/') : NULL;
    if (base && !strncmp(base + 1, "libflite", 8) && f->n < sizeof f->names / sizeof *f->names)
        f->names[f->n++] = info->dlpi_name;
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* flite has no call that tells its version at run time, and its voices
 * are compiled into libraries of their own: the header's version, and the
 * size, inode and time of each of flite's libraries loaded, which a
 * package upgrade (files replaced by rename) changes.  They are found
 * among the loaded objects rather than by the address of one of their
 * functions, which in a program built without -fPIE is the program's own.
 * Hashing the libraries would cost more than a warm run. */
char *flite_engine_stamp(void)
{
    struct flite_files files = {.n = 0};
    dl_iterate_phdr(add_file, &files);
    qsort(files.names, files.n, sizeof *files.names, by_name);
    char buf[8192];
    int n = snprintf(buf, sizeof buf, "flite %s|asanavox %d", FLITE_PROJECT_VERSION,
                     FLITE_STAMP_VERSION);
    size_t at = n >= 0 ? (size_t)n : sizeof buf;
    for (size_t i = 0; i < files.n && at < sizeof buf; i++) {
        struct stat st;
        memset(&st, 0, sizeof st);
        stat(files.names[i], &st);
        n = snprintf(buf + at, sizeof buf - at, "|%s|%lld|%llu|%lld.%09ld", files.names[i],
                     (long long)st.st_size, (unsigned long long)st.st_ino,
                     (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
        at = n >= 0 ? at + (size_t)n : sizeof buf;
    }
    return at < sizeof buf ? strdup(buf) : NULL;
}

int flite_engine_create(struct flite_engine **out)
{
    struct flite_engine *e = calloc(1, sizeof(*e));
    if (!e)
        return AV_ENOMEM;
    flite_init();
    e->current = -1;
    *out = e;
    return AV_OK;
}

void flite_engine_destroy(struct flite_engine *e)
{
    if (!e)
        return;
    for (int i = 0; i < N_VOICES; i++)
        if (e->voices[i])
            unreg[i](e->voices[i]);
    free(e);
}

int flite_engine_select(struct flite_engine *e, const char *name, int speed)
{
    int k = -1;
    for (int i = 0; i < N_VOICES; i++)
        if (!strcmp(name, flite_engine_voices[i]))
            k = i;
    if (k < 0 || speed <= 0)
        return AV_EVOICE;
    if (!e->voices[k])
        e->voices[k] = reg[k](NULL);
    if (!e->voices[k])
        return AV_EVOICE;
    feat_set_float(e->voices[k]->features, "duration_stretch", (float)FLITE_WPM / (float)speed);
    if (!e->rates[k]) {
        /* The rate belongs to the voice's units and flite has no call
         * that tells it: one short word, once per voice, does. */
        cst_wave *w = flite_text_to_wave("a", e->voices[k]);
        e->rates[k] = w ? cst_wave_sample_rate(w) : 0;
        if (w)
            delete_wave(w);
        if (e->rates[k] <= 0)
            return AV_EVOICE;
    }
    e->current = k;
    e->rate = e->rates[k];
    return AV_OK;
}

int flite_engine_rate(const struct flite_engine *e)
{
    return e->rate;
}

int flite_engine_synth(struct flite_engine *e, const char *text, int16_t **samples,
                       size_t *frames)
{
    if (e->current < 0)
        return AV_EVOICE;
    /* The clustergen voices (slt, awb, rms) draw their noise excitation
     * from libc's rand(): seeding it before every utterance makes a text's
     * samples the same whatever was spoken before (plan and render agree,
     * and so do two renders).  rand()'s state is this thread's own
     * (src/voice/rand.c), so no other thread's draws can come between. */
    srand(1);
    cst_wave *w = flite_text_to_wave(text, e->voices[e->current]);
    if (!w)
        return AV_EVOICE;
    int n = cst_wave_num_samples(w);
    if (cst_wave_sample_rate(w) != e->rate || cst_wave_num_channels(w) != 1 || n < 0) {
        delete_wave(w);
        return AV_EVOICE;
    }
    int16_t *s = malloc((n ? (size_t)n : 1) * sizeof(*s));
    if (!s) {
        delete_wave(w);
        return AV_ENOMEM;
    }
    if (n)
        memcpy(s, cst_wave_samples(w), (size_t)n * sizeof(*s));
    delete_wave(w);
    *samples = s;
    *frames = (size_t)n;
    return AV_OK;
}

#else /* no flite */

const char *const flite_engine_voices[] = {NULL};

char *flite_engine_stamp(void)
{
    return strdup("flite (not built in)");
}

int flite_engine_create(struct flite_engine **out)
{
    (void)out;
    return AV_EVOICE;
}

void flite_engine_destroy(struct flite_engine *e)
{
    (void)e;
}

int flite_engine_select(struct flite_engine *e, const char *name, int speed)
{
    (void)e, (void)name, (void)speed;
    return AV_EVOICE;
}

int flite_engine_rate(const struct flite_engine *e)
{
    (void)e;
    return 16000;
}

int flite_engine_synth(struct flite_engine *e, const char *text, int16_t **samples,
                       size_t *frames)
{
    (void)e, (void)text, (void)samples, (void)frames;
    return AV_EVOICE;
}

#endif
