/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_mixer.c — the mixer: resampling length, sample-accurate placement,
 * click-free edges, the limiter's ceiling, determinism, seeking, the
 * bounded clip cache, and the loudness of a real rendered session.
 *
 * Most tests use hand-built timelines and a fake source whose "text" says
 * what the clip is ("dc 0.25 1000": 1000 frames of 0.25), so they need no
 * espeak-ng.  The loudness tests compile tests/data/render-basic.yoga with
 * the real voice and measure the mix with libebur128.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <ebur128.h>
#include <math.h>
#include <pthread.h>
#include <soxr.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "asanavox/arena.h"
#include "asanavox/compile.h"
#include "asanavox/diag.h"
#include "asanavox/error.h"
#include "asanavox/mixer.h"
#include "asanavox/render.h"
#include "asanavox/sink.h"
#include "asanavox/tags.h"
#include "asanavox/thread.h"
#include "asanavox/timeline.h"
#include "asanavox/voice.h"
#include "dsp/resample.h"
#include "fs_support.h"

#define RATE 48000
static const double PI = 3.14159265358979323846;

/* ---- a fake source ------------------------------------------------------ */

/* "dc A N", "sine F A N", "square A N" (alternating +-A: the worst case
 * for inter-sample peaks), "fail". */
static int fake_make(const char *what, int rate, float **samples, size_t *frames)
{
    (void)rate;
    double a = 0, f = 0;
    unsigned long n = 0;
    float *s = NULL;
    if (sscanf(what, "dc %lf %lu", &a, &n) == 2) {
        s = malloc(n * sizeof(float));
        for (size_t i = 0; s && i < n; i++)
            s[i] = (float)a;
    } else if (sscanf(what, "sine %lf %lf %lu", &f, &a, &n) == 3) {
        s = malloc(n * sizeof(float));
        for (size_t i = 0; s && i < n; i++)
            s[i] = (float)(a * sin(2 * PI * f * (double)i / rate));
    } else if (sscanf(what, "square %lf %lu", &a, &n) == 2) {
        s = malloc(n * sizeof(float));
        for (size_t i = 0; s && i < n; i++)
            s[i] = (float)((i / 2) % 2 ? a : -a);
    } else {
        return AV_ESOUND;
    }
    if (!s)
        return AV_ENOMEM;
    *samples = s;
    *frames = n;
    return AV_OK;
}

static int fake_speech(void *ctx, const char *text, int rate, float **samples, size_t *frames)
{
    (void)ctx;
    return fake_make(text, rate, samples, frames);
}

static int fake_sound(void *ctx, const char *path, int rate, float **samples, size_t *frames)
{
    (void)ctx;
    return fake_make(path, rate, samples, frames);
}

static const struct mixer_source fake = {NULL, fake_speech, fake_sound};

/* ---- hand-built timelines ------------------------------------------------ */

struct ev {
    enum tl_event_kind kind;
    int64_t start;
    const char *what; /* text for speech, sound otherwise */
};

static struct timeline *make_tl(int64_t duration, const struct ev *evs, size_t n)
{
    struct timeline *tl = calloc(1, sizeof(*tl));
    assert_non_null(tl);
    tl->arena = arena_create();
    tl->rate = RATE;
    tl->title = "test";
    tl->about = "";
    tl->voice = NULL;
    tl->speed = 0;
    tl->duration = duration;
    tl->events = calloc(n ? n : 1, sizeof(struct tl_event));
    tl->n_events = n;
    for (size_t i = 0; i < n; i++) {
        struct tl_event *e = &tl->events[i];
        unsigned long len = 0;
        double a, f;
        if (sscanf(evs[i].what, "dc %lf %lu", &a, &len) != 2 &&
            sscanf(evs[i].what, "sine %lf %lf %lu", &f, &a, &len) != 3)
            sscanf(evs[i].what, "square %lf %lu", &a, &len);
        e->kind = evs[i].kind;
        e->start = evs[i].start;
        e->end = e->clip_end = e->start + (int64_t)len;
        char *w = arena_strdup(tl->arena, evs[i].what);
        if (e->kind == TL_SPEECH)
            e->text = w;
        else
            e->sound = w;
    }
    return tl;
}

static void raw_options(struct mixer_options *o, int channels)
{
    mixer_options_init(o);
    o->channels = channels;
    o->normalize = false;
    o->limiter = false;
    o->source = &fake;
}

/* The whole mix, read `block` frames at a time. */
static float *mix_all(const struct timeline *tl, const struct mixer_options *o, size_t block,
                      size_t *frames_out)
{
    struct mixer *m;
    assert_int_equal(mixer_create(tl, NULL, o, &m), AV_OK);
    size_t ch = (size_t)o->channels, total = (size_t)tl->duration;
    float *out = malloc((total + 1) * ch * sizeof(float));
    assert_non_null(out);
    size_t done = 0, got;
    do {
        size_t want = block;
        if (done + want > total + 1)
            want = total + 1 - done; /* ask for one frame more than there is */
        assert_int_equal(mixer_read(m, out + done * ch, want, &got), AV_OK);
        done += got;
    } while (got);
    assert_int_equal(done, total);
    assert_int_equal(mixer_position(m), tl->duration);
    mixer_destroy(m);
    *frames_out = done;
    return out;
}

/* ---- a streamed compile ----------------------------------------------------- */

/* A source for any text or path: noise seeded by it, as long as the
 * memory env plans speech ((bytes + 4) / 14 s), sounds half a second. */
static int noise_make(void *ctx, const char *what, int rate, float **samples, size_t *frames)
{
    (void)ctx;
    uint64_t h = 1469598103934665603ull;
    for (const char *p = what; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    size_t n = what[0] == '/' ? (size_t)rate / 2 : (strlen(what) + 4) * (size_t)rate / 14;
    float *s = malloc((n ? n : 1) * sizeof(float));
    if (!s)
        return AV_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        h ^= h << 13, h ^= h >> 7, h ^= h << 17;
        s[i] = (float)((double)(h >> 11) / 9007199254740992.0 - 0.5) * 0.6f;
    }
    *samples = s;
    *frames = n;
    return AV_OK;
}

static const struct mixer_source noise = {NULL, noise_make, noise_make};

/* The memory env, with every text after the second held back until the
 * test opens a gate, and then each a millisecond late, so the mixer runs
 * ahead of the layout and waits for it. */
struct gated {
    struct compile_env inner;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool open;
    int calls;
};

static int gated_speech(void *ctx, const char *text, int rate, int64_t *frames)
{
    struct gated *g = ctx;
    pthread_mutex_lock(&g->lock);
    if (++g->calls > 2) {
        while (!g->open)
            pthread_cond_wait(&g->cond, &g->lock);
    }
    bool late = g->calls > 2;
    pthread_mutex_unlock(&g->lock);
    if (late) {
        struct timespec ms = {0, 1000000L};
        nanosleep(&ms, NULL);
    }
    return g->inner.speech(g->inner.ctx, text, rate, frames);
}

static const char stream_session[] =
    "title: Stream\n"
    "pace: 4 6\n"
    "safety: Stop if anything hurts.\n"
    "bell\n"
    "say Come to your hands and knees.\n"
    "pose Cat cow, 3 breaths\n"
    "  Move with your breath.\n"
    "  inhale: Cow.\n"
    "  exhale: Cat.\n"
    "rest 10s\n"
    "pose Child's pose, 2 breaths, each side\n"
    "  Walk both hands to the {side}.\n"
    "silence 5s\n"
    "%s\n"
    "pose Locust, 20s\n"
    "  halfway: Halfway. Keep breathing.\n"
    "bell\n";

struct stream_job {
    const char *text;
    struct compile_options co;
    struct compile_env env;
    struct diag *d;
    struct timeline *tl;
    int result;
    _Atomic int done;
};

static void *stream_compile(void *arg)
{
    struct stream_job *j = arg;
    j->result = compile_buffer("stream.yoga", j->text, strlen(j->text), &j->co, &j->env, j->d,
                               &j->tl);
    atomic_store(&j->done, 1);
    return NULL;
}

static void stream_options(struct mixer_options *o)
{
    mixer_options_init(o);
    o->source = &noise; /* normalization, limiter and the worker on */
}

