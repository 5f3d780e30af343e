/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * mixstat.c — compile a session and run the mixer into the null sink,
 * printing where the time goes (compile, mix) and the clip cache figures.
 * Built by bench/run against the core library:
 *     cc -O2 -Iinclude -Ibuild/generated -Isrc bench/mixstat.c build/libasanavox_core.a ...
 * usage: mixstat SESSION [RATE]
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "asanavox/compile.h"
#include "asanavox/diag.h"
#include "asanavox/error.h"
#include "asanavox/mixer.h"
#include "asanavox/render.h"
#include "asanavox/sink.h"
#include "asanavox/timeline.h"
#include "asanavox/voice.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: mixstat SESSION [RATE]\n");
        return 2;
    }
    struct compile_options co;
    compile_options_init(&co);
    if (argc > 2)
        co.rate = atoi(argv[2]);
    double t0 = now();
    struct voice *v = NULL;
    int err = voice_create(&v);
    if (err) {
        fprintf(stderr, "voice: %s\n", av_strerror(err));
        return 1;
    }
    struct compile_env env;
    compile_env_default(&env, v);
    struct diag *d = diag_create();
    struct timeline *tl = NULL;
    err = compile_session(argv[1], &co, &env, d, &tl);
    diag_print(d, stderr);
    diag_destroy(d);
    if (err) {
        fprintf(stderr, "compile: %s\n", av_strerror(err));
        return 1;
    }
    double t1 = now();
    {
        /* distinct speech: the voice caches per text, so synthesizing
         * again is a lookup; count each text once. */
        double speech = 0;
        size_t before = voice_cache_count(v);
        const char **seen = calloc(tl->n_events + 1, sizeof(*seen));
        size_t nseen = 0;
        for (size_t i = 0; i < tl->n_events; i++) {
            const char *t = tl->events[i].text;
            if (!t)
                continue;
            size_t k = 0;
            while (k < nseen && strcmp(seen[k], t))
                k++;
            if (k < nseen)
                continue;
            seen[nseen++] = t;
            const struct voice_clip *c;
            if (!voice_synth(v, t, &c))
                speech += (double)c->frames / voice_native_rate(v);
        }
        free(seen);
        printf("distinct texts %zu (voice cache %zu), distinct speech %.1f s\n", nseen, before,
               speech);
        t1 = now();
    }
    struct mixer *m;
    struct mixer_options mo;
    mixer_options_init(&mo);
    mo.prepare_ahead = true; /* as render has it */
    if (getenv("MIXSTAT_SYNC"))
        mo.background = false;
    if (getenv("MIXSTAT_NOLIMIT"))
        mo.limiter = false;
    if (getenv("MIXSTAT_MONO"))
        mo.channels = 1;
    if (getenv("MIXSTAT_CACHE_MB"))
        mo.cache_bytes = (size_t)atoi(getenv("MIXSTAT_CACHE_MB")) << 20;
    err = mixer_create(tl, v, &mo, &m);
    double t1b = now();
    struct sink *s;
    const char *out = getenv("MIXSTAT_OUT");
    sink_create(out ? &sink_file_ops : &sink_null_ops, &s);
    struct sink_params sp = {tl->rate, mo.channels, SINK_FORMAT_WAV, tl->duration};
    if (out)
        sink_format_from_path(out, &sp.format);
    sink_open(s, out ? out : "", &sp);
    if (!err)
        err = render_run(m, s, NULL, NULL);
    double t2 = now();
    printf("duration %.1f s, events %zu, texts %zu\n", (double)tl->duration / tl->rate,
           tl->n_events, voice_cache_count(v));
    printf("compile %.3f s, mixer %.3f s, mix %.3f s, clips prepared %zu, cached %zu, err %s\n",
           t1 - t0, t1b - t1, t2 - t1b, mixer_clips_prepared(m), mixer_clips_cached(m),
           av_strerror(err));
    /* Not part of a render: the prediction measures every clip again. */
    double lufs = err ? -HUGE_VAL : mixer_predicted_lufs(m);
    printf("predicted %.2f LUFS (in %.3f s more)\n", lufs, now() - t2);
    sink_destroy(s);
    mixer_destroy(m);
    timeline_destroy(tl);
    voice_destroy(v);
    return err ? 1 : 0;
}
