/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * flac.c — FLAC through libFLAC, with our tags and chapters in its
 * VORBIS_COMMENT block (sink_tags.h).
 *
 * libsndfile writes FLAC with libFLAC too, but builds the VORBIS_COMMENT
 * block from its own fixed set of strings only, so the CHAPTERnnn comments
 * could not get in.  The settings match libsndfile's (16 bits, compression
 * level 5), so files are what libsndfile would write plus the comments.
 */
#include <errno.h>
#include <FLAC/metadata.h>
#include <FLAC/stream_encoder.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "asanavox/error.h"
#include "sink_tags.h"

struct flac_out {
    FLAC__StreamEncoder *enc;
    FLAC__StreamMetadata *comments;
    int fd;
    int err;            /* errno of the first failed write or seek */
    int channels;
    FLAC__int32 *buf;   /* 16-bit samples widened, as libFLAC takes them */
    size_t cap;
};

static FLAC__StreamEncoderWriteStatus on_write(const FLAC__StreamEncoder *enc,
                                               const FLAC__byte buffer[], size_t bytes,
                                               uint32_t samples, uint32_t frame, void *ctx)
{
    (void)enc, (void)samples, (void)frame;
    struct flac_out *f = ctx;
    const FLAC__byte *p = buffer;
    while (bytes && !f->err) {
        ssize_t w = write(f->fd, p, bytes);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            f->err = w < 0 ? errno : EIO;
            break;
        }
        p += w;
        bytes -= (size_t)w;
    }
    return f->err ? FLAC__STREAM_ENCODER_WRITE_STATUS_FATAL_ERROR
                  : FLAC__STREAM_ENCODER_WRITE_STATUS_OK;
}

static FLAC__StreamEncoderSeekStatus on_seek(const FLAC__StreamEncoder *enc, FLAC__uint64 to,
                                             void *ctx)
{
    (void)enc;
    struct flac_out *f = ctx;
    if (lseek(f->fd, (off_t)to, SEEK_SET) < 0) {
        if (!f->err)
            f->err = errno;
        return FLAC__STREAM_ENCODER_SEEK_STATUS_ERROR;
    }
    return FLAC__STREAM_ENCODER_SEEK_STATUS_OK;
}

static FLAC__StreamEncoderTellStatus on_tell(const FLAC__StreamEncoder *enc, FLAC__uint64 *at,
                                             void *ctx)
{
    (void)enc;
    struct flac_out *f = ctx;
    off_t pos = lseek(f->fd, 0, SEEK_CUR);
    if (pos < 0)
        return FLAC__STREAM_ENCODER_TELL_STATUS_ERROR;
    *at = (FLAC__uint64)pos;
    return FLAC__STREAM_ENCODER_TELL_STATUS_OK;
}

void flac_out_destroy(struct flac_out *f)
{
    if (!f)
        return;
    if (f->enc)
        FLAC__stream_encoder_delete(f->enc); /* finishes first if needed */
    if (f->comments)
        FLAC__metadata_object_delete(f->comments);
    free(f->buf);
    free(f);
}

const char *flac_out_state(const struct flac_out *f)
{
    return FLAC__StreamEncoderStateString[FLAC__stream_encoder_get_state(f->enc)];
}

static int make_comments(struct flac_out *f, const struct tags *t)
{
    f->comments = FLAC__metadata_object_new(FLAC__METADATA_TYPE_VORBIS_COMMENT);
    if (!f->comments)
        return AV_ENOMEM;
    if (!t)
        return AV_OK;
    char **v;
    size_t n;
    if (tags_comments(t, &v, &n))
        return AV_ENOMEM;
    int err = AV_OK;
    for (size_t i = 0; i < n && !err; i++) {
        FLAC__StreamMetadata_VorbisComment_Entry e = {(FLAC__uint32)strlen(v[i]),
                                                      (FLAC__byte *)v[i]};
        if (!FLAC__metadata_object_vorbiscomment_append_comment(f->comments, e, true))
            err = AV_ENOMEM;
    }
    tags_free_comments(v, n);
    return err;
}

int flac_out_create(int fd, bool seekable, int rate, int channels, int64_t frames,
                    const struct tags *t, struct flac_out **out, int *err_no)
{
    *err_no = 0;
    struct flac_out *f = calloc(1, sizeof(*f));
    if (!f)
        return AV_ENOMEM;
    f->fd = fd;
    f->channels = channels;
    f->enc = FLAC__stream_encoder_new();
    int err = f->enc ? make_comments(f, t) : AV_ENOMEM;
    if (err)
        goto fail;
    FLAC__StreamEncoder *e = f->enc;
    bool ok = FLAC__stream_encoder_set_channels(e, (uint32_t)channels) &&
              FLAC__stream_encoder_set_bits_per_sample(e, 16) &&
              FLAC__stream_encoder_set_sample_rate(e, (uint32_t)rate) &&
              FLAC__stream_encoder_set_compression_level(e, 5) &&
              FLAC__stream_encoder_set_metadata(e, &f->comments, 1);
    if (ok && frames > 0)
        ok = FLAC__stream_encoder_set_total_samples_estimate(e, (FLAC__uint64)frames);
    if (!ok ||
        FLAC__stream_encoder_init_stream(e, on_write, seekable ? on_seek : NULL,
                                         seekable ? on_tell : NULL, NULL, f) !=
            FLAC__STREAM_ENCODER_INIT_STATUS_OK) {
        *err_no = f->err;
        err = AV_EIO;
        goto fail;
    }
    *out = f;
    return AV_OK;
fail:
    flac_out_destroy(f);
    return err;
}

int flac_out_write(struct flac_out *f, const int16_t *in, size_t frames, int *err_no)
{
    size_t n = frames * (size_t)f->channels;
    if (n > f->cap) {
        FLAC__int32 *b = realloc(f->buf, n * sizeof(*b));
        if (!b)
            return AV_ENOMEM;
        f->buf = b;
        f->cap = n;
    }
    for (size_t i = 0; i < n; i++)
        f->buf[i] = in[i];
    if (!FLAC__stream_encoder_process_interleaved(f->enc, f->buf, (uint32_t)frames) || f->err) {
        *err_no = f->err;
        return AV_EIO;
    }
    return AV_OK;
}

int flac_out_finish(struct flac_out *f, int *err_no)
{
    if (!FLAC__stream_encoder_finish(f->enc) || f->err) {
        *err_no = f->err;
        return AV_EIO;
    }
    *err_no = 0;
    return AV_OK;
}
