/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cues.c — the spoken cues of sessions as the mixer renders them: their
 * loudness, the ducking of the ambient bed under them, and (for bench/voice)
 * each cue cut out as a 16 kHz WAV for a speech recognizer.
 *
 * usage: cues [-v VOICE] [-s WPM] [-a AMBIENCE] [-o DIR] [-l LIST] SESSION...
 *
 * Each session is compiled (with VOICE and speed WPM, when given, as
 * --voice and --speed would) and mixed in-process
 * through the same mixer `render` uses (48 kHz, mono: the signal every
 * channel carries), then:
 *   - every spoken cue of at least 1.5 s is measured (libebur128 through
 *     mix_clip_loudness()); one line per session:
 *       loudness SESSION MEDIAN MIN MAX N
 *   - with -a, the session is mixed twice more without the limiter, with
 *     and without the bed; the difference of the two is the bed alone,
 *     and its level is taken relative to the bare loop at the same frames
 *     (the ocean's waves come and go).  For every cue
 *     whose reference second (ending 0.5 s before the bed starts to duck)
 *     holds no other speech, the bed's level during the cue against that
 *     second is its ducking depth; one line per session:
 *       ducking SESSION MEDIAN_DB MIN_DB N
 *   - with -o, every cue whose text is a line of LIST (all cues without -l)
 *     is written once, downsampled to 16 kHz, to DIR/NNN.wav, and
 *     "NNN<TAB>text" to DIR/cues.tsv.
 * Also: limiter SESSION FRACTION — the share of cues whose peak reaches
 * the limiter's ceiling (within 0.1 dB) in the mix.
 *
 * Built by bench/voice against the core library (like mixstat.c).
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <soxr.h>
#include <stdbool.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "asanavox/compile.h"
#include "asanavox/diag.h"
#include "asanavox/error.h"
#include "asanavox/mixer.h"
#include "asanavox/sound.h"
#include "asanavox/timeline.h"
#include "asanavox/voice.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, size_t n)
{
    qsort(v, n, sizeof(*v), cmp_double);
    return n ? (n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2])) : NAN;
}

static float *mix(const struct timeline *tl, struct voice *v, bool limiter)
{
    struct mixer_options mo;
    mixer_options_init(&mo);
    mo.channels = 1;
    mo.limiter = limiter;
    struct mixer *m;
    if (mixer_create(tl, v, &mo, &m))
        return NULL;
    float *y = malloc((size_t)(tl->duration + 1) * sizeof(float));
    size_t done = 0, got;
    while (y && mixer_read_mono(m, y + done, 8192, &got) == AV_OK && got)
        done += got;
    if (y && done != (size_t)tl->duration) {
        free(y);
        y = NULL;
    }
    mixer_destroy(m);
    return y;
}

static double rms_db(const float *x, int64_t a, int64_t b)
{
    double s = 0;
    for (int64_t i = a; i < b; i++)
        s += (double)x[i] * x[i];
    return 10 * log10(s / (double)(b - a) + 1e-30);
}

static char **read_list(const char *path, size_t *n)
{
    FILE *f = fopen(path, "r");
    char **v = NULL;
    size_t cap = 0;
    *n = 0;
    if (!f)
        return NULL;
    char line[4096];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (*n == cap) {
            cap = cap ? 2 * cap : 64;
            v = realloc(v, cap * sizeof(*v));
        }
        v[(*n)++] = strdup(line);
    }
    fclose(f);
    return v;
}