/* Mix `tl` whole, or its first `limit` frames. */
static float *mix_whole(const struct timeline *tl, size_t limit, size_t *frames)
{
    struct mixer_options o;
    stream_options(&o);
    struct mixer *m;
    assert_int_equal(mixer_create(tl, NULL, &o, &m), AV_OK);
    size_t total = limit ? limit : (size_t)tl->duration, done = 0, got;
    float *out = malloc((total + 1) * 2 * sizeof(float));
    assert_non_null(out);
    do {
        size_t want = total - done < 4096 ? total - done : 4096;
        assert_int_equal(mixer_read(m, out + done * 2, want, &got), AV_OK);
        done += got;
    } while (got && done < total);
    mixer_destroy(m);
    *frames = done;
    return out;
}

/* A compile of `fmt` with `line` in it on a thread of its own, streaming
 * to `s`, its speech through `speech` with the gate `g` (closed at the
 * start).  Everything lives here, so the test's frame owns it all. */
struct held_compile {
    char text[2048];
    struct mem_fs fs;
    struct gated g;
    struct stream_job j;
    struct compile_stream *s;
    pthread_t thread;
};

static void held_compile_start(struct held_compile *c, const char *fmt, const char *line,
                               int (*speech)(void *, const char *, int, int64_t *))
{
    snprintf(c->text, sizeof c->text, fmt, line);
    c->fs = (struct mem_fs){NULL, 0, 2.0};
    c->g = (struct gated){.open = false};
    pthread_mutex_init(&c->g.lock, NULL);
    pthread_cond_init(&c->g.cond, NULL);
    compile_env_memory(&c->g.inner, &c->fs);
    c->j = (struct stream_job){.text = c->text, .d = diag_create()};
    assert_non_null(c->j.d);
    compile_options_init(&c->j.co);
    c->j.co.rate = 16000;
    c->j.env = c->g.inner;
    c->j.env.ctx = &c->g;
    c->j.env.speech = speech;
    assert_int_equal(compile_stream_create(&c->s), AV_OK);
    c->j.co.stream = c->s;
    assert_int_equal(av_thread_create(&c->thread, stream_compile, &c->j), 0);
}

static void held_compile_open(struct held_compile *c)
{
    pthread_mutex_lock(&c->g.lock);
    c->g.open = true;
    pthread_cond_broadcast(&c->g.cond);
    pthread_mutex_unlock(&c->g.lock);
}

/* After the thread has been joined: frees all but the timeline. */
static void held_compile_free(struct held_compile *c)
{
    compile_stream_destroy(c->s);
    diag_destroy(c->j.d);
    pthread_cond_destroy(&c->g.cond);
    pthread_mutex_destroy(&c->g.lock);
}

/* The session with `line` in it, compiled on a thread with a stream while
 * it is mixed here; *frames is what was mixed before the end or an error,
 * which *err returns (the compile's result in *compiled). */
static float *mix_streamed(const char *line, size_t *frames, int *err, int *compiled,
                           struct timeline **tl)
{
    struct held_compile c;
    held_compile_start(&c, stream_session, line, gated_speech);

    struct timeline hdr;
    assert_int_equal(compile_stream_header(c.s, &hdr), AV_OK);
    assert_int_equal(hdr.rate, 16000);
    struct mixer_options o;
    stream_options(&o);
    o.stream = c.s;
    struct mixer *m;
    assert_int_equal(mixer_create(&hdr, NULL, &o, &m), AV_OK);
    size_t cap = 16000 * 600, done = 0, got;
    float *out = malloc(cap * 2 * sizeof(float));
    assert_non_null(out);
    int e = AV_OK;
    bool first = true;
    do {
        e = mixer_read(m, out + done * 2, 4096, &got);
        done += got;
        if (first) {
            /* The first block came while the layout was held back. */
            assert_int_equal(e, AV_OK);
            assert_int_equal(got, 4096);
            assert_int_equal(atomic_load(&c.j.done), 0);
            held_compile_open(&c);
            first = false;
        }
    } while (!e && got && done + 4096 <= cap);
    mixer_destroy(m);
    pthread_join(c.thread, NULL);
    held_compile_free(&c);
    *frames = done;
    *err = e;
    *compiled = c.j.result;
    *tl = c.j.tl;
    return out;
}

/* `fmt` with `line` in it, compiled whole with the in-memory voice. */
static struct timeline *compile_held(const char *fmt, const char *line)
{
    char text[2048];
    snprintf(text, sizeof text, fmt, line);
    struct mem_fs fs = {NULL, 0, 2.0};
    struct compile_env env;
    compile_env_memory(&env, &fs);
    struct compile_options co;
    compile_options_init(&co);
    co.rate = 16000;
    struct diag *d = diag_create();
    struct timeline *tl = NULL;
    assert_int_equal(compile_buffer("stream.yoga", text, strlen(text), &co, &env, d, &tl), AV_OK);
    diag_destroy(d);
    return tl;
}

static struct timeline *compile_whole(const char *line)
{
    return compile_held(stream_session, line);
}

/* A mix that starts before the layout is done gives the samples of the
 * mix of the whole timeline, to the bit. */
static void test_streamed_same_samples(void **state)
{
    (void)state;
    size_t n_stream, n_whole;
    int err, compiled;
    struct timeline *tl_s;
    float *a = mix_streamed("say Almost there.", &n_stream, &err, &compiled, &tl_s);
    assert_int_equal(compiled, AV_OK);
    assert_int_equal(err, AV_OK);
    struct timeline *tl = compile_whole("say Almost there.");
    assert_int_equal(tl_s->duration, tl->duration);
    assert_int_equal(tl_s->n_events, tl->n_events);
    assert_true(tl->n_events > 20);
    float *b = mix_whole(tl, 0, &n_whole);
    assert_int_equal(n_stream, (size_t)tl->duration);
    assert_int_equal(n_whole, n_stream);
    assert_memory_equal(a, b, n_whole * 2 * sizeof(float));
    free(a);
    free(b);
    timeline_destroy(tl);
    timeline_destroy(tl_s);
}

/* An error the layout finds late (an 'at' in the past) stops the streamed
 * mix with it; what was mixed before is what the session without that
 * line sounds like up to there. */
static void test_streamed_late_error(void **state)
{
    (void)state;
    size_t n_stream, n_whole;
    int err, compiled;
    struct timeline *tl_s;
    float *a = mix_streamed("at 0:10", &n_stream, &err, &compiled, &tl_s);
    assert_int_equal(compiled, AV_ESYNTAX);
    assert_null(tl_s);
    assert_int_equal(err, AV_ESYNTAX);
    struct timeline *tl = compile_whole("say Almost there.");
    /* Mixed up to near the silence before the bad line (about 1:15 in). */
    assert_true(n_stream > (size_t)tl->rate * 60);
    assert_true(n_stream < (size_t)tl->duration);
    float *b = mix_whole(tl, n_stream, &n_whole);
    assert_int_equal(n_whole, n_stream);
    assert_memory_equal(a, b, n_whole * 2 * sizeof(float));
    free(a);
    free(b);
    timeline_destroy(tl);
}

/* ---- a streamed render ------------------------------------------------------- */

/* The layout asks for the length of "Second words." only after a minute
 * of silence, and the env holds it back until the test opens the gate: a
 * render mixes (and holds) its first blocks, 16 s at 16 kHz, while the
 * compile is certainly still running. */
static const char held_session[] =
    "title: Held\n"
    "pace: 4 6\n"
    "bell\n"
    "say First words.\n"
    "silence 60s\n"
    "say Second words.\n"
    "pose Cat cow, 3 breaths\n"
    "  Move with your breath.\n"
    "  inhale: Cow.\n"
    "  exhale: Cat.\n"
    "%s\n"
    "pose Locust, 20s\n"
    "  halfway: Halfway. Keep breathing.\n"
    "bell\n";

static int held_speech(void *ctx, const char *text, int rate, int64_t *frames)
{
    struct gated *g = ctx;
    pthread_mutex_lock(&g->lock);
    g->calls++;
    while (strstr(text, "Second") && !g->open)
        pthread_cond_wait(&g->cond, &g->lock);
    pthread_mutex_unlock(&g->lock);
    return g->inner.speech(g->inner.ctx, text, rate, frames);
}

