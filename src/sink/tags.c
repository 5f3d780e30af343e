/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tags.c — a rendered file's tags and chapters (tags.h): made from the
 * timeline, and laid out as Vorbis comments, WAV chunks, an ID3v2 tag or
 * an FFmpeg metadata file.
 */
#include "asanavox/tags.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "asanavox/config.h"
#include "asanavox/error.h"
#include "asanavox/strbuf.h"
#include "asanavox/timeline.h"
#include "asanavox/utf8.h"

/* Names longer than this are cut (at a character boundary): libsndfile
 * reads WAV labels into 256 bytes, and a chapter name is a pose's name. */
enum { NAME_MAX_BYTES = 200 };

static char *dup_cut(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n > max)
        n = utf8_validate(s, max); /* the longest whole-character prefix */
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

/* The album: the directory the session file is in (see tags.h). */
static char *album_of(const char *source)
{
    static const char library[] = "asanavox sessions";
    if (!source || !strcmp(source, "-"))
        return strdup(library);
    char buf[PATH_MAX];
    const char *slash = strrchr(source, '/');
    char dir[PATH_MAX];
    if (!slash) {
        snprintf(dir, sizeof dir, ".");
    } else {
        size_t n = slash == source ? 1 : (size_t)(slash - source);
        if (n >= sizeof dir)
            return strdup(library);
        memcpy(dir, source, n);
        dir[n] = '\0';
    }
    const char *d = realpath(dir, buf) ? buf : dir;
    const char *base = strrchr(d, '/');
    base = base && base[1] ? base + 1 : d;
    if (!strcmp(base, "sessions") || !strcmp(base, "/") || !strcmp(base, "."))
        return strdup(library);
    return dup_cut(base, NAME_MAX_BYTES);
}

static char *today(void)
{
    time_t now = time(NULL);
    const char *epoch = getenv("SOURCE_DATE_EPOCH");
    if (epoch && *epoch) {
        char *end;
        errno = 0;
        long long v = strtoll(epoch, &end, 10);
        if (!*end && !errno && v >= 0)
            now = (time_t)v;
    }
    struct tm tm;
    char buf[32];
    if (!gmtime_r(&now, &tm) || !strftime(buf, sizeof buf, "%Y-%m-%d", &tm))
        snprintf(buf, sizeof buf, "1970-01-01");
    return strdup(buf);
}

/* The steps a listener skips to: what is done, not what is said or rung
 * between them. */
static bool is_chapter(const struct tl_step *s)
{
    switch (s->kind) {
    case TL_STEP_POSE:
    case TL_STEP_FLOW:
    case TL_STEP_BREATHE:
    case TL_STEP_REST:
        return true;
    case TL_STEP_SAY:
    case TL_STEP_BELL:
    case TL_STEP_SILENCE:
        return false;
    }
    return false;
}

static char *chapter_name(const struct tl_step *s)
{
    if (s->kind == TL_STEP_REST)
        return strdup("Rest");
    if (!s->name[0])
        return strdup(s->kind == TL_STEP_BREATHE ? "Breathe" : tl_step_kind_name(s->kind));
    const char *side = tl_side_name(s->side);
    if (!side)
        return dup_cut(s->name, NAME_MAX_BYTES);
    char *name = dup_cut(s->name, NAME_MAX_BYTES - 16);
    if (!name)
        return NULL;
    char *full = str_printf("%s, %s side", name, side);
    free(name);
    return full;
}

void tags_destroy(struct tags *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n_chapters; i++)
        free((char *)t->chapters[i].name);
    free(t->chapters);
    free((char *)t->title);
    free((char *)t->artist);
    free((char *)t->album);
    free((char *)t->comment);
    free((char *)t->date);
    free(t);
}

