/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tags.h — what a rendered file says about itself: title, artist, album,
 * comment, date, and one chapter per step a listener would skip to.
 *
 * tags_create() takes them from a compiled session; the file sink
 * (sink.h, sink_set_tags()) writes them in each format's own way:
 *
 *   WAV        a LIST/INFO chunk (INAM IART IPRD ICMT ICRD), a cue chunk
 *              (one cue point per chapter, at its frame) and a LIST/adtl
 *              chunk with a labl (the chapter's name) per cue point:
 *              LIST/INFO between "fmt " and "data" (tags_wav_info()),
 *              the chapters after "data" (tags_wav_chapters());
 *   FLAC       a VORBIS_COMMENT block (libFLAC);
 *   Ogg Vorbis the comment header (libvorbis);
 *   Opus       the OpusTags header;
 *   MP3        an ID3v2.4 tag before the audio: TIT2 TPE1 TALB COMM TDRC,
 *              a CTOC and one CHAP per chapter (tags_id3v2()).
 *
 * The Vorbis-comment formats (FLAC, Ogg Vorbis, Opus) carry TITLE, ARTIST,
 * ALBUM, COMMENT and DATE, and the chapters as CHAPTERnnn=HH:MM:SS.mmm and
 * CHAPTERnnnNAME=name (the "OGM" convention that FFmpeg, VLC and mpv
 * read; nnn from 001), see tags_comments().
 *
 * A chapter starts where its step starts (the announcement of a pose) and
 * ends where the next chapter starts (the last one at the end of the
 * file).  Chapters are kept for pose, flow, breathe and rest steps; when
 * the first of them does not start at 0, a chapter named after the
 * session opens the file.  At most TAGS_MAX_CHAPTERS are kept (the three-digit CHAPTERnnn
 * numbering); a session with more steps than that has its later steps
 * folded into the last chapter.
 *
 * Tags are immutable once made; any thread may read them.
 */
#ifndef ASANAVOX_TAGS_H
#define ASANAVOX_TAGS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct timeline;

enum { TAGS_MAX_CHAPTERS = 999 };

struct tags_chapter {
    int64_t start;    /* first frame, at the timeline's rate */
    int64_t end;      /* one past the last frame */
    const char *name; /* "Child's pose (left side)", "Rest" */
};

struct tags {
    int rate;            /* the rate chapter frames are counted in */
    int64_t duration;    /* frames */
    const char *title;
    const char *artist;  /* "asanavox" */
    const char *album;   /* the session's collection, see tags_create() */
    const char *comment; /* the session's about:, may be "" */
    const char *date;    /* YYYY-MM-DD */
    struct tags_chapter *chapters;
    size_t n_chapters;   /* every string above is owned by the tags */
};

/* Tags for a rendered session.  `source` is where the session came from
 * (its path, or "-" for standard input): the album is the name of the
 * directory holding the session file ("asanavox" when that directory is a
 * sessions/ directory, as for the library, or for standard input).  The
 * date is today's (UTC), or that of $SOURCE_DATE_EPOCH when it is set, so
 * that a build can be reproduced.  Returns 0 with *out (free with
 * tags_destroy()), or AV_ENOMEM. */
int tags_create(const struct timeline *tl, const char *source, struct tags **out);

void tags_destroy(struct tags *t);

/* A chapter's start and end in whole milliseconds (rounded to nearest). */
int64_t tags_ms(const struct tags *t, int64_t frame);

/* The Vorbis comments ("KEY=value", UTF-8, malloc'd array of malloc'd
 * strings, *n of them; free with tags_free_comments()).  Returns 0 or
 * AV_ENOMEM. */
int tags_comments(const struct tags *t, char ***comments, size_t *n);
void tags_free_comments(char **comments, size_t n);

/* The WAV chunk that goes between "fmt " and "data": LIST/INFO, from the
 * title, artist, album, comment and date only (no chapters), so it can be
 * written before the session is laid out.  Returns 0 with a malloc'd
 * buffer in *out and its even length in *len, or AV_ENOMEM. */
int tags_wav_info(const struct tags *t, unsigned char **out, size_t *len);

/* The WAV chunks that follow "data": cue and LIST/adtl, for a file at
 * `rate` (the chapters' frames are converted when it differs from
 * t->rate).  Returns as tags_wav_info(). */
int tags_wav_chapters(const struct tags *t, int rate, unsigned char **out, size_t *len);

/* A whole ID3v2.4 tag ("ID3" header and frames).  Returns 0 with a
 * malloc'd buffer, or AV_ENOMEM. */
int tags_id3v2(const struct tags *t, unsigned char **out, size_t *len);

/* Print the tags and chapters as an FFmpeg metadata file (";FFMETADATA1",
 * what `ffmpeg -i audio -i FILE -map_metadata 1` reads; times in ms). */
void tags_print_ffmetadata(const struct tags *t, FILE *f);

#endif