static int write_cue(const char *dir, int id, const float *x, size_t n, int rate)
{
    size_t m = (size_t)((double)n * 16000 / rate) + 16;
    float *o = malloc(m * sizeof(float));
    size_t made = 0;
    soxr_quality_spec_t q = soxr_quality_spec(SOXR_VHQ, 0);
    if (!o || soxr_oneshot(rate, 16000, 1, x, n, NULL, o, m, &made, NULL, &q, NULL)) {
        free(o);
        return -1;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/%03d.wav", dir, id);
    SF_INFO info = {.samplerate = 16000, .channels = 1, .format = SF_FORMAT_WAV | SF_FORMAT_PCM_16};
    SNDFILE *sf = sf_open(path, SFM_WRITE, &info);
    if (!sf) {
        free(o);
        return -1;
    }
    /* A little silence around the cue, as a recognizer expects. */
    static const float pad[3200];
    sf_write_float(sf, pad, 3200);
    sf_write_float(sf, o, (sf_count_t)made);
    sf_write_float(sf, pad, 3200);
    sf_close(sf);
    free(o);
    return 0;
}

int main(int argc, char **argv)
{
    const char *voice = NULL, *ambience = NULL, *dir = NULL, *list = NULL;
    int opt, speed = 0;
    while ((opt = getopt(argc, argv, "v:s:a:o:l:")) != -1) {
        switch (opt) {
        case 'v': voice = optarg; break;
        case 's': speed = atoi(optarg); break;
        case 'a': ambience = optarg; break;
        case 'o': dir = optarg; break;
        case 'l': list = optarg; break;
        default:
            fprintf(stderr,
                    "usage: cues [-v VOICE] [-s WPM] [-a AMBIENCE] [-o DIR] [-l LIST] SESSION...\n");
            return 2;
        }
    }
    size_t n_want = 0;
    char **want = list ? read_list(list, &n_want) : NULL;
    char *written = want ? calloc(n_want, 1) : NULL;
    FILE *tsv = NULL;
    if (dir) {
        char p[4096];
        snprintf(p, sizeof p, "%s/cues.tsv", dir);
        tsv = fopen(p, "w");
        if (!tsv) {
            perror(p);
            return 1;
        }
    }
    struct voice *v = NULL;
    if (voice_create(&v)) {
        fprintf(stderr, "cues: cannot start espeak-ng\n");
        return 1;
    }
    struct compile_env env;
    compile_env_default(&env, v);
    int id = 0;
    for (int a = optind; a < argc; a++) {
        struct compile_options co;
        compile_options_init(&co);
        co.voice = voice;
        co.speed = speed;
        co.ambience = "none";
        struct diag *d = diag_create();
        struct timeline *tl = NULL;
        int err = compile_session(argv[a], &co, &env, d, &tl);
        diag_print(d, stderr);
        diag_destroy(d);
        if (err) {
            fprintf(stderr, "cues: %s: %s\n", argv[a], av_strerror(err));
            return 1;
        }
        float *y = mix(tl, v, true);
        if (!y) {
            fprintf(stderr, "cues: %s: mixing failed\n", argv[a]);
            return 1;
        }
        const char *base = strrchr(argv[a], '/');
        base = base ? base + 1 : argv[a];
        double *lufs = malloc((tl->n_events + 1) * sizeof(double));
        size_t n = 0, at_ceiling = 0, spoken = 0;
        const float ceiling = (float)pow(10.0, (MIXER_CEILING_DBTP - 0.1) / 20.0);
        for (size_t i = 0; i < tl->n_events; i++) {
            const struct tl_event *e = &tl->events[i];
            if (!e->text)
                continue;
            int64_t end = e->kind == TL_BREATH ? e->clip_end : e->end;
            spoken++;
            float peak = 0;
            for (int64_t t = e->start; t < end; t++)
                peak = fabsf(y[t]) > peak ? fabsf(y[t]) : peak;
            at_ceiling += peak >= ceiling;
            if (end - e->start >= tl->rate * 3 / 2)
                lufs[n++] = mix_clip_loudness(y + e->start, (size_t)(end - e->start), tl->rate);
            if (tsv) {
                size_t k = 0;
                if (want) {
                    while (k < n_want && strcmp(want[k], e->text))
                        k++;
                    if (k == n_want || written[k])
                        continue;
                    written[k] = 1;
                }
                if (write_cue(dir, id, y + e->start, (size_t)(end - e->start), tl->rate) == 0)
                    fprintf(tsv, "%03d\t%s\n", id++, e->text);
            }
        }
        double lo = 1e9, hi = -1e9;
        for (size_t i = 0; i < n; i++) {
            lo = lufs[i] < lo ? lufs[i] : lo;
            hi = lufs[i] > hi ? lufs[i] : hi;
        }
        double med = median(lufs, n);
        printf("loudness %s %.2f %.2f %.2f %zu\n", base, med, lo, hi, n);
        printf("limiter %s %.3f\n", base, spoken ? (double)at_ceiling / (double)spoken : 0.0);
        if (ambience) {
            /* Both mixes without the limiter: where it acts, it would
             * leave a trace of the voice in the difference. */
            float *y0 = mix(tl, v, false);
            timeline_destroy(tl);
            co.ambience = ambience;
            d = diag_create();
            err = compile_session(argv[a], &co, &env, d, &tl);
            diag_destroy(d);
            float *z = err ? NULL : mix(tl, v, false);
            if (!z || !y0) {
                fprintf(stderr, "cues: %s: mixing with %s failed\n", argv[a], ambience);
                return 1;
            }
            for (int64_t t = 0; t < tl->duration; t++)
                z[t] -= y0[t]; /* the bed alone */
            free(y0);
            /* The bed is not steady (waves, drops), so its level is taken
             * relative to the loop itself at the same frames. */
            struct sound *loop;
            if (sound_load(tl->ambience, tl->rate, &loop) || loop->frames == 0) {
                fprintf(stderr, "cues: cannot load %s\n", tl->ambience);
                return 1;
            }
            float *raw = malloc((size_t)tl->duration * sizeof(float));
            for (int64_t t = 0; t < tl->duration; t++)
                raw[t] = loop->samples[(size_t)t % loop->frames];
            sound_destroy(loop);
            const int64_t r = tl->rate, lead = r * 3 / 10 + r / 2; /* attack + 0.5 s */
            double *depth = malloc((tl->n_events + 1) * sizeof(double));
            size_t nd = 0;
            int64_t prev_end = -1000000000;
            for (size_t i = 0; i < tl->n_events; i++) {
                const struct tl_event *e = &tl->events[i];
                if (!e->text)
                    continue;
                int64_t end = e->kind == TL_BREATH ? e->clip_end : e->end;
                int64_t ref1 = e->start - lead, ref0 = ref1 - r;
                /* the reference second: after the last cue's release, past
                 * the bed's fade-in */
                if (ref0 > prev_end + r && ref0 > 5 * r && end - e->start >= r / 2)
                    depth[nd++] = (rms_db(z, ref0, ref1) - rms_db(raw, ref0, ref1)) -
                                  (rms_db(z, e->start, end) - rms_db(raw, e->start, end));
                if (end > prev_end)
                    prev_end = end;
            }
            double dlo = 1e9;
            for (size_t i = 0; i < nd; i++)
                dlo = depth[i] < dlo ? depth[i] : dlo;
            printf("ducking %s %.2f %.2f %zu\n", base, median(depth, nd), dlo, nd);
            free(depth);
            free(raw);
            free(z);
        }
        free(lufs);
        free(y);
        timeline_destroy(tl);
    }
    if (tsv)
        fclose(tsv);
    voice_destroy(v);
    return 0;
}
