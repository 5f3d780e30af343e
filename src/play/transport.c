/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * transport.c — keys, steps and the status line of `play` (transport.h).
 */
#include "asanavox/transport.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "asanavox/clock.h"
#include "asanavox/error.h"
#include "asanavox/session.h"
#include "asanavox/timeline.h"
#include "asanavox/utf8.h"

void transport_init(struct transport *t, const struct timeline *tl)
{
    t->tl = tl;
    t->paused = false;
    t->volume_db = 0.0;
    t->start_db = 0.0;
}

double transport_start_at(struct transport *t, double db)
{
    if (!isfinite(db))
        db = 0.0;
    if (db > TRANSPORT_VOLUME_MAX)
        db = TRANSPORT_VOLUME_MAX;
    if (db < TRANSPORT_VOLUME_MIN)
        db = TRANSPORT_VOLUME_MIN;
    t->volume_db = t->start_db = db;
    return db;
}

enum transport_action transport_key(int c)
{
    switch (c) {
    case ' ': return TRANSPORT_PAUSE;
    case 'n': case 'N': return TRANSPORT_NEXT;
    case 'p': case 'P': return TRANSPORT_PREVIOUS;
    case '+': case '=': return TRANSPORT_LOUDER;
    case '-': case '_': return TRANSPORT_SOFTER;
    case 'q': case 'Q': return TRANSPORT_QUIT;
    case 't': case 'T': return TRANSPORT_TIME;
    case '?': return TRANSPORT_HELP;
    default: return TRANSPORT_NONE;
    }
}

enum transport_action transport_key_feed(struct transport_keys *k, int c)
{
    switch (k->state) {
    case 1: /* after ESC */
        if (c == '[' || c == 'O') {
            k->state = 2;
            return TRANSPORT_NONE;
        }
        k->state = 0;
        if (c == 0x1b) {
            k->state = 1;
            return TRANSPORT_NONE;
        }
        return transport_key(c);
    case 2: /* parameters, then the final byte */
        if ((c >= '0' && c <= '9') || c == ';')
            return TRANSPORT_NONE;
        k->state = 0;
        switch (c) {
        case 'A': return TRANSPORT_LOUDER;
        case 'B': return TRANSPORT_SOFTER;
        case 'C': return TRANSPORT_FORWARD;
        case 'D': return TRANSPORT_BACK;
        default: return TRANSPORT_NONE; /* Home, F-keys, ...: nothing */
        }
    default:
        if (c == 0x1b) {
            k->state = 1;
            return TRANSPORT_NONE;
        }
        return transport_key(c);
    }
}

int64_t transport_step_start(const struct timeline *tl, int64_t frame)
{
    if (tl->n_steps == 0)
        return 0;
    const struct tl_step *s = &tl->steps[transport_step_at(tl, frame)];
    return s->start <= frame ? s->start : 0;
}

int64_t transport_resume_point(const struct timeline *tl, int64_t frame)
{
    /* Events are sorted by start: look back from the last one that has
     * begun.  Cues last seconds, so stop once events start more than a
     * minute earlier. */
    size_t lo = 0, hi = tl->n_events;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (tl->events[mid].start <= frame)
            lo = mid + 1;
        else
            hi = mid;
    }
    int64_t best = frame;
    for (size_t k = lo; k-- > 0;) {
        const struct tl_event *e = &tl->events[k];
        if (frame - e->start > (int64_t)60 * tl->rate)
            break;
        bool spoken = e->kind == TL_SPEECH || (e->kind == TL_BREATH && (e->text || e->sound));
        if (spoken && frame < e->end && e->start < best)
            best = e->start;
    }
    return best;
}

char *transport_time_text(const struct timeline *tl, int64_t frame, char *buf, size_t size)
{
    int64_t left = tl->duration - frame;
    if (left < 0)
        left = 0;
    long s = (long)(left / (tl->rate > 0 ? tl->rate : 1));
    long m = (s + 30) / 60;
    int n = 0;
    if (s < 60)
        n = snprintf(buf, size, "%ld seconds left.", s);
    else if (m < 60)
        n = snprintf(buf, size, "%ld minute%s left.", m, m == 1 ? "" : "s");
    else
        n = snprintf(buf, size, "%ld hour%s %ld minutes left.", m / 60, m / 60 == 1 ? "" : "s",
                     m % 60);
    if (n < 0 || (size_t)n >= size)
        return buf;
    /* The next pose: the first pose step after this one. */
    size_t i = tl->n_steps ? transport_step_at(tl, frame) : 0;
    if (tl->n_steps && tl->steps[i].start > frame)
        i = 0; /* before the first step: it is next */
    else
        i++;
    for (; i < tl->n_steps; i++) {
        const struct tl_step *st = &tl->steps[i];
        if (st->kind == TL_STEP_POSE && st->name && st->name[0]) {
            const char *side = tl_side_name(st->side);
            snprintf(buf + n, size - (size_t)n, " Next: %s%s%s.", st->name,
                     side ? ", " : "", side ? side : "");
            break;
        }
    }
    return buf;
}