/* What render_run_opening() asks for: the sink once the timeline is whole. */
struct opening {
    struct held_compile *c;
    struct mixer *m;
    const char *out;
    struct sink *sink;
    int calls;
    bool compiling;  /* the compile had not ended when the sink was asked for */
    bool joined;
    bool early;      /* open at once, length unknown (frames -1) */
    const struct tags *head; /* early: the tags at open (no chapters) */
    struct tags *tags; /* early: the chapters given before the finish */
    bool finished;   /* before_finish was called */
};

/* The sink for `early`: a WAV file of unknown length, opened before the
 * compile has laid anything out; then the compile goes on. */
static int open_at_once(struct opening *o, struct sink **s)
{
    o->compiling = !atomic_load(&o->c->j.done);
    assert_int_equal(sink_create(&sink_file_ops, &o->sink), AV_OK);
    sink_set_tags(o->sink, o->head);
    struct sink_params p = {16000, 2, SINK_FORMAT_WAV, -1};
    assert_int_equal(sink_open(o->sink, o->out, &p), AV_OK);
    held_compile_open(o->c);
    *s = o->sink;
    return AV_OK;
}

/* before_finish: the compile has ended; its chapters for the file. */
static int chapters_at_end(void *ctx, struct sink *s)
{
    struct opening *o = ctx;
    o->finished = true;
    if (!o->early)
        return AV_OK;
    pthread_join(o->c->thread, NULL);
    o->joined = true;
    assert_int_equal(o->c->j.result, AV_OK);
    assert_int_equal(tags_create(o->c->j.tl, "-", &o->tags), AV_OK);
    sink_set_tags(s, o->tags);
    return AV_OK;
}

static int open_when_compiled(void *ctx, struct sink **s)
{
    struct opening *o = ctx;
    o->calls++;
    if (o->early)
        return open_at_once(o, s);
    o->compiling = !atomic_load(&o->c->j.done);
    held_compile_open(o->c);
    bool ended = false;
    int err = AV_OK;
    while (!ended && !err)
        err = mixer_stream_prefetch(o->m, &ended);
    pthread_join(o->c->thread, NULL);
    o->joined = true;
    if (err)
        return err;
    assert_int_equal(o->c->j.result, AV_OK);
    assert_int_equal(mixer_duration(o->m), o->c->j.tl->duration);
    assert_int_equal(sink_create(&sink_file_ops, &o->sink), AV_OK);
    struct sink_params p = {16000, 2, SINK_FORMAT_WAV, o->c->j.tl->duration};
    assert_int_equal(sink_open(o->sink, o->out, &p), AV_OK);
    *s = o->sink;
    return AV_OK;
}

/* Render the held session with `line` in it to `out` while it compiles;
 * returns render_run_opening()'s result (the compile's in *compiled, its
 * timeline in *tl). */
static int render_streamed(const char *line, const char *out, int *compiled,
                           struct timeline **tl, struct opening *o)
{
    bool early = o->early;
    const struct tags *head = o->head;
    struct held_compile c;
    held_compile_start(&c, held_session, line, held_speech);
    *o = (struct opening){.c = &c, .out = out, .early = early, .head = head};

    struct timeline hdr;
    assert_int_equal(compile_stream_header(c.s, &hdr), AV_OK);
    struct mixer_options mo;
    stream_options(&mo);
    mo.stream = c.s;
    mo.prepare_ahead = true;
    assert_int_equal(mixer_create(&hdr, NULL, &mo, &o->m), AV_OK);
    const struct render_open op = {open_when_compiled, o, early, chapters_at_end};
    volatile sig_atomic_t stop = 0;
    int err = render_run_opening(o->m, &op, &stop, NULL);
    mixer_destroy(o->m);
    if (!o->joined)
        pthread_join(c.thread, NULL);
    sink_destroy(o->sink);
    held_compile_free(&c);
    o->c = NULL; /* it lived in this frame */
    *compiled = c.j.result;
    *tl = c.j.tl;
    return err;
}

/* render_run_opening() on a mixer of a compile still running (held back
 * until the sink is asked for) writes the bytes render_run() writes from
 * the whole timeline. */
static void streamed_render_same_bytes(bool early)
{
    char *dir = tmpdir_for("mixer");
    char *a = path_in(dir, "streamed.wav"), *b = path_in(dir, "whole.wav");
    int compiled;
    struct timeline *tl_s;
    struct opening o = {.early = early};
    /* Early: the title... at open, as from the stream's header; the
     * chapters come from the streamed compile's own timeline at the end. */
    struct timeline *tl = compile_held(held_session, "say Almost there.");
    struct tags *t = NULL, head;
    if (early) {
        assert_int_equal(tags_create(tl, "-", &t), AV_OK);
        head = *t;
        head.chapters = NULL;
        head.n_chapters = 0;
        o.head = &head;
    }
    assert_int_equal(render_streamed("say Almost there.", a, &compiled, &tl_s, &o), AV_OK);
    assert_int_equal(compiled, AV_OK);
    assert_int_equal(o.calls, 1);
    assert_true(o.compiling);
    assert_true(o.finished);

    assert_int_equal(tl->duration, tl_s->duration);
    assert_true(tl->duration > 16000 * 90);
    struct mixer_options mo;
    stream_options(&mo);
    struct mixer *m;
    assert_int_equal(mixer_create(tl, NULL, &mo, &m), AV_OK);
    struct sink *s;
    assert_int_equal(sink_create(&sink_file_ops, &s), AV_OK);
    struct sink_params p = {16000, 2, SINK_FORMAT_WAV, tl->duration};
    if (early) {
        assert_true(t->n_chapters > 1);
        sink_set_tags(s, t); /* the same chapters, known before the file is opened */
    }
    assert_int_equal(sink_open(s, b, &p), AV_OK);
    assert_int_equal(render_run(m, s, NULL, NULL), AV_OK);
    sink_destroy(s);
    mixer_destroy(m);

    size_t na, nb;
    unsigned char *da = slurp(a, &na), *db = slurp(b, &nb);
    assert_non_null(da);
    assert_non_null(db);
    if (!early) {
        assert_int_equal(na, 44 + (size_t)tl->duration * 4);
    } else {
        /* LIST/INFO before the data, cue and LIST/adtl after it. */
        assert_true(na > 44 + (size_t)tl->duration * 4);
        assert_true(na > (size_t)2 << 20); /* past the piece kept back */
        uint32_t riff = (uint32_t)da[4] | (uint32_t)da[5] << 8 | (uint32_t)da[6] << 16 |
                        (uint32_t)da[7] << 24;
        assert_int_equal(riff, na - 8);
    }
    assert_int_equal(na, nb);
    assert_memory_equal(da, db, na);
    free(da);
    free(db);
    tags_destroy(t);
    tags_destroy(o.tags);
    timeline_destroy(tl);
    timeline_destroy(tl_s);
    free(a);
    free(b);
    rm_rf(dir);
    free(dir);
}

static void test_streamed_render_same_bytes(void **state)
{
    (void)state;
    streamed_render_same_bytes(false);
}

/* The same with the WAV file opened before anything is laid out, of
 * unknown length (its header written last) and its chapters given at the
 * end: the bytes of the whole-timeline render with the same tags. */
static void test_streamed_render_early_same_bytes(void **state)
{
    (void)state;
    streamed_render_same_bytes(true);
}

/* An error the layout finds after the render has started (an 'at' in the
 * past, after the held text) is what render_run_opening() returns; the
 * sink was never opened, so there is no file. */
static void test_streamed_render_late_error(void **state)
{
    (void)state;
    char *dir = tmpdir_for("mixer");
    char *a = path_in(dir, "late.wav");
    int compiled;
    struct timeline *tl_s;
    struct opening o = {0};
    assert_int_equal(render_streamed("at 0:10", a, &compiled, &tl_s, &o), AV_ESYNTAX);
    assert_int_equal(compiled, AV_ESYNTAX);
    assert_null(tl_s);
    assert_int_equal(o.calls, 1);
    assert_true(o.compiling);
    assert_null(o.sink);
    assert_int_equal(count_entries(dir, NULL), 0);
    free(a);
    rm_rf(dir);
    free(dir);
}

