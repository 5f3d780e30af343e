/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * stream.c — a compile seen while it runs (compile_stream, compile.h): the
 * layout publishes the events it has placed for good, and a mixer on
 * another thread takes them as it reaches them.
 *
 * What makes a prefix final: the layout walks the steps in order, and no
 * event a step emits starts before the clock at the step's start (the
 * layout only moves speech later, never earlier; tests/test_compile checks
 * it for every golden session).  So at the start of each step every event
 * emitted so far that starts before the clock is where the final, stably
 * sorted timeline has it, and the clock is a lower bound of the duration.
 * compiler_stream_publish() sorts the unpublished tail (stably, as
 * sort_events() does) and copies the events before the clock out; the
 * reader gets copies, so the compile may grow its own array meanwhile.
 * Strings in the events live in the timeline's arena, which outlives the
 * stream: the caller's timeline on success, else the stream keeps the
 * failed one (compiler_stream_end()).
 */
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "asanavox/error.h"
#include "asanavox/speechbank.h"
#include "compile_internal.h"

struct compile_stream {
    pthread_mutex_t lock;
    pthread_cond_t cond;    /* broadcast on every change below */
    bool have_header, done;
    struct timeline header; /* settings only: no events, steps or arena */
    struct tl_event *ev;    /* events published, in final order */
    size_t n, cap;
    int64_t known;          /* every event starting before it is in ev */
    int64_t duration;       /* once done without error */
    int result;             /* once done */
    struct timeline *kept;  /* a failed compile's timeline (its strings) */
    struct speech_bank *bank; /* a failed compile's bank */
};

int compile_stream_create(struct compile_stream **out)
{
    struct compile_stream *s = calloc(1, sizeof(*s));
    if (!s)
        return AV_ENOMEM;
    if (pthread_mutex_init(&s->lock, NULL) != 0) {
        free(s);
        return AV_ENOMEM;
    }
    if (pthread_cond_init(&s->cond, NULL) != 0) {
        pthread_mutex_destroy(&s->lock);
        free(s);
        return AV_ENOMEM;
    }
    s->duration = -1;
    *out = s;
    return AV_OK;
}

void compile_stream_destroy(struct compile_stream *s)
{
    if (!s)
        return;
    timeline_destroy(s->kept);
    speech_bank_destroy(s->bank);
    free(s->ev);
    pthread_cond_destroy(&s->cond);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

int compile_stream_header(struct compile_stream *s, struct timeline *hdr)
{
    pthread_mutex_lock(&s->lock);
    while (!s->have_header && !s->done)
        pthread_cond_wait(&s->cond, &s->lock);
    int err = s->have_header ? AV_OK : s->result ? s->result : AV_EINVAL;
    if (s->have_header)
        *hdr = s->header;
    pthread_mutex_unlock(&s->lock);
    return err;
}

int compile_stream_events(struct compile_stream *s, int64_t frame, bool wait,
                          struct compile_stream_view *v)
{
    pthread_mutex_lock(&s->lock);
    while (wait && !s->done && s->known <= frame)
        pthread_cond_wait(&s->cond, &s->lock);
    int err = AV_OK;
    if (s->n > v->n) {
        if (s->n > v->cap) {
            size_t cap = v->cap ? v->cap : 256;
            while (cap < s->n)
                cap *= 2;
            struct tl_event *e = realloc(v->ev, cap * sizeof(*e));
            if (!e)
                err = AV_ENOMEM;
            else
                v->ev = e, v->cap = cap;
        }
        if (!err) {
            memcpy(v->ev + v->n, s->ev + v->n, (s->n - v->n) * sizeof(*s->ev));
            v->n = s->n;
        }
    }
    if (!err) {
        v->known = s->known;
        v->duration = s->done && !s->result ? s->duration : -1;
        if (s->done && s->result && frame >= s->known)
            err = s->result;
    }
    pthread_mutex_unlock(&s->lock);
    return err;
}

/* --- the compile's side (compile_internal.h) ------------------------------- */

void compiler_stream_begin(struct compiler *c)
{
    struct compile_stream *s = c->o->stream;
    struct timeline h = *c->tl;
    h.events = NULL;
    h.n_events = 0;
    h.steps = NULL;
    h.n_steps = 0;
    h.arena = NULL;
    h.duration = -1;
    h.speech = c->env->bank;
    c->streaming = true;
    c->stream_p = 0;
    c->stream_errors = diag_errors(c->d);
    pthread_mutex_lock(&s->lock);
    s->header = h;
    s->have_header = true;
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
}

/* Copy events [s->n, upto) of `tl` to the stream and say that every event
 * before `known` is there.  False when memory ran out. */
static bool put(struct compile_stream *s, const struct timeline *tl, size_t upto, int64_t known)
{
    bool ok = true;
    pthread_mutex_lock(&s->lock);
    if (upto > s->cap) {
        size_t cap = s->cap ? s->cap : 256;
        while (cap < upto)
            cap *= 2;
        struct tl_event *e = realloc(s->ev, cap * sizeof(*e));
        if (e)
            s->ev = e, s->cap = cap;
        else
            ok = false;
    }
    if (ok && upto > s->n) {
        memcpy(s->ev + s->n, tl->events + s->n, (upto - s->n) * sizeof(*s->ev));
        s->n = upto;
    }
    if (ok && known > s->known)
        s->known = known;
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
    return ok;
}

bool compiler_stream_publish(struct compiler *c)
{
    /* Nothing after an error is heard: the compile will fail. */
    if (diag_errors(c->d) > c->stream_errors)
        return true;
    struct timeline *tl = c->tl;
    /* The tail in the order the whole compile's sort gives it. */
    sort_events(tl, c->stream_p);
    size_t p = c->stream_p;
    while (p < tl->n_events && tl->events[p].start < c->now)
        p++;
    c->stream_p = p;
    if (!put(c->o->stream, tl, p, c->now))
        return fail(c, AV_ENOMEM);
    return true;
}

void compiler_stream_end(struct compiler *c, int result)
{
    struct compile_stream *s = c->o->stream;
    /* Every event, but `known` only up to the duration: past it a reader
     * needs the duration too, which comes with `done` below. */
    if (!result && !put(s, c->tl, c->tl->n_events, c->tl->duration))
        result = AV_ENOMEM;
    pthread_mutex_lock(&s->lock);
    if (!result)
        s->known = INT64_MAX;
    if (result && c->streaming) {
        /* Events already taken point into this timeline's arena. */
        s->kept = c->tl;
        c->tl = NULL;
    }
    s->result = result;
    s->duration = result ? -1 : c->tl->duration;
    s->done = true;
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
}

void compile_stream_fail(struct compile_stream *s, int result)
{
    pthread_mutex_lock(&s->lock);
    if (!s->done)
        s->result = result ? result : AV_EINVAL;
    s->done = true;
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
}

void compile_stream_keep_bank(struct compile_stream *s, struct speech_bank *bank)
{
    pthread_mutex_lock(&s->lock);
    speech_bank_destroy(s->bank);
    s->bank = bank;
    pthread_mutex_unlock(&s->lock);
}