size_t transport_step_at(const struct timeline *tl, int64_t frame)
{
    /* The last step with start <= frame. */
    size_t n = tl_steps_upto(tl, frame);
    return n ? n - 1 : 0;
}

/* Start of the first step that starts after `frame`, or the end. */
static int64_t next_start(const struct timeline *tl, int64_t frame)
{
    for (size_t i = transport_step_at(tl, frame); i < tl->n_steps; i++)
        if (tl->steps[i].start > frame)
            return tl->steps[i].start;
    return tl->duration;
}

static int64_t previous_start(const struct timeline *tl, int64_t frame)
{
    if (tl->n_steps == 0)
        return 0;
    size_t cur = transport_step_at(tl, frame);
    int64_t start = tl->steps[cur].start;
    if (start > frame) /* before the first step */
        return 0;
    if ((double)(frame - start) >= TRANSPORT_RESTART_WINDOW * tl->rate)
        return start;
    /* Pressed again right after a restart: the previous step (the last one
     * that starts before this one; steps of no length are skipped). */
    for (size_t i = cur; i-- > 0;)
        if (tl->steps[i].start < start)
            return tl->steps[i].start;
    return start;
}

bool transport_apply(struct transport *t, enum transport_action a, int64_t frame, int64_t *seek)
{
    const struct timeline *tl = t->tl;
    *seek = -1;
    if (frame < 0)
        frame = 0;
    if (frame > tl->duration)
        frame = tl->duration;
    switch (a) {
    case TRANSPORT_PAUSE:
        t->paused = !t->paused;
        return true;
    case TRANSPORT_NEXT:
        *seek = next_start(tl, frame);
        return true;
    case TRANSPORT_PREVIOUS:
        *seek = previous_start(tl, frame);
        return true;
    case TRANSPORT_LOUDER:
    case TRANSPORT_SOFTER: {
        double v = t->volume_db + (a == TRANSPORT_LOUDER ? TRANSPORT_VOLUME_STEP
                                                          : -TRANSPORT_VOLUME_STEP);
        if (v > TRANSPORT_VOLUME_MAX)
            v = TRANSPORT_VOLUME_MAX;
        if (v < TRANSPORT_VOLUME_MIN)
            v = TRANSPORT_VOLUME_MIN;
        bool changed = v != t->volume_db;
        t->volume_db = v;
        return changed;
    }
    case TRANSPORT_BACK:
    case TRANSPORT_FORWARD: {
        int64_t d = (int64_t)(TRANSPORT_SEEK_SECONDS * tl->rate);
        int64_t to = a == TRANSPORT_BACK ? frame - d : frame + d;
        *seek = to < 0 ? 0 : to > tl->duration ? tl->duration : to;
        return true;
    }
    case TRANSPORT_QUIT:
    case TRANSPORT_NONE:
    case TRANSPORT_TIME:
    case TRANSPORT_HELP:
        break;
    }
    return false;
}

float transport_gain(const struct transport *t)
{
    return (float)pow(10.0, (t->volume_db - t->start_db) / 20.0);
}

int transport_parse_from(const struct timeline *tl, const char *spec, int64_t *frame)
{
    size_t len = strlen(spec);
    while (len && (spec[0] == ' ' || spec[0] == '\t'))
        spec++, len--;
    while (len && (spec[len - 1] == ' ' || spec[len - 1] == '\t'))
        len--;
    if (len == 0)
        return AV_EINVAL;
    size_t digits = strspn(spec, "0123456789");
    if (digits == len) {
        if (len > 9)
            return AV_ELIMIT;
        long k = 0;
        for (size_t i = 0; i < len; i++)
            k = k * 10 + (spec[i] - '0');
        if (k < 1 || (size_t)k > tl->n_steps)
            return AV_ELIMIT;
        *frame = tl->steps[k - 1].start;
        return AV_OK;
    }
    struct duration d;
    size_t off;
    char msg[128];
    if (duration_parse(spec, len, 1u << DUR_TIME, &d, &off, msg, sizeof msg) || d.unit != DUR_TIME)
        return AV_EINVAL;
    /* Exact: ms * rate / 1000 in 64 bits (ms <= 24 h, rate <= 768 kHz). */
    int64_t f = d.ms * tl->rate / 1000;
    if (f >= tl->duration && !(f == 0 && tl->duration == 0))
        return AV_ELIMIT;
    *frame = f;
    return AV_OK;
}