/* ---- resampling ------------------------------------------------------------ */

static void test_resample_length(void **state)
{
    (void)state;
    static const struct {
        size_t n;
        int in, out;
    } cases[] = {
        {1, 22050, 48000},     {5, 22050, 48000},     {146, 22050, 48000},
        {147, 22050, 48000},   {148, 22050, 48000},   {22050, 22050, 48000},
        {88211, 22050, 48000}, {12345, 22050, 44100}, {99991, 22050, 96000},
        {40000, 22050, 8000},  {30001, 22050, 22050}, {77777, 22050, 44101},
    };
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        size_t n = cases[c].n;
        int64_t want = voice_frames_at(n, cases[c].in, cases[c].out);
        assert_true(want >= 1);
        int16_t *in = malloc(n * sizeof(int16_t));
        for (size_t i = 0; i < n; i++)
            in[i] = (int16_t)(8000 * sin(2 * PI * 440.0 * (double)i / cases[c].in));
        float *out = malloc(((size_t)want + 16) * sizeof(float));
        for (size_t i = 0; i < (size_t)want + 16; i++)
            out[i] = 123.0f;
        assert_int_equal(mix_resample_s16(in, n, cases[c].in, cases[c].out, out, (size_t)want),
                         AV_OK);
        for (size_t i = (size_t)want; i < (size_t)want + 16; i++)
            assert_true(out[i] == 123.0f); /* nothing written past the length */
        for (size_t i = 0; i < (size_t)want; i++)
            assert_true(fabsf(out[i]) < 0.5f);
        /* Away from the edges, a 440 Hz sine is still that sine. */
        if (n >= 8000) {
            double sum = 0;
            size_t a = (size_t)want / 4, b = (size_t)want * 3 / 4;
            for (size_t i = a; i < b; i++)
                sum += (double)out[i] * out[i];
            double rms = sqrt(sum / (double)(b - a));
            assert_true(fabs(rms - 8000.0 / 32768.0 / sqrt(2.0)) < 0.01);
            size_t crossings = 0;
            for (size_t i = a + 1; i < b; i++)
                crossings += (out[i - 1] < 0) != (out[i] < 0);
            double hz = (double)crossings / 2.0 / ((double)(b - a) / cases[c].out);
            assert_true(fabs(hz - 440.0) < 5.0);
        }
        /* Asked for fewer frames, it gives the same conversion cut short:
         * the last of them still made from the input after them. */
        size_t part = (size_t)want / 2;
        if (part > 0) {
            float *cut = malloc((part + 16) * sizeof(float));
            for (size_t i = 0; i < part + 16; i++)
                cut[i] = 123.0f;
            assert_int_equal(mix_resample_s16(in, n, cases[c].in, cases[c].out, cut, part),
                             AV_OK);
            assert_memory_equal(cut, out, part * sizeof(float));
            for (size_t i = part; i < part + 16; i++)
                assert_true(cut[i] == 123.0f);
            free(cut);
        }
        free(in);
        free(out);
    }
}

/* Speech goes to soxr in pieces (mix_resample_s16(), dsp_resample());
 * its bytes must be those of soxr_oneshot() over the whole signal as
 * floats (s / 32768), called here directly, at every length around the
 * piece size and for a length cut short or padded. */
static void test_resample_pieces_match_oneshot(void **state)
{
    (void)state;
    const size_t lens[] = {1, 100, 4095, 4096, 4097, 12289, 50000};
    for (size_t l = 0; l < sizeof lens / sizeof lens[0]; l++) {
        size_t n = lens[l];
        int16_t *in = malloc(n * sizeof(int16_t));
        float *f = malloc(n * sizeof(float));
        uint32_t x = 12345;
        for (size_t i = 0; i < n; i++) {
            x = x * 1103515245u + 12345u;
            in[i] = (int16_t)(sin((double)i * 0.05) * 12000.0 + (double)((x >> 16) % 2001) - 1000.0);
            f[i] = (float)in[i] / 32768.0f;
        }
        size_t need = (n * 48000 + 22049) / 22050;
        float *ref = calloc(need + 64, sizeof(float));
        soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
        io.flags |= SOXR_NO_DITHER;
        soxr_quality_spec_t q = soxr_quality_spec(SOXR_HQ, 0);
        q.passband_end = 0.95;
        soxr_runtime_spec_t rt = soxr_runtime_spec(1);
        size_t made = 0;
        assert_null(soxr_oneshot(22050, 48000, 1, f, n, NULL, ref, need, &made, &io, &q, &rt));
        const size_t outs[] = {need, need / 2 + 1, need + 50};
        for (size_t o = 0; o < 3; o++) {
            size_t want = outs[o];
            float *ours = malloc(want * sizeof(float));
            assert_int_equal(mix_resample_s16(in, n, 22050, 48000, ours, want), AV_OK);
            size_t same = want < made ? want : made;
            assert_memory_equal(ours, ref, same * sizeof(float));
            for (size_t i = same; i < want; i++)
                assert_true(ours[i] == 0.0f);
            /* The float path (sounds, and speech after its peak control)
             * is fed in pieces the same way. */
            assert_int_equal(dsp_resample(f, n, 22050, 48000, ours, want), AV_OK);
            assert_memory_equal(ours, ref, same * sizeof(float));
            for (size_t i = same; i < want; i++)
                assert_true(ours[i] == 0.0f);
            free(ours);
        }
        free(in);
        free(f);
        free(ref);
    }
}

/* The resampler must give the signal itself at the output rate.  The input
 * is a sum of three sines, so the exact output is the same sines evaluated
 * at the output's instants, worked out here without any resampler: this
 * checks the response in the speech band, that the output is aligned with
 * the input (one frame of delay at 48 kHz moves the 4.1 kHz sine by 0.03),
 * and, at 8 kHz, that a sine above the output's Nyquist frequency is
 * removed rather than folded back.  The first and last 50 ms, where the
 * sines start and stop abruptly, are left out. */
static void test_resample_matches_reference(void **state)
{
    (void)state;
    static const struct {
        double amp, hz, phase;
    } sines[] = {{6000, 300.0, 0.0}, {3000, 2100.0, 1.0}, {2000, 4100.0, 2.0}};
    enum { NS = sizeof(sines) / sizeof(sines[0]) };
    size_t n = 22050 * 3 + 17;
    int16_t *in = malloc(n * sizeof(int16_t));
    for (size_t i = 0; i < n; i++) {
        double v = 0;
        for (int k = 0; k < NS; k++)
            v += sines[k].amp * sin(2 * PI * sines[k].hz * (double)i / 22050 + sines[k].phase);
        in[i] = (int16_t)lrint(v);
    }
    static const int rates[] = {48000, 44100, 96000, 32000, 8000};
    for (size_t r = 0; r < sizeof(rates) / sizeof(rates[0]); r++) {
        int rate = rates[r];
        size_t want = (size_t)voice_frames_at(n, 22050, rate);
        float *ours = malloc(want * sizeof(float));
        assert_int_equal(mix_resample_s16(in, n, 22050, rate, ours, want), AV_OK);
        double worst = 0;
        size_t edge = (size_t)rate / 20;
        for (size_t j = edge; j < want - edge; j++) {
            double v = 0;
            for (int k = 0; k < NS; k++)
                if (sines[k].hz < rate / 2.0)
                    v += sines[k].amp * sin(2 * PI * sines[k].hz * (double)j / rate + sines[k].phase);
            double e = fabs((double)ours[j] - v / 32768.0);
            worst = e > worst ? e : worst;
        }
        print_message("%d Hz: largest difference from the exact signal %.2g\n", rate, worst);
        /* The signal peaks near 0.34; 1e-4 is about three 16-bit steps. */
        assert_true(worst < 1e-4);
        free(ours);
    }
    free(in);
}

/* ---- placement --------------------------------------------------------------- */

