/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * ogg_tags.c — our comment header in the Ogg Vorbis and Opus streams
 * libsndfile encodes (sink_tags.h).
 */
#include <errno.h>
#include <ogg/ogg.h>
#include <stdlib.h>
#include <string.h>
#include <vorbis/codec.h>

#include "asanavox/error.h"
#include "sink_internal.h"
#include "sink_tags.h"

enum { MAX_HEADERS = 3 };

struct ogg_tags {
    bool opus;
    int need;          /* header packets: 3 for Vorbis, 2 for Opus */
    int got;
    bool done;
    long in_pages;     /* header pages libsndfile wrote */
    long shift;        /* our header pages minus theirs */
    ogg_sync_state sync;
    ogg_stream_state in;
    bool in_ready;
    ogg_packet head[MAX_HEADERS]; /* copies; packet data is ours */
    char **comments;
    size_t n_comments;
};

int ogg_tags_create(const struct tags *t, bool opus, struct ogg_tags **out)
{
    struct ogg_tags *o = calloc(1, sizeof(*o));
    if (!o)
        return AV_ENOMEM;
    o->opus = opus;
    o->need = opus ? 2 : 3;
    ogg_sync_init(&o->sync);
    if (tags_comments(t, &o->comments, &o->n_comments)) {
        ogg_sync_clear(&o->sync);
        free(o);
        return AV_ENOMEM;
    }
    *out = o;
    return AV_OK;
}

void ogg_tags_destroy(struct ogg_tags *o)
{
    if (!o)
        return;
    for (int i = 0; i < o->got; i++)
        free(o->head[i].packet);
    if (o->in_ready)
        ogg_stream_clear(&o->in);
    ogg_sync_clear(&o->sync);
    tags_free_comments(o->comments, o->n_comments);
    free(o);
}

bool ogg_tags_done(const struct ogg_tags *o)
{
    return o->done;
}

static void put_le32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

static uint32_t get_le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* OpusTags (RFC 7845, 5.2): "OpusTags", the vendor string (kept from the
 * packet libsndfile wrote, which names libopus), the number of comments,
 * then each comment; every length a 32-bit little-endian count of bytes.
 * The packet's data is malloc'd; returns 0 or ENOMEM/EINVAL. */
static int opus_tags_packet(struct ogg_tags *o, const ogg_packet *theirs, ogg_packet *op)
{
    const unsigned char *p = theirs->packet;
    if (theirs->bytes < 12 || memcmp(p, "OpusTags", 8) != 0)
        return EINVAL;
    uint32_t vlen = get_le32(p + 8);
    if (vlen > (uint32_t)theirs->bytes - 12)
        return EINVAL;
    size_t size = 8 + 4 + vlen + 4;
    for (size_t i = 0; i < o->n_comments; i++)
        size += 4 + strlen(o->comments[i]);
    unsigned char *b = malloc(size), *w = b;
    if (!b)
        return ENOMEM;
    memcpy(w, p, 12 + vlen); /* magic, vendor length, vendor */
    w += 12 + vlen;
    put_le32(w, (uint32_t)o->n_comments);
    w += 4;
    for (size_t i = 0; i < o->n_comments; i++) {
        size_t n = strlen(o->comments[i]);
        put_le32(w, (uint32_t)n);
        memcpy(w + 4, o->comments[i], n);
        w += 4 + n;
    }
    *op = *theirs;
    op->packet = b;
    op->bytes = (long)size;
    return 0;
}

/* The Vorbis comment header, from libvorbis (its vendor string is that of
 * the libvorbis that encoded the stream). */
static int vorbis_tags_packet(struct ogg_tags *o, const ogg_packet *theirs, ogg_packet *op)
{
    vorbis_comment vc;
    vorbis_comment_init(&vc);
    for (size_t i = 0; i < o->n_comments; i++)
        vorbis_comment_add(&vc, o->comments[i]);
    ogg_packet made;
    int r = vorbis_commentheader_out(&vc, &made);
    vorbis_comment_clear(&vc);
    if (r != 0)
        return ENOMEM;
    /* Copy into our own malloc'd buffer so every header packet is freed
     * the same way. */
    unsigned char *b = malloc((size_t)made.bytes);
    if (b)
        memcpy(b, made.packet, (size_t)made.bytes);
    long bytes = made.bytes;
    ogg_packet_clear(&made);
    if (!b)
        return ENOMEM;
    *op = *theirs;
    op->packet = b;
    op->bytes = bytes;
    return 0;
}

/* All header packets are in: page them out again with our comments. */
static int emit_headers(struct ogg_tags *o, ogg_emit_fn emit, void *ctx)
{
    ogg_packet tags;
    int err = o->opus ? opus_tags_packet(o, &o->head[1], &tags)
                      : vorbis_tags_packet(o, &o->head[1], &tags);
    if (err)
        return err;
    free(o->head[1].packet);
    o->head[1] = tags;

    ogg_stream_state os;
    if (ogg_stream_init(&os, (int)SINK_OGG_SERIAL) != 0)
        return ENOMEM;
    long pages = 0;
    ogg_page og;
    for (int i = 0; i < o->need && !err; i++) {
        if (ogg_stream_packetin(&os, &o->head[i]) != 0) {
            err = ENOMEM;
            break;
        }
        /* The first packet alone on the first page, as both formats
         * require; the others together after it, then audio on a fresh
         * page, as libsndfile had them. */
        if (i == 0 || i == o->need - 1) {
            while (!err && ogg_stream_flush(&os, &og)) {
                unsigned char *page = malloc((size_t)(og.header_len + og.body_len));
                if (!page) {
                    err = ENOMEM;
                    break;
                }
                memcpy(page, og.header, (size_t)og.header_len);
                memcpy(page + og.header_len, og.body, (size_t)og.body_len);
                err = emit(ctx, page, (size_t)(og.header_len + og.body_len));
                free(page);
                pages++;
            }
        }
    }
    ogg_stream_clear(&os);
    o->shift = pages - o->in_pages;
    o->done = true;
    return err;
}

int ogg_tags_page(struct ogg_tags *o, unsigned char *page, size_t len, ogg_emit_fn emit,
                  void *ctx)
{
    if (o->done) {
        /* An audio page: only its sequence number changes. */
        if (len < 27)
            return EINVAL;
        put_le32(page + 18, (uint32_t)((long)get_le32(page + 18) + o->shift));
        return emit(ctx, page, len);
    }
    char *buf = ogg_sync_buffer(&o->sync, (long)len);
    if (!buf)
        return ENOMEM;
    memcpy(buf, page, len);
    ogg_sync_wrote(&o->sync, (long)len);
    ogg_page og;
    if (ogg_sync_pageout(&o->sync, &og) != 1)
        return EINVAL;
    if (!o->in_ready) {
        if (ogg_stream_init(&o->in, ogg_page_serialno(&og)) != 0)
            return ENOMEM;
        o->in_ready = true;
    }
    if (ogg_stream_pagein(&o->in, &og) != 0)
        return EINVAL;
    o->in_pages++;
    ogg_packet op;
    int r;
    while ((r = ogg_stream_packetout(&o->in, &op)) != 0) {
        if (r < 0 || o->got == o->need)
            return EINVAL; /* a gap, or audio on a header page */
        ogg_packet *h = &o->head[o->got];
        *h = op;
        h->packet = malloc((size_t)op.bytes);
        if (!h->packet)
            return ENOMEM;
        memcpy(h->packet, op.packet, (size_t)op.bytes);
        o->got++;
    }
    if (o->got < o->need)
        return 0;
    return emit_headers(o, emit, ctx);
}