void transport_status(const struct transport *t, int64_t frame, struct transport_status *st)
{
    const struct timeline *tl = t->tl;
    memset(st, 0, sizeof(*st));
    if (frame < 0)
        frame = 0;
    if (frame > tl->duration)
        frame = tl->duration;
    st->frame = frame;
    st->total = tl->duration;
    st->paused = t->paused;
    st->volume_db = t->volume_db;
    st->steps = tl->n_steps;
    st->name = "";
    if (tl->n_steps == 0)
        return;
    size_t i = transport_step_at(tl, frame);
    const struct tl_step *s = &tl->steps[i];
    st->step = i;
    st->name = s->name ? s->name : "";
    st->side = s->side_word ? s->side_word : tl_side_name(s->side);
    st->kind = tl_step_kind_name(s->kind);
    st->reps = s->reps != 0;
    bool flow = s->kind == TL_STEP_FLOW && s->rounds > 0;
    if (!flow && ((s->kind != TL_STEP_POSE && s->kind != TL_STEP_BREATHE) || s->breaths <= 0))
        return;
    if (frame < s->hold_start || frame >= s->hold_end)
        return;
    /* The breath phase sounding now: the last breath event of this step
     * that started at or before `frame` (events are sorted by start). */
    for (size_t k = tl_events_upto(tl, frame); k-- > 0;) {
        const struct tl_event *e = &tl->events[k];
        if (e->step != (int32_t)i || e->start < s->start)
            break;
        if (flow && e->round > 0 && !st->round) {
            st->round = e->round;
            st->rounds = e->rounds;
        }
        if (e->kind == TL_BREATH) {
            /* In a flow, a movement's breath is its round: only a hold
             * inside the flow has breaths of its own to show. */
            if (!e->movement) {
                st->breath = e->breath;
                st->breaths = e->breaths;
            }
            break;
        }
    }
}

char *transport_format(const struct transport_status *st, int rate, int width, char *buf,
                       size_t size)
{
    /* The name part: "3/23 Child's pose, left"; the rest follows it. */
    char title[160];
    const char *label = st->name;
    if (!label[0] && st->kind)
        label = st->kind;
    if (st->steps)
        snprintf(title, sizeof title, "%zu/%zu %s%s%s", st->step + 1, st->steps, label,
                 st->side ? ", " : "", st->side ? st->side : "");
    else
        title[0] = '\0';
    if (st->kind && !strcmp(st->kind, "say") && st->name[0])
        snprintf(title, sizeof title, "%zu/%zu \"%s\"", st->step + 1, st->steps, st->name);
    /* snprintf may have cut a long name inside a character: end it before. */
    title[utf8_validate(title, strlen(title))] = '\0';

    char tail[128], t1[24], t2[24];
    size_t n = 0;
    tail[0] = '\0';
    if (st->rounds > 0)
        n += (size_t)snprintf(tail + n, sizeof tail - n, "  round %d/%d", st->round, st->rounds);
    if (st->breaths > 0)
        n += (size_t)snprintf(tail + n, sizeof tail - n, "  %s %d/%d", st->reps ? "rep" : "breath",
                              st->breath, st->breaths);
    av_clock_text(st->frame, rate, t1, sizeof t1);
    av_clock_text(st->total, rate, t2, sizeof t2);
    n += (size_t)snprintf(tail + n, sizeof tail - n, "  %s / %s", t1, t2);
    if (st->volume_db != 0.0)
        n += (size_t)snprintf(tail + n, sizeof tail - n, "  %+.0f dB", st->volume_db);
    if (st->paused)
        snprintf(tail + n, sizeof tail - n, "  paused");

    size_t tw = utf8_width(title), rw = utf8_width(tail);
    if (width > 0 && tw + rw > (size_t)width) {
        /* Shorten the step's name, keeping at least "3/23 ...". */
        size_t room = (size_t)width > rw + 3 ? (size_t)width - rw - 3 : 0;
        size_t cut = utf8_prefix(title, room);
        memcpy(title + cut, "...", 4);
        tw = utf8_width(title);
        if (tw + rw > (size_t)width) {
            /* Still too wide: the tail alone, cut at the width. */
            title[0] = '\0';
            tail[utf8_prefix(tail, (size_t)width)] = '\0';
        }
    }
    snprintf(buf, size, "%s%s", title, title[0] ? tail : tail + (tail[0] == ' ' ? 2 : 0));
    return buf;
}