static void test_sample_accurate_placement(void **state)
{
    (void)state;
    static const int64_t starts[] = {0, 4095, 4096 + 1000, 4096 * 3 + 1, 30011, 50000, 77777};
    enum { N = sizeof(starts) / sizeof(starts[0]), LEN = 1000 };
    struct ev evs[N];
    char what[N][32];
    for (int i = 0; i < N; i++) {
        snprintf(what[i], sizeof(what[i]), "dc %.3f %d", 0.1 + 0.1 * i, LEN);
        evs[i] = (struct ev){i % 2 ? TL_SPEECH : TL_BELL, starts[i], what[i]};
    }
    struct timeline *tl = make_tl(80000, evs, N);
    struct mixer_options o;
    raw_options(&o, 2);
    static const size_t blocks[] = {1, 7, 1000, 4096, 4097, 100000};
    float *ref = NULL;
    for (size_t b = 0; b < sizeof(blocks) / sizeof(blocks[0]); b++) {
        size_t frames;
        float *y = mix_all(tl, &o, blocks[b], &frames);
        assert_int_equal(frames, 80000);
        for (size_t t = 0; t < frames; t++)
            assert_true(y[2 * t] == y[2 * t + 1]); /* stereo: the same on both */
        for (int i = 0; i < N; i++) {
            size_t s = (size_t)starts[i];
            float level = (float)(0.1 + 0.1 * i);
            if (s > 0)
                assert_true(y[2 * (s - 1)] == 0.0f);
            assert_true(y[2 * s] > 0.0f); /* the first sample is where it is planned */
            assert_true(y[2 * s] < level);
            assert_true(fabsf(y[2 * (s + LEN / 2)] - level) < 1e-6f);
            assert_true(y[2 * (s + LEN - 1)] > 0.0f); /* the last one too */
            if (s + LEN < frames)
                assert_true(y[2 * (s + LEN)] == 0.0f);
        }
        if (!ref)
            ref = y;
        else {
            assert_memory_equal(ref, y, frames * 2 * sizeof(float)); /* any block size */
            free(y);
        }
    }
    free(ref);
    timeline_destroy(tl);
}

/* ---- fades ------------------------------------------------------------------ */

static float max_step(const float *y, size_t frames, size_t ch)
{
    float worst = 0;
    for (size_t t = 1; t < frames; t++) {
        float d = fabsf(y[t * ch] - y[(t - 1) * ch]);
        worst = d > worst ? d : worst;
    }
    return worst;
}

static void test_fades_no_clicks(void **state)
{
    (void)state;
    /* Full-scale DC is the worst case for an edge: without fades each
     * clip start and end would be a step of 0.9.  A speech clip cut by the
     * end of the session, and one overlapping another, too. */
    static const struct ev evs[] = {
        {TL_BELL, 1000, "dc 0.9 20000"},
        {TL_SPEECH, 30000, "dc -0.9 5000"},
        {TL_SPEECH, 32000, "dc 0.45 500"},
        {TL_SPEECH, 50000, "dc 0.9 30000"}, /* runs past the end */
    };
    struct timeline *tl = make_tl(60000, evs, 4);
    struct mixer_options o;
    raw_options(&o, 1);
    size_t frames;
    float *y = mix_all(tl, &o, 4096, &frames);
    /* A 3 ms sin^2 fade over 144 frames rises at most 0.9 * pi / 2 / 145. */
    const float threshold = 0.02f;
    assert_true(max_step(y, frames, 1) < threshold);
    assert_true(fabsf(y[frames - 1]) < threshold); /* faded out at the end */
    free(y);

    /* With the limiter holding the DC down, the edges stay smooth. */
    o.limiter = true;
    y = mix_all(tl, &o, 4096, &frames);
    assert_true(max_step(y, frames, 1) < threshold);
    free(y);
    timeline_destroy(tl);
}

/* ---- limiter ------------------------------------------------------------------ */

static double true_peak_dbtp(const float *y, size_t frames, int ch)
{
    ebur128_state *st = ebur128_init((unsigned)ch, RATE, EBUR128_MODE_TRUE_PEAK);
    assert_non_null(st);
    assert_int_equal(ebur128_add_frames_float(st, y, frames), EBUR128_SUCCESS);
    double worst = 0;
    for (int c = 0; c < ch; c++) {
        double p;
        assert_int_equal(ebur128_true_peak(st, (unsigned)c, &p), EBUR128_SUCCESS);
        worst = p > worst ? p : worst;
    }
    ebur128_destroy(&st);
    return 20 * log10(worst);
}

static void test_limiter_ceiling(void **state)
{
    (void)state;
    static const struct ev evs[] = {
        {TL_SPEECH, 1000, "sine 997 0.9 96000"},
        {TL_BELL, 20000, "sine 1499 0.9 48000"},
        {TL_BELL, 40000, "sine 3001 0.9 48000"},
        {TL_SPEECH, 110000, "square 1.0 24000"}, /* fs/4 at full scale */
        {TL_SPEECH, 140000, "dc 1.0 4800"},
        {TL_SPEECH, 141000, "dc 1.0 4800"},
    };
    struct timeline *tl = make_tl(160000, evs, 6);
    struct mixer_options o;
    raw_options(&o, 2);
    o.limiter = true;
    size_t frames;
    float *y = mix_all(tl, &o, 4096, &frames);
    double tp = true_peak_dbtp(y, frames, 2);
    assert_true(tp <= -1.0);
    float ceiling = (float)pow(10.0, MIXER_CEILING_DBTP / 20.0);
    for (size_t i = 0; i < frames * 2; i++)
        assert_true(fabsf(y[i]) <= ceiling * 1.0001f);
    free(y);
    timeline_destroy(tl);
}

static void test_limiter_transparent_below_ceiling(void **state)
{
    (void)state;
    static const struct ev evs[] = {
        {TL_SPEECH, 500, "sine 440 0.3 40000"},
        {TL_BELL, 20000, "sine 3000 0.2 20000"},
    };
    struct timeline *tl = make_tl(70000, evs, 2);
    struct mixer_options o;
    raw_options(&o, 1);
    size_t frames;
    float *plain = mix_all(tl, &o, 4096, &frames);
    o.limiter = true;
    float *limited = mix_all(tl, &o, 4096, &frames);
    assert_memory_equal(plain, limited, frames * sizeof(float));
    free(plain);
    free(limited);
    timeline_destroy(tl);
}

/* ---- determinism, seeking, the cache, errors ----------------------------------- */

static void test_deterministic(void **state)
{
    (void)state;
    static const struct ev evs[] = {
        {TL_BELL, 0, "sine 523 0.8 60000"},
        {TL_SPEECH, 10000, "sine 200 0.7 30000"},
        {TL_BREATH, 25000, "square 0.5 3000"},
        {TL_SPEECH, 70000, "sine 3000 0.9 9000"},
    };
    struct timeline *tl = make_tl(90000, evs, 4);
    struct mixer_options o;
    mixer_options_init(&o);
    o.source = &fake;
    size_t frames;
    float *a = mix_all(tl, &o, 4096, &frames);
    float *b = mix_all(tl, &o, 333, &frames);
    o.prepare_ahead = true;
    float *d = mix_all(tl, &o, 4096, &frames);
    o.background = false;
    float *c = mix_all(tl, &o, 4096, &frames);
    assert_memory_equal(a, b, frames * 2 * sizeof(float));
    assert_memory_equal(a, c, frames * 2 * sizeof(float));
    assert_memory_equal(a, d, frames * 2 * sizeof(float));
    free(a);
    free(b);
    free(c);
    free(d);
    timeline_destroy(tl);
}

/* A source that counts its calls (the fake's clips). */
struct counting {
    pthread_mutex_t lock;
    int calls;
};

static int counting_make(void *ctx, const char *what, int rate, float **samples, size_t *frames)
{
    struct counting *c = ctx;
    pthread_mutex_lock(&c->lock);
    c->calls++;
    pthread_mutex_unlock(&c->lock);
    return fake_make(what, rate, samples, frames);
}

static int counting_calls(struct counting *c)
{
    pthread_mutex_lock(&c->lock);
    int n = c->calls;
    pthread_mutex_unlock(&c->lock);
    return n;
}

/* Gains are decided when a clip is prepared, not for every clip before the
 * first block: creating the mixer makes no clip, the first block only the
 * clips of its first minute.  They depend on nothing but the clip, so the
 * output is the same read straight through, read from the middle first,
 * with a cache so small that every clip is made again each time it plays,
 * and without the worker; and the predicted loudness is the same whenever
 * it is asked. */
