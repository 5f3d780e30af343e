/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sink_tags.h — the parts of the file sink (file.c) that write tags and
 * chapters (tags.h) where libsndfile cannot: its sf_set_string() knows a
 * fixed set of fields (title, artist, album, comment, date...) and no
 * chapters, in any format.
 *
 *   ogg_tags   rewrites the comment header of the Ogg Vorbis and Opus
 *              streams libsndfile encodes, page by page on their way out.
 *   flac_out   writes FLAC through libFLAC itself (which libsndfile uses
 *              underneath) with a VORBIS_COMMENT block that has the
 *              chapters.
 *
 * MP3 and WAV need nothing here: file.c writes tags_id3v2() before
 * libsndfile's MPEG stream, and tags_wav_info() and tags_wav_chapters()
 * into its own WAV file.
 *
 * Used by the file sink's thread only.
 */
#ifndef ASANAVOX_SINK_TAGS_H
#define ASANAVOX_SINK_TAGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "asanavox/tags.h"

/* ---- ogg_tags (ogg_tags.c) ----------------------------------------------------
 *
 * libsndfile writes the header packets of an Ogg stream (Vorbis:
 * identification, comment, setup; Opus: OpusHead, OpusTags) on pages of
 * their own before any audio.  ogg_tags collects those pages, takes the
 * packets out (libogg), replaces the comment packet by one with our tags
 * (Vorbis: built by libvorbis; Opus: OpusTags, RFC 7845 section 5.2, built
 * here since no Debian library but libopusenc, whose encoder we do not use,
 * makes one), pages the headers again (libogg) and hands the new pages on.
 * Audio pages then pass through with their page numbers shifted by the
 * difference in header pages.  Pages are emitted without a valid serial
 * number or CRC: the caller sets both (file.c fixes the serial anyway). */

struct ogg_tags;

/* Called for each page to write; returns 0 or an errno value. */
typedef int (*ogg_emit_fn)(void *ctx, unsigned char *page, size_t len);

/* For an Opus (`opus`) or Vorbis stream.  Returns 0 or AV_ENOMEM. */
int ogg_tags_create(const struct tags *t, bool opus, struct ogg_tags **out);

/* One complete page as libsndfile wrote it.  Returns 0, ENOMEM, EINVAL
 * (not the header layout described above) or what `emit` returned. */
int ogg_tags_page(struct ogg_tags *o, unsigned char *page, size_t len, ogg_emit_fn emit,
                  void *ctx);

/* True once the headers have gone out (a stream that ends before is
 * incomplete). */
bool ogg_tags_done(const struct ogg_tags *o);

void ogg_tags_destroy(struct ogg_tags *o);

/* ---- flac_out (flac.c) ----------------------------------------------------------
 *
 * 16-bit FLAC at libFLAC's compression level 5 (libsndfile's default), the
 * tags in a VORBIS_COMMENT block.  Bytes go to a descriptor: with `seekable`
 * (a temporary file) libFLAC goes back at the end to complete STREAMINFO
 * (MD5, exact length); without (a pipe) STREAMINFO keeps the length given
 * at creation and no MD5. */

struct flac_out;

/* Returns 0, AV_ENOMEM or AV_EIO (libFLAC refused the settings or the
 * first write failed: *err_no has the errno when there is one). */
int flac_out_create(int fd, bool seekable, int rate, int channels, int64_t frames,
                    const struct tags *t, struct flac_out **out, int *err_no);

/* Write `frames` interleaved 16-bit frames.  Returns 0 or AV_EIO (errno in
 * *err_no when the write failed, else 0 for an encoder failure). */
int flac_out_write(struct flac_out *f, const int16_t *in, size_t frames, int *err_no);

/* Flush the last frame and complete STREAMINFO.  Returns as flac_out_write(). */
int flac_out_finish(struct flac_out *f, int *err_no);

/* Free; accepts NULL.  Does not close the descriptor. */
void flac_out_destroy(struct flac_out *f);

/* libFLAC's name for the encoder's state, for messages. */
const char *flac_out_state(const struct flac_out *f);

#endif