int tags_create(const struct timeline *tl, const char *source, struct tags **out)
{
    struct tags *t = calloc(1, sizeof(*t));
    if (!t)
        return AV_ENOMEM;
    t->rate = tl->rate;
    t->duration = tl->duration;
    t->title = dup_cut(tl->title, 1000);
    t->artist = strdup("asanavox");
    t->album = album_of(source);
    t->comment = dup_cut(tl->about, 4000);
    t->date = today();
    size_t cap = 1;
    for (size_t i = 0; i < tl->n_steps; i++)
        cap += is_chapter(&tl->steps[i]);
    if (cap > TAGS_MAX_CHAPTERS)
        cap = TAGS_MAX_CHAPTERS;
    t->chapters = calloc(cap, sizeof(*t->chapters));
    if (!t->title || !t->artist || !t->album || !t->comment || !t->date || !t->chapters)
        goto fail;
    for (size_t i = 0; i < tl->n_steps && t->n_chapters < cap; i++) {
        const struct tl_step *s = &tl->steps[i];
        if (!is_chapter(s))
            continue;
        if (t->n_chapters == 0 && s->start > 0) {
            /* What comes before the first pose (bells, the title, safety
             * advice) is a chapter of its own, so that every moment of the
             * file is in one. */
            t->chapters[0] = (struct tags_chapter){0, 0, dup_cut(tl->title, NAME_MAX_BYTES)};
            if (!t->chapters[0].name)
                goto fail;
            t->n_chapters = 1;
            if (t->n_chapters == cap)
                break;
        }
        struct tags_chapter *c = &t->chapters[t->n_chapters];
        c->start = s->start;
        c->name = chapter_name(s);
        if (!c->name)
            goto fail;
        t->n_chapters++;
    }
    if (t->n_chapters == 0) {
        /* Nothing to skip to: one chapter, the whole session. */
        t->chapters[0] = (struct tags_chapter){0, 0, dup_cut(tl->title, NAME_MAX_BYTES)};
        if (!t->chapters[0].name)
            goto fail;
        t->n_chapters = 1;
    }
    for (size_t i = 0; i < t->n_chapters; i++)
        t->chapters[i].end = i + 1 < t->n_chapters ? t->chapters[i + 1].start : t->duration;
    *out = t;
    return AV_OK;
fail:
    tags_destroy(t);
    return AV_ENOMEM;
}

int64_t tags_ms(const struct tags *t, int64_t frame)
{
    return (frame * 1000 + t->rate / 2) / t->rate;
}

static void clock_ms(int64_t ms, char *buf, size_t size)
{
    snprintf(buf, size, "%02lld:%02lld:%02lld.%03lld", (long long)(ms / 3600000),
             (long long)(ms / 60000 % 60), (long long)(ms / 1000 % 60), (long long)(ms % 1000));
}

void tags_free_comments(char **comments, size_t n)
{
    if (!comments)
        return;
    for (size_t i = 0; i < n; i++)
        free(comments[i]);
    free(comments);
}

static char *key_value(const char *key, const char *value)
{
    return str_printf("%s=%s", key, value);
}

int tags_comments(const struct tags *t, char ***comments, size_t *n)
{
    size_t cap = 5 + 2 * t->n_chapters, k = 0;
    char **v = calloc(cap, sizeof(*v));
    if (!v)
        return AV_ENOMEM;
    v[k++] = key_value("TITLE", t->title);
    v[k++] = key_value("ARTIST", t->artist);
    v[k++] = key_value("ALBUM", t->album);
    if (t->comment[0])
        v[k++] = key_value("COMMENT", t->comment);
    v[k++] = key_value("DATE", t->date);
    for (size_t i = 0; i < t->n_chapters; i++) {
        char key[32], when[32];
        snprintf(key, sizeof key, "CHAPTER%03zu", i + 1);
        clock_ms(tags_ms(t, t->chapters[i].start), when, sizeof when);
        v[k++] = key_value(key, when);
        snprintf(key, sizeof key, "CHAPTER%03zuNAME", i + 1);
        v[k++] = key_value(key, t->chapters[i].name);
    }
    for (size_t i = 0; i < k; i++) {
        if (!v[i]) {
            tags_free_comments(v, k);
            return AV_ENOMEM;
        }
    }
    *comments = v;
    *n = k;
    return AV_OK;
}

/* ---- bytes -------------------------------------------------------------------
 *
 * The binary layouts below are built in a strbuf (strbuf.h), which takes
 * any bytes and remembers an allocation failure until finish(). */

static void put(struct strbuf *b, const void *data, size_t n)
{
    strbuf_append(b, data, n);
}

static void put_u8(struct strbuf *b, unsigned v)
{
    unsigned char c = (unsigned char)v;
    put(b, &c, 1);
}

static void put_le32(struct strbuf *b, uint32_t v)
{
    unsigned char c[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 24)};
    put(b, c, 4);
}

static void put_be32(struct strbuf *b, uint32_t v)
{
    unsigned char c[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 8), (unsigned char)v};
    put(b, c, 4);
}