static void test_gains_lazy(void **state)
{
    (void)state;
    static const struct ev evs[] = {
        {TL_SPEECH, 0, "sine 200 0.3 20000"},
        {TL_BELL, 1000, "sine 523 0.5 30000"},
        {TL_BREATH, 30000, "square 0.05 3000"},
        {TL_SPEECH, RATE * 100, "sine 300 0.6 20000"},
        {TL_SPEECH, RATE * 110, "sine 200 0.3 20000"},
        {TL_BELL, RATE * 115, "sine 523 0.5 30000"},
    };
    const size_t n_ev = sizeof evs / sizeof evs[0];
    struct timeline *tl = make_tl(RATE * 120, evs, n_ev);
    struct counting cnt = {.calls = 0};
    assert_int_equal(pthread_mutex_init(&cnt.lock, NULL), 0);
    const struct mixer_source src = {&cnt, counting_make, counting_make};
    struct mixer_options o;
    mixer_options_init(&o);
    o.source = &src;
    o.background = false;
    struct mixer *m;
    assert_int_equal(mixer_create(tl, NULL, &o, &m), AV_OK);
    assert_int_equal(counting_calls(&cnt), 0);
    float buf[2 * 4096];
    size_t got;
    assert_int_equal(mixer_read(m, buf, 4096, &got), AV_OK);
    /* The speech, the bell, and the breath tone twice (its loop, and the
     * sound as loaded, which its level is measured on); nothing from
     * minute 100 on. */
    assert_int_equal(counting_calls(&cnt), 4);
    mixer_destroy(m);

    o.background = true;
    size_t frames;
    float *ref = mix_all(tl, &o, 4096, &frames);
    assert_int_equal(mixer_create(tl, NULL, &o, &m), AV_OK);
    const double predicted_first = mixer_predicted_lufs(m); /* before any block */
    mixer_destroy(m);
    assert_true(isfinite(predicted_first));

    /* From the middle first, then from the start. */
    assert_int_equal(mixer_create(tl, NULL, &o, &m), AV_OK);
    const int64_t mid = RATE * 105;
    float *part = malloc((size_t)(tl->duration - mid) * 2 * sizeof(float));
    assert_non_null(part);
    assert_int_equal(mixer_seek(m, mid), AV_OK);
    size_t done = 0;
    do {
        assert_int_equal(mixer_read(m, part + done * 2, 4096, &got), AV_OK);
        done += got;
    } while (got);
    assert_int_equal(done, (size_t)(tl->duration - mid));
    assert_memory_equal(part, ref + mid * 2, done * 2 * sizeof(float));
    assert_int_equal(mixer_seek(m, 0), AV_OK);
    done = 0;
    do {
        assert_int_equal(mixer_read(m, part + done * 2, 4096, &got), AV_OK);
        done += got;
    } while (got && done < (size_t)RATE * 2);
    assert_memory_equal(part, ref, done * 2 * sizeof(float));
    assert_true(mixer_predicted_lufs(m) == predicted_first);
    mixer_destroy(m);
    free(part);

    o.prepare_ahead = true;
    float *ahead = mix_all(tl, &o, 4096, &frames);
    assert_memory_equal(ahead, ref, frames * 2 * sizeof(float));
    free(ahead);
    o.prepare_ahead = false;

    o.cache_bytes = 1;
    float *tiny = mix_all(tl, &o, 4096, &frames);
    assert_memory_equal(tiny, ref, frames * 2 * sizeof(float));
    o.background = false;
    float *alone = mix_all(tl, &o, 1000, &frames);
    assert_memory_equal(alone, ref, frames * 2 * sizeof(float));
    free(tiny);
    free(alone);
    free(ref);
    pthread_mutex_destroy(&cnt.lock);
    timeline_destroy(tl);
}

static void test_seek(void **state)
{
    (void)state;
    static const struct ev evs[] = {
        {TL_BELL, 0, "sine 523 0.5 60000"},
        {TL_SPEECH, 20000, "sine 200 0.4 30000"},
        {TL_SPEECH, 70000, "dc 0.3 9000"},
    };
    struct timeline *tl = make_tl(90000, evs, 3);
    struct mixer_options o;
    raw_options(&o, 1);
    size_t frames;
    float *ref = mix_all(tl, &o, 4096, &frames);
    struct mixer *m;
    assert_int_equal(mixer_create(tl, NULL, &o, &m), AV_OK);
    static const int64_t at[] = {25000, 69999, 100, 0, 85000};
    for (size_t k = 0; k < sizeof(at) / sizeof(at[0]); k++) {
        assert_int_equal(mixer_seek(m, at[k]), AV_OK);
        assert_int_equal(mixer_position(m), at[k]);
        float buf[2000];
        size_t got;
        assert_int_equal(mixer_read(m, buf, 2000, &got), AV_OK);
        assert_int_equal(got, 2000);
        /* After the short fade-in the samples are those of a straight read. */
        for (size_t i = at[k] ? 300 : 0; i < got; i++)
            assert_true(fabsf(buf[i] - ref[at[k] + (int64_t)i]) < 1e-6f);
        if (at[k])
            assert_true(fabsf(buf[0]) <= fabsf(ref[at[k]]) + 1e-6f);
    }
    assert_int_equal(mixer_seek(m, 1000000), AV_OK); /* clamped to the end */
    size_t got;
    float one;
    assert_int_equal(mixer_read(m, &one, 1, &got), AV_OK);
    assert_int_equal(got, 0);
    mixer_destroy(m);
    free(ref);
    timeline_destroy(tl);
}

/* With prepare_ahead, clips far beyond the minute ahead are prepared while
 * the mix has not reached them (so every worker has work in a session of
 * sparse speech), at most AHEAD_PER_WORKER (2) per worker at a time;
 * without, the first block makes only the clip of its minute. */
static void test_prepare_ahead(void **state)
{
    (void)state;
    enum { N = 12 };
    struct ev evs[N];
    static char what[N][40];
    for (int i = 0; i < N; i++) {
        snprintf(what[i], sizeof(what[i]), "dc %.3f %d", 0.01 * (i + 1), RATE);
        evs[i] = (struct ev){TL_SPEECH, (int64_t)i * RATE * 300, what[i]}; /* 5 min apart */
    }
    struct timeline *tl = make_tl((int64_t)N * RATE * 300, evs, N);
    struct counting cnt = {.calls = 0};
    assert_int_equal(pthread_mutex_init(&cnt.lock, NULL), 0);
    const struct mixer_source src = {&cnt, counting_make, counting_make};
    struct mixer_options o;
    raw_options(&o, 1);
    o.source = &src;
    float buf[4096];
    size_t got;
    for (int ahead = 0; ahead < 2; ahead++) {
        o.prepare_ahead = ahead;
        cnt.calls = 0;
        struct mixer *m;
        assert_int_equal(mixer_create(tl, NULL, &o, &m), AV_OK);
        assert_int_equal(mixer_read(m, buf, 4096, &got), AV_OK);
        assert_true(fabsf(buf[2000] - 0.01f) < 1e-7f);
        if (!ahead) {
            assert_int_equal(counting_calls(&cnt), 1);
        } else {
            /* The workers take the clips asked ahead at once; wait (at
             * most 20 s) for one of them to be made. */
            for (int k = 0; k < 2000 && counting_calls(&cnt) < 2; k++) {
                struct timespec ms = {0, 10000000L};
                nanosleep(&ms, NULL);
            }
            int n = counting_calls(&cnt);
            assert_true(n >= 2);
            assert_true(n <= 1 + 2 * 4); /* at most 4 workers */
        }
        mixer_destroy(m);
    }
    pthread_mutex_destroy(&cnt.lock);
    timeline_destroy(tl);
}

