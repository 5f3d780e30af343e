/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sink.c — the sink life cycle (sink.h) and the null sink.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "asanavox/error.h"
#include "sink_internal.h"

enum { S_CREATED, S_OPEN, S_FINISHED, S_FAILED };

void sink_fail(struct sink *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->message, sizeof(s->message), fmt, ap);
    va_end(ap);
    for (char *p = s->message; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
}

int sink_create(const struct sink_ops *ops, struct sink **out)
{
    if (!ops || !out)
        return AV_EINVAL;
    struct sink *s = calloc(1, sizeof(*s));
    if (!s)
        return AV_ENOMEM;
    s->ops = ops;
    s->state = S_CREATED;
    if (ops->create) {
        int err = ops->create(s);
        if (err) {
            free(s);
            return err;
        }
    }
    *out = s;
    return AV_OK;
}

int sink_open(struct sink *s, const char *target, const struct sink_params *p)
{
    if (s->state != S_CREATED || !p || p->rate <= 0 || p->channels < 1 || p->channels > 2) {
        sink_fail(s, "invalid sink parameters");
        return AV_EINVAL;
    }
    s->params = *p;
    s->message[0] = '\0';
    int err = s->ops->open(s, target, p);
    s->state = err ? S_FAILED : S_OPEN;
    return err;
}

int sink_write(struct sink *s, const float *interleaved, size_t frames)
{
    if (s->state != S_OPEN) {
        if (!s->message[0])
            sink_fail(s, "sink is not open");
        return s->state == S_FAILED ? AV_EIO : AV_EINVAL;
    }
    if (frames == 0)
        return AV_OK;
    int err = s->ops->write(s, interleaved, frames);
    if (err)
        s->state = S_FAILED;
    return err;
}

int sink_write_mono(struct sink *s, const float *mono, size_t frames)
{
    const size_t ch = (size_t)s->params.channels;
    if (s->state != S_OPEN || ch == 1 || frames == 0)
        return sink_write(s, mono, frames);
    if (s->ops->write_mono) {
        int err = s->ops->write_mono(s, mono, frames);
        if (err)
            s->state = S_FAILED;
        return err;
    }
    if (frames * ch > s->scratch_cap) {
        float *b = realloc(s->scratch, frames * ch * sizeof(float));
        if (!b)
            return AV_ENOMEM;
        s->scratch = b;
        s->scratch_cap = frames * ch;
    }
    for (size_t i = 0; i < frames; i++)
        for (size_t c = 0; c < ch; c++)
            s->scratch[i * ch + c] = mono[i];
    return sink_write(s, s->scratch, frames);
}

int sink_finish(struct sink *s)
{
    if (s->state != S_OPEN) {
        if (!s->message[0])
            sink_fail(s, "sink is not open");
        return s->state == S_FAILED ? AV_EIO : AV_EINVAL;
    }
    int err = s->ops->finish ? s->ops->finish(s) : AV_OK;
    s->state = err ? S_FAILED : S_FINISHED;
    return err;
}

void sink_destroy(struct sink *s)
{
    if (!s)
        return;
    if (s->ops->destroy)
        s->ops->destroy(s);
    free(s->scratch);
    free(s);
}

void sink_set_tags(struct sink *s, const struct tags *t)
{
    s->tags = t;
}

const char *sink_message(const struct sink *s)
{
    return s ? s->message : "";
}

int sink_format_from_path(const char *path, enum sink_format *out)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    const char *dot = strrchr(base, '.');
    if (!dot)
        return AV_EFORMAT;
    static const struct {
        const char *ext;
        enum sink_format f;
    } map[] = {
        {".wav", SINK_FORMAT_WAV}, {".flac", SINK_FORMAT_FLAC}, {".ogg", SINK_FORMAT_OGG},
        {".oga", SINK_FORMAT_OGG}, {".mp3", SINK_FORMAT_MP3}, {".opus", SINK_FORMAT_OPUS},
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        if (!strcasecmp(dot, map[i].ext)) {
            *out = map[i].f;
            return AV_OK;
        }
    }
    return AV_EFORMAT;
}

const char *sink_format_name(enum sink_format f)
{
    switch (f) {
    case SINK_FORMAT_WAV: return "wav";
    case SINK_FORMAT_FLAC: return "flac";
    case SINK_FORMAT_OGG: return "ogg";
    case SINK_FORMAT_MP3: return "mp3";
    case SINK_FORMAT_OPUS: return "opus";
    }
    return "?";
}

int sink_format_from_name(const char *name, enum sink_format *out)
{
    static const enum sink_format all[] = {SINK_FORMAT_WAV, SINK_FORMAT_FLAC, SINK_FORMAT_OGG,
                                           SINK_FORMAT_OPUS, SINK_FORMAT_MP3};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        if (!strcasecmp(name, sink_format_name(all[i]))) {
            *out = all[i];
            return AV_OK;
        }
    }
    return AV_EFORMAT;
}

/* ---- the null sink --------------------------------------------------------- */

static int null_open(struct sink *s, const char *target, const struct sink_params *p)
{
    (void)s;
    (void)target;
    (void)p;
    return AV_OK;
}

static int null_write(struct sink *s, const float *interleaved, size_t frames)
{
    (void)s;
    (void)interleaved;
    (void)frames;
    return AV_OK;
}

const struct sink_ops sink_null_ops = {
    .name = "null",
    .create = NULL,
    .open = null_open,
    .write = null_write,
    .write_mono = null_write,
    .finish = NULL,
    .destroy = NULL,
};