static void set_le32(struct strbuf *b, size_t at, uint32_t v)
{
    if (b->failed)
        return;
    unsigned char *p = (unsigned char *)b->s + at;
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

/* ID3v2.4 sizes are "syncsafe": 7 bits per byte. */
static void set_syncsafe(struct strbuf *b, size_t at, uint32_t v)
{
    if (b->failed)
        return;
    unsigned char *p = (unsigned char *)b->s + at;
    for (int i = 3; i >= 0; i--) {
        p[i] = (unsigned char)(v & 0x7f);
        v >>= 7;
    }
}

static int finish(struct strbuf *b, unsigned char **out, size_t *len)
{
    if (b->failed) {
        strbuf_deinit(b);
        return AV_ENOMEM;
    }
    *out = (unsigned char *)b->s;
    *len = b->len;
    return AV_OK;
}

/* ---- WAV ------------------------------------------------------------------------
 *
 * The chunks follow the RIFF conventions that libsndfile and FFmpeg read
 * back: INFO strings end in NUL and every chunk is padded to an even
 * length; a cue point's sample offset is its frame in the data chunk; a
 * labl names the cue point with the same ID.  The cue chunk comes before
 * LIST/adtl because readers attach labels to cue points already read.
 * LIST/INFO goes between "fmt " and "data"; the chapters follow "data"
 * (RIFF allows chunks in any order, and libsndfile and FFmpeg, on a file
 * they can seek in, read past the data), so that a file can be written
 * from its first sample before its chapters are known. */

static void riff_string(struct strbuf *b, const char id[4], const char *s)
{
    size_t n = strlen(s) + 1;
    put(b, id, 4);
    put_le32(b, (uint32_t)n);
    put(b, s, n);
    if (n & 1)
        put_u8(b, 0);
}

int tags_wav_info(const struct tags *t, unsigned char **out, size_t *len)
{
    struct strbuf b = {0};
    put(&b, "LIST\0\0\0\0INFO", 12);
    riff_string(&b, "INAM", t->title);
    riff_string(&b, "IART", t->artist);
    riff_string(&b, "IPRD", t->album);
    if (t->comment[0])
        riff_string(&b, "ICMT", t->comment);
    riff_string(&b, "ICRD", t->date);
    riff_string(&b, "ISFT", "asanavox " ASANAVOX_VERSION);
    set_le32(&b, 4, (uint32_t)(b.len - 8));
    return finish(&b, out, len);
}

int tags_wav_chapters(const struct tags *t, int rate, unsigned char **out, size_t *len)
{
    struct strbuf b = {0};
    put(&b, "cue ", 4);
    put_le32(&b, (uint32_t)(4 + 24 * t->n_chapters));
    put_le32(&b, (uint32_t)t->n_chapters);
    for (size_t i = 0; i < t->n_chapters; i++) {
        int64_t frame = t->chapters[i].start;
        if (rate != t->rate)
            frame = (frame * rate + t->rate / 2) / t->rate;
        put_le32(&b, (uint32_t)(i + 1));  /* ID */
        put_le32(&b, (uint32_t)frame);    /* play-order position */
        put(&b, "data", 4);               /* the chunk it points into */
        put_le32(&b, 0);                  /* chunk start: no wavl list */
        put_le32(&b, 0);                  /* block start: PCM */
        put_le32(&b, (uint32_t)frame);    /* the frame in that chunk */
    }

    size_t at = b.len;
    put(&b, "LIST\0\0\0\0adtl", 12);
    for (size_t i = 0; i < t->n_chapters; i++) {
        size_t n = strlen(t->chapters[i].name) + 1;
        put(&b, "labl", 4);
        put_le32(&b, (uint32_t)(4 + n));
        put_le32(&b, (uint32_t)(i + 1));
        put(&b, t->chapters[i].name, n);
        if ((4 + n) & 1)
            put_u8(&b, 0);
    }
    set_le32(&b, at + 4, (uint32_t)(b.len - at - 8));
    return finish(&b, out, len);
}

/* ---- ID3v2 ------------------------------------------------------------------------
 *
 * Written by hand: no library in Debian writes ID3v2 chapter frames (LAME's
 * id3tag, which libsndfile uses for MP3, knows only the plain text frames;
 * libid3tag only reads).  This is ID3v2.4.0 (id3.org, "ID3 tag version
 * 2.4.0 - Main Structure") with the chapter frames of "ID3v2 Chapter Frame
 * Addendum" 1.0: text frames in UTF-8 (encoding 3), no unsynchronisation,
 * no extended header.  A CTOC frame lists the chapters in order; each CHAP
 * has its start and end in milliseconds, 0xFFFFFFFF for the byte offsets
 * ("not used"), and a TIT2 sub-frame with its name. */

static size_t frame_start(struct strbuf *b, const char id[4])
{
    size_t at = b->len;
    put(b, id, 4);
    put(b, "\0\0\0\0\0\0", 6); /* size (set by frame_end), flags */
    return at;
}

static void frame_end(struct strbuf *b, size_t at)
{
    set_syncsafe(b, at + 4, (uint32_t)(b->len - at - 10));
}

/* Text ends in NUL, which 4.0 allows: without it libmpg123 (libsndfile's
 * MP3 reader) hands libsndfile strings it has not terminated. */
static void text_frame(struct strbuf *b, const char id[4], const char *text)
{
    size_t at = frame_start(b, id);
    put_u8(b, 3); /* UTF-8 */
    put(b, text, strlen(text) + 1);
    frame_end(b, at);
}

int tags_id3v2(const struct tags *t, unsigned char **out, size_t *len)
{
    struct strbuf b = {0};
    put(&b, "ID3\x04\x00\x00\0\0\0\0", 10); /* v2.4.0, no flags, size below */
    text_frame(&b, "TIT2", t->title);
    text_frame(&b, "TPE1", t->artist);
    text_frame(&b, "TALB", t->album);
    text_frame(&b, "TDRC", t->date);
    text_frame(&b, "TSSE", "asanavox " ASANAVOX_VERSION);
    if (t->comment[0]) {
        size_t at = frame_start(&b, "COMM");
        put(&b, "\x03" "eng", 4); /* UTF-8, language */
        put_u8(&b, 0);           /* empty description */
        put(&b, t->comment, strlen(t->comment) + 1);
        frame_end(&b, at);
    }

    size_t at = frame_start(&b, "CTOC");
    put(&b, "toc", 4);      /* element ID, NUL-terminated */
    put_u8(&b, 0x03);       /* top-level, ordered */
    /* The entry count is one byte: a session with more than 255 chapters
     * lists the first 255 here; every CHAP frame is still written, and
     * readers (FFmpeg among them) take chapters from the CHAP frames. */
    put_u8(&b, (unsigned)(t->n_chapters > 255 ? 255 : t->n_chapters));
    for (size_t i = 0; i < t->n_chapters && i < 255; i++) {
        char id[16];
        int n = snprintf(id, sizeof id, "ch%zu", i + 1);
        put(&b, id, (size_t)n + 1);
    }
    text_frame(&b, "TIT2", t->title);
    frame_end(&b, at);

    for (size_t i = 0; i < t->n_chapters; i++) {
        char id[16];
        int n = snprintf(id, sizeof id, "ch%zu", i + 1);
        at = frame_start(&b, "CHAP");
        put(&b, id, (size_t)n + 1);
        put_be32(&b, (uint32_t)tags_ms(t, t->chapters[i].start));
        put_be32(&b, (uint32_t)tags_ms(t, t->chapters[i].end));
        put_be32(&b, 0xFFFFFFFFu);
        put_be32(&b, 0xFFFFFFFFu);
        text_frame(&b, "TIT2", t->chapters[i].name);
        frame_end(&b, at);
    }
    set_syncsafe(&b, 6, (uint32_t)(b.len - 10));
    return finish(&b, out, len);
}

/* ---- FFmpeg metadata ----------------------------------------------------------------- */

/* FFmpeg's metadata files escape '=', ';', '#', '\' and newlines with '\'. */
static void ff_escaped(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (strchr("=;#\\\n", *s))
            fputc('\\', f);
        fputc(*s, f);
    }
}

static void ff_pair(FILE *f, const char *key, const char *value)
{
    fprintf(f, "%s=", key);
    ff_escaped(f, value);
    fputc('\n', f);
}

void tags_print_ffmetadata(const struct tags *t, FILE *f)
{
    fprintf(f, ";FFMETADATA1\n");
    ff_pair(f, "title", t->title);
    ff_pair(f, "artist", t->artist);
    ff_pair(f, "album", t->album);
    if (t->comment[0])
        ff_pair(f, "comment", t->comment);
    ff_pair(f, "date", t->date);
    for (size_t i = 0; i < t->n_chapters; i++) {
        fprintf(f, "\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=%lld\nEND=%lld\n",
                (long long)tags_ms(t, t->chapters[i].start),
                (long long)tags_ms(t, t->chapters[i].end));
        ff_pair(f, "title", t->chapters[i].name);
    }
}