static void test_cache_is_bounded(void **state)
{
    (void)state;
    enum { N = 120, LEN = RATE / 2 };
    struct ev evs[N];
    static char what[N][40];
    for (int i = 0; i < N; i++) {
        /* Every clip distinct; each comes back once, far later. */
        int k = i < N / 2 ? i : i - N / 2;
        snprintf(what[i], sizeof(what[i]), "dc %.6f %d", 0.001 * (k + 1), LEN);
        evs[i] = (struct ev){TL_SPEECH, (int64_t)i * LEN, what[i]};
    }
    struct timeline *tl = make_tl((int64_t)N * LEN, evs, N);
    struct mixer_options o;
    raw_options(&o, 1);
    o.cache_bytes = 1u << 20; /* room for about 10 of them */
    float *buf = malloc(LEN * sizeof(float));
    /* Also when clips are prepared ahead by number (prepare_ahead): the
     * same half of the cache bounds them. */
    for (int ahead = 0; ahead < 2; ahead++) {
        o.prepare_ahead = ahead;
        struct mixer *m;
        assert_int_equal(mixer_create(tl, NULL, &o, &m), AV_OK);
        size_t got, most = 0;
        for (int i = 0; i < N; i++) {
            assert_int_equal(mixer_read(m, buf, LEN, &got), AV_OK);
            assert_int_equal(got, LEN);
            int k = i < N / 2 ? i : i - N / 2;
            assert_true(fabsf(buf[LEN / 2] - 0.001f * (float)(k + 1)) < 1e-7f);
            if (mixer_clips_cached(m) > most)
                most = mixer_clips_cached(m);
        }
        print_message("at most %zu clips cached\n", most);
        /* ~10 fit the budget; prefetched (half the budget) and playing
         * clips are pinned on top.  Without the bound all 60 would stay. */
        assert_true(most <= 20);
        /* The second half repeats the first: evicted clips were made
         * again. */
        assert_true(mixer_clips_prepared(m) > N / 2);
        mixer_destroy(m);
    }
    free(buf);
    timeline_destroy(tl);
}

static void test_missing_clip_is_an_error(void **state)
{
    (void)state;
    static const struct ev evs[] = {
        {TL_SPEECH, 0, "dc 0.1 1000"},
        {TL_BELL, 60000, "nosuch.wav"},
    };
    struct timeline *tl = make_tl(80000, evs, 2);
    struct mixer_options o;
    mixer_options_init(&o);
    o.source = &fake;
    struct mixer *m;
    assert_int_equal(mixer_create(tl, NULL, &o, &m), AV_OK);
    float buf[2 * 4096];
    size_t got, total = 0;
    int err;
    while ((err = mixer_read(m, buf, 4096, &got)) == AV_OK && got)
        total += got;
    assert_int_equal(err, AV_ESOUND);
    assert_true(total < 80000);
    assert_non_null(strstr(mixer_error_detail(m), "nosuch.wav"));
    assert_int_equal(mixer_read(m, buf, 4096, &got), AV_ESOUND); /* it stays */
    mixer_destroy(m);
    timeline_destroy(tl);
}

static void test_bad_options(void **state)
{
    (void)state;
    static const struct ev evs[] = {{TL_SPEECH, 0, "dc 0.1 100"}};
    struct timeline *tl = make_tl(1000, evs, 1);
    struct mixer_options o;
    struct mixer *m;
    mixer_options_init(&o);
    assert_int_equal(mixer_create(tl, NULL, &o, &m), AV_EINVAL); /* speech, no voice */
    o.source = &fake;
    o.channels = 3;
    assert_int_equal(mixer_create(tl, NULL, &o, &m), AV_EINVAL);
    o.channels = 2;
    o.ceiling_dbtp = 1.0;
    assert_int_equal(mixer_create(tl, NULL, &o, &m), AV_EINVAL);
    timeline_destroy(tl);
}

/* ---- a real session ---------------------------------------------------------------- */

struct real {
    struct voice *voice;
    struct timeline *tl;
};

/* One voice for the whole run: espeak-ng 1.51 hangs in
 * espeak_ng_Terminate() the second time a process terminates it. */
static struct voice *the_voice;

static struct real compile_real(const char *path)
{
    struct real r = {0};
    if (!the_voice)
        assert_int_equal(voice_create(&the_voice), AV_OK);
    r.voice = the_voice;
    struct compile_env env;
    compile_env_default(&env, r.voice);
    struct compile_options co;
    compile_options_init(&co);
    struct diag *d = diag_create();
    int err = compile_session(path, &co, &env, d, &r.tl);
    if (err)
        diag_print(d, stderr);
    diag_destroy(d);
    assert_int_equal(err, AV_OK);
    return r;
}

static void real_free(struct real *r)
{
    timeline_destroy(r->tl);
}

struct measured {
    double lufs, tp_db, predicted;
    int64_t frames;
};

static struct measured measure_mix(const struct real *r, int channels, double volume)
{
    struct mixer_options o;
    mixer_options_init(&o);
    o.channels = channels;
    o.volume_db = volume;
    struct mixer *m;
    assert_int_equal(mixer_create(r->tl, r->voice, &o, &m), AV_OK);
    ebur128_state *st = ebur128_init((unsigned)channels, RATE,
                                     EBUR128_MODE_I | EBUR128_MODE_TRUE_PEAK);
    assert_non_null(st);
    float *buf = malloc(8192 * (size_t)channels * sizeof(float));
    size_t got;
    struct measured res = {0};
    while (mixer_read(m, buf, 8192, &got) == AV_OK && got) {
        ebur128_add_frames_float(st, buf, got);
        res.frames += (int64_t)got;
    }
    assert_int_equal(mixer_error_detail(m)[0], '\0');
    res.predicted = mixer_predicted_lufs(m); /* asked after the mix */
    ebur128_loudness_global(st, &res.lufs);
    double worst = 0;
    for (int c = 0; c < channels; c++) {
        double p;
        ebur128_true_peak(st, (unsigned)c, &p);
        worst = p > worst ? p : worst;
    }
    res.tp_db = 20 * log10(worst);
    ebur128_destroy(&st);
    free(buf);
    mixer_destroy(m);
    return res;
}

static void test_session_loudness(void **state)
{
    (void)state;
    struct real r = compile_real(TEST_SOURCE_DIR "/tests/data/render-basic.yoga");
    struct measured s = measure_mix(&r, 2, 0.0);
    print_message("stereo: %.2f LUFS (predicted %.2f), %.2f dBTP\n", s.lufs, s.predicted,
                  s.tp_db);
    assert_int_equal(s.frames, r.tl->duration); /* the plan's length, to the frame */
    /* Levels are set by role (speech at the target, everything else
     * below it), so the whole session, with its pauses and quieter bells,
     * measures at or a little under the target; the mixer predicts it. */
    assert_true(s.lufs <= MIXER_TARGET_LUFS + 0.5 && s.lufs >= MIXER_TARGET_LUFS - 4.0);
    assert_true(s.tp_db <= -1.0);
    /* The prediction (asked only now, after the mix) is near it: it
     * models the limiter and the gates at a 10 ms resolution. */
    assert_true(fabs(s.predicted - s.lufs) <= 1.0);
    struct measured mono = measure_mix(&r, 1, 0.0);
    print_message("mono: %.2f LUFS, %.2f dBTP\n", mono.lufs, mono.tp_db);
    assert_true(fabs(mono.lufs - s.lufs) <= 0.5);
    assert_true(mono.tp_db <= -1.0);
    struct measured soft = measure_mix(&r, 2, -8.0);
    print_message("--volume -8: %.2f LUFS\n", soft.lufs);
    assert_true(fabs(soft.lufs - (s.lufs - 8.0)) <= 1.0);
    real_free(&r);
}

/* What is heard lines up with the plan: each spoken event is exactly as
 * long as its clip resampled to the output rate (ceil(frames * rate /
 * native) frames, computed here from the voice's samples), and
 * spoken cues are even in loudness. */
