/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * ogg_serial.c — deterministic Ogg: libsndfile seeds the stream serial
 * number from the clock, so two renders would differ.  Every Ogg page the
 * file sink writes passes through ogg_feed(), which sets the serial to
 * SINK_OGG_SERIAL and recomputes the page's CRC (file_internal.h).
 * When the file has tags, complete pages go through ogg_tags.c first,
 * which puts our comment header in (sink_tags.h).
 */
#include <stdlib.h>
#include <string.h>
#include <errno.h>

#include "file_internal.h"
#include "sink_tags.h"

enum { OGG_PAGE_MAX = 27 + 255 + 255 * 255 };

struct ogg_fix {
    struct ogg_tags *tags; /* rewrites the comment header, or NULL */
    uint32_t crc_table[256];
    size_t have;
    unsigned char page[OGG_PAGE_MAX];
};

struct ogg_fix *ogg_fix_create(struct ogg_tags *tags)
{
    struct ogg_fix *o = calloc(1, sizeof(*o));
    if (!o) {
        ogg_tags_destroy(tags);
        return NULL;
    }
    o->tags = tags;
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t r = i << 24;
        for (int k = 0; k < 8; k++)
            r = (r & 0x80000000u) ? (r << 1) ^ 0x04c11db7u : r << 1;
        o->crc_table[i] = r;
    }
    return o;
}

/* Bytes the current page needs in all, as far as is known. */
static size_t ogg_want(const struct ogg_fix *o)
{
    if (o->have < 27)
        return 27;
    size_t nseg = o->page[26];
    if (o->have < 27 + nseg)
        return 27 + nseg;
    size_t body = 0;
    for (size_t i = 0; i < nseg; i++)
        body += o->page[27 + i];
    return 27 + nseg + body;
}

void ogg_fix_destroy(struct ogg_fix *o)
{
    if (!o)
        return;
    ogg_tags_destroy(o->tags);
    free(o);
}

struct ogg_out {
    struct ogg_fix *o;
    int fd;
};

/* Write one page with the fixed serial number and its CRC again. */
static int ogg_emit(void *ctx, unsigned char *page, size_t len)
{
    struct ogg_out *out = ctx;
    if (len < 27 || memcmp(page, "OggS", 4) != 0)
        return EINVAL;
    put_le32(page + 14, SINK_OGG_SERIAL);
    put_le32(page + 22, 0);
    uint32_t crc = 0;
    for (size_t i = 0; i < len; i++)
        crc = (crc << 8) ^ out->o->crc_table[((crc >> 24) ^ page[i]) & 0xff];
    put_le32(page + 22, crc);
    return file_write_all(out->fd, page, len);
}

int ogg_feed(struct ogg_fix *o, int fd, const unsigned char *data, size_t n)
{
    while (n) {
        size_t want = ogg_want(o);
        size_t take = want - o->have < n ? want - o->have : n;
        memcpy(o->page + o->have, data, take);
        o->have += take;
        data += take;
        n -= take;
        if (o->have < 27 || o->have != ogg_want(o))
            continue;
        struct ogg_out out = {o, fd};
        int err = o->tags ? ogg_tags_page(o->tags, o->page, o->have, ogg_emit, &out)
                          : ogg_emit(&out, o->page, o->have);
        o->have = 0;
        if (err)
            return err;
    }
    return 0;
}

bool ogg_fix_partial(const struct ogg_fix *o)
{
    return o->have != 0 || (o->tags && !ogg_tags_done(o->tags));
}