static void test_session_speech_lines_up(void **state)
{
    (void)state;
    struct real r = compile_real(TEST_SOURCE_DIR "/tests/data/render-basic.yoga");
    const struct timeline *tl = r.tl;
    int spoken = 0;
    for (size_t i = 0; i < tl->n_events; i++) {
        const struct tl_event *e = &tl->events[i];
        if (!e->text)
            continue;
        const struct voice_clip *c;
        assert_int_equal(voice_synth(r.voice, e->text, &c), AV_OK);
        /* voice.h's promise, ceil(frames * rate / native), worked out here
         * in exact integers rather than with voice_frames_at(). */
        const uint64_t native = (uint64_t)voice_native_rate(r.voice);
        int64_t n = (int64_t)(((uint64_t)c->frames * (uint64_t)tl->rate + native - 1) / native);
        int64_t end = e->kind == TL_BREATH ? e->clip_end : e->end;
        assert_int_equal(end - e->start, n);
        spoken++;
    }
    assert_true(spoken >= 5);

    /* Loudness of each longer cue as mixed (mono output, no other clip). */
    struct mixer_options o;
    mixer_options_init(&o);
    o.channels = 1;
    struct mixer *m;
    assert_int_equal(mixer_create(tl, r.voice, &o, &m), AV_OK);
    float *all = malloc((size_t)tl->duration * sizeof(float));
    size_t got, done = 0;
    while (mixer_read(m, all + done, 4096, &got) == AV_OK && got)
        done += got;
    assert_int_equal(done, tl->duration);
    double lo = 1e9, hi = -1e9;
    for (size_t i = 0; i < tl->n_events; i++) {
        const struct tl_event *e = &tl->events[i];
        if (e->kind != TL_SPEECH || !e->text || e->end - e->start < RATE * 3 / 2)
            continue;
        double l = mix_clip_loudness(all + e->start, (size_t)(e->end - e->start), RATE);
        lo = l < lo ? l : lo;
        hi = l > hi ? l : hi;
    }
    print_message("spoken cues: %.2f .. %.2f LUFS\n", lo, hi);
    assert_true(hi - lo <= 1.5);
    /* What is heard: a spoken event sounds inside its planned span and
     * stops at its end — up to the next event, the mix is silent. */
    int gaps = 0;
    for (size_t i = 0; i + 1 < tl->n_events; i++) {
        const struct tl_event *e = &tl->events[i];
        if (e->kind != TL_SPEECH || !e->text)
            continue;
        float peak = 0.0f;
        for (int64_t t = e->start; t < e->end; t++)
            peak = fabsf(all[t]) > peak ? fabsf(all[t]) : peak;
        assert_true(peak > 0.01f);
        /* ...unless another clip (a bell still ringing) sounds there. */
        bool alone = true;
        for (size_t j = 0; j < tl->n_events && alone; j++) {
            const struct tl_event *o2 = &tl->events[j];
            int64_t oend = o2->kind == TL_BREATH ? o2->clip_end : o2->end;
            if (j != i && (o2->text || o2->sound) && o2->start < tl->events[i + 1].start &&
                oend > e->end)
                alone = false;
        }
        gaps += alone && e->end < tl->events[i + 1].start;
        for (int64_t t = e->end; alone && t < tl->events[i + 1].start; t++)
            if (all[t] != 0.0f)
                fail_msg("\"%s\" runs on at frame %lld past its end %lld", e->text, (long long)t,
                         (long long)e->end);
    }
    assert_true(gaps >= 2);
    free(all);
    mixer_destroy(m);
    real_free(&r);
}

/* ---- live play: volume above 0 dB and the spoken overlay (live.c) ------------- */

/* A live gain of 4 (+12 dB) goes through the limiter: loud parts stop at
 * the ceiling, quiet parts are exactly 4 times louder. */
static void test_live_gain_limited(void **state)
{
    (void)state;
    static const struct ev evs[] = {
        {TL_BELL, 0, "sine 997 0.05 48000"},
        {TL_SPEECH, 60000, "sine 997 0.8 48000"},
    };
    struct timeline *tl = make_tl(120000, evs, 2);
    struct mixer_options o;
    raw_options(&o, 1);
    size_t frames;
    float *plain = mix_all(tl, &o, 4096, &frames);
    o.limiter = true;
    struct mixer *m;
    assert_int_equal(mixer_create(tl, NULL, &o, &m), AV_OK);
    mixer_set_live_gain(m, 4.0f);
    float *y = malloc((size_t)tl->duration * sizeof *y);
    assert_non_null(y);
    size_t done = 0, got;
    do {
        assert_int_equal(mixer_read(m, y + done, 4096, &got), AV_OK);
        done += got;
    } while (got);
    mixer_destroy(m);
    const float ceiling = (float)pow(10.0, MIXER_CEILING_DBTP / 20.0);
    double peak = 0;
    for (size_t i = 0; i < done; i++)
        peak = fabs(y[i]) > peak ? fabs(y[i]) : peak;
    print_message("live gain 4 over a 0.8 sine: peak %.4f (ceiling %.4f)\n", peak, ceiling);
    assert_true(peak <= ceiling * 1.0001f);
    assert_true(peak >= ceiling * 0.95f); /* it is loud, not silenced */
    for (size_t i = 1000; i < 40000; i++) /* the quiet bell: 4x, untouched */
        assert_true(fabsf(y[i] - 4.0f * plain[i]) < 1e-5f);
    free(y);
    free(plain);
    timeline_destroy(tl);
}

/* The overlay: spoken over the session, which is 12 dB lower meanwhile;
 * the session as it was once the duck has ended; a seek elsewhere drops
 * it. */
static void test_overlay(void **state)
{
    (void)state;
    static const struct ev evs[] = {{TL_BELL, 0, "sine 1000 0.4 96000"}};
    struct timeline *tl = make_tl(96000, evs, 1);
    struct mixer_options o;
    raw_options(&o, 1);
    size_t frames;
    float *ref = mix_all(tl, &o, 4096, &frames);
    struct mixer *m;
    assert_int_equal(mixer_create(tl, NULL, &o, &m), AV_OK);
    const int64_t at = 10000;
    assert_int_equal(mixer_say_over(m, "sine 300 0.2 24000", at), AV_OK);
    float *y = malloc((size_t)tl->duration * sizeof *y);
    assert_non_null(y);
    size_t done = 0, got;
    do {
        assert_int_equal(mixer_read(m, y + done, 4096, &got), AV_OK);
        done += got;
    } while (got);
    const double duck = pow(10.0, -12.0 / 20.0);
    const int64_t ramp = RATE / 20, edge = RATE / 200; /* 50 ms duck ramps, 5 ms clip edges */
    for (int64_t t = 0; t < at - ramp; t++) /* before: untouched */
        assert_true(fabsf(y[t] - ref[t]) < 1e-6f);
    for (int64_t t = at + edge; t < at + 24000 - edge; t++) {
        double want = ref[t] * duck + 0.2 * sin(2 * PI * 300 * (double)(t - at) / RATE);
        assert_true(fabs(y[t] - want) < 1e-4);
    }
    for (int64_t t = at + 24000 + ramp; t < (int64_t)done; t++) /* after: the session */
        assert_true(fabsf(y[t] - ref[t]) < 1e-6f);
    /* Seek back: it is not said again. */
    assert_int_equal(mixer_seek(m, 5000), AV_OK);
    float buf[30000];
    assert_int_equal(mixer_read(m, buf, 30000, &got), AV_OK);
    for (size_t i = 300; i < got; i++)
        assert_true(fabsf(buf[i] - ref[5000 + i]) < 1e-6f);
    mixer_destroy(m);
    free(y);
    free(ref);
    timeline_destroy(tl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resample_length),
        cmocka_unit_test(test_resample_matches_reference),
        cmocka_unit_test(test_resample_pieces_match_oneshot),
        cmocka_unit_test(test_sample_accurate_placement),
        cmocka_unit_test(test_fades_no_clicks),
        cmocka_unit_test(test_limiter_ceiling),
        cmocka_unit_test(test_limiter_transparent_below_ceiling),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_seek),
        cmocka_unit_test(test_gains_lazy),
        cmocka_unit_test(test_prepare_ahead),
        cmocka_unit_test(test_cache_is_bounded),
        cmocka_unit_test(test_missing_clip_is_an_error),
        cmocka_unit_test(test_bad_options),
        cmocka_unit_test(test_session_loudness),
        cmocka_unit_test(test_session_speech_lines_up),
        cmocka_unit_test(test_live_gain_limited),
        cmocka_unit_test(test_overlay),
        cmocka_unit_test(test_streamed_same_samples),
        cmocka_unit_test(test_streamed_late_error),
        cmocka_unit_test(test_streamed_render_same_bytes),
        cmocka_unit_test(test_streamed_render_early_same_bytes),
        cmocka_unit_test(test_streamed_render_late_error),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    voice_destroy(the_voice);
    return failed;
}
