/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_tags.c — tags and chapters of rendered files (tags.h): made from a
 * compiled session, then written by the real file sink in every format,
 * to a file (atomic) and to a FIFO (streamed), and read back two ways:
 * with libsndfile (the strings, WAV cue points, the audio's length) and
 * by parsing what was written (the WAV chunks, the FLAC VORBIS_COMMENT
 * block with libFLAC, the Ogg pages and comment packets with libogg and
 * libvorbis, the OpusTags packet, the MP3's ID3v2 frames).
 */
#define _GNU_SOURCE 1 /* memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <FLAC/metadata.h>
#include <fcntl.h>
#include <math.h>
#include <ogg/ogg.h>
#include <sndfile.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <pthread.h>
#include <unistd.h>
#include <vorbis/codec.h>

#include "asanavox/sink.h"
#include "asanavox/tags.h"
#include "fs_support.h"
#include "sink/sink_internal.h"
#include "support.h"

/* Short, so that encoding it ten times stays quick under valgrind. */
static const char *SESSION = "title: Flow tags\n"
                             "about: A short flow, for the tag tests.\n"
                             "pace: 0.5 0.5\n"
                             "prompts: none\n"
                             "gap: 0.2s\n"
                             "say Hi.\n"
                             "pose Cat cow, 1 breath, each side\n"
                             "rest 3s\n"
                             "pose Child, 1 breath\n";

/* The session is compiled and written at 8000 Hz (a rate every format
 * takes, Opus included) to keep the encoders quick under valgrind. */
enum { TRATE = 8000 };

static struct compiled C;
static struct tags *T;
static char *dir;

static int setup(void **state)
{
    (void)state;
    setenv("SOURCE_DATE_EPOCH", "1000000000", 1); /* 2001-09-09T01:46:40Z */
    struct compile_options o;
    compile_options_init(&o);
    o.rate = TRATE;
    C = compile_files(SESSION, NULL, &o);
    if (C.err || !C.tl || C.tl->n_steps != 5 || C.tl->duration > 15 * TRATE) {
        dump_diag(C.d);
        print_message("the session: err %d, %zu steps, %lld frames\n", C.err,
                      C.tl ? C.tl->n_steps : 0, C.tl ? (long long)C.tl->duration : 0);
        return -1;
    }
    /* A directory that does not exist: its name is still the album. */
    if (tags_create(C.tl, "/nonexistent/my-flows/flow.yoga", &T))
        return -1;
    dir = tmpdir_for("tags");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    tags_destroy(T);
    compiled_free(&C);
    if (dir)
        rm_rf(dir);
    free(dir);
    return 0;
}

/* A chapter time in ms, as a reader would compute it. */
static long long ms_of(int64_t frame)
{
    return llround((double)frame * 1000.0 / TRATE);
}

static const char *const NAMES[] = {"Flow tags", "Cat cow, left side", "Cat cow, right side",
                                    "Rest", "Child"};
enum { N_CHAPTERS = 5 };

/* The step each chapter starts at (none for the opening chapter). */
static int64_t chapter_start(size_t i)
{
    static const int step[] = {-1, 1, 2, 3, 4};
    return step[i] < 0 ? 0 : C.tl->steps[step[i]].start;
}

/* ---- the tags themselves -------------------------------------------------------- */

static void test_made_from_the_session(void **state)
{
    (void)state;
    assert_string_equal(T->title, "Flow tags");
    assert_string_equal(T->artist, "asanavox");
    assert_string_equal(T->album, "my-flows");
    assert_string_equal(T->comment, "A short flow, for the tag tests.");
    assert_string_equal(T->date, "2001-09-09");
    assert_int_equal(T->rate, TRATE);
    assert_int_equal(T->duration, C.tl->duration);
    assert_int_equal(T->n_chapters, N_CHAPTERS);
    assert_true(C.tl->steps[1].start > 0); /* so the opening chapter exists */
    for (size_t i = 0; i < N_CHAPTERS; i++) {
        assert_string_equal(T->chapters[i].name, NAMES[i]);
        assert_int_equal(T->chapters[i].start, chapter_start(i));
        int64_t end = i + 1 < N_CHAPTERS ? chapter_start(i + 1) : C.tl->duration;
        assert_int_equal(T->chapters[i].end, end);
    }

    /* The library's directory and standard input give the neutral album. */
    struct tags *t;
    assert_int_equal(tags_create(C.tl, "/usr/share/asanavox/sessions/x.yoga", &t), AV_OK);
    assert_string_equal(t->album, "asanavox sessions");
    tags_destroy(t);
    assert_int_equal(tags_create(C.tl, "-", &t), AV_OK);
    assert_string_equal(t->album, "asanavox sessions");
    tags_destroy(t);
}

/* A session whose first step is a pose has no opening chapter; flows and
 * breathe steps are chapters; a session with none of them is one chapter. */
static void test_chapter_edges(void **state)
{
    (void)state;
    struct compiled c = compile_str("title: P\npose Cat, 2 breaths\nsay Done.\n");
    assert_int_equal(c.err, AV_OK);
    struct tags *t;
    assert_int_equal(tags_create(c.tl, "-", &t), AV_OK);
    assert_int_equal(t->n_chapters, 1);
    assert_string_equal(t->chapters[0].name, "Cat");
    assert_int_equal(t->chapters[0].start, 0);
    assert_int_equal(t->chapters[0].end, c.tl->duration);
    tags_destroy(t);
    compiled_free(&c);

    /* Flows and breathe steps are chapters too, under their names. */
    c = compile_str("title: F\nsay Hi.\n"
                    "flow Cat cow, 2 rounds, pace 1 1\n  inhale: Cow.\n  exhale: Cat.\n"
                    "breathe Slowing down, 2 breaths, pace 1 1\n"
                    "say Bye.\n");
    if (c.err)
        dump_diag(c.d);
    assert_int_equal(c.err, AV_OK);
    assert_int_equal(c.tl->n_steps, 4);
    assert_int_equal(tags_create(c.tl, "-", &t), AV_OK);
    assert_int_equal(t->n_chapters, 3);
    assert_string_equal(t->chapters[0].name, "F");
    assert_string_equal(t->chapters[1].name, "Cat cow");
    assert_int_equal(t->chapters[1].start, c.tl->steps[1].start);
    assert_string_equal(t->chapters[2].name, "Slowing down");
    assert_int_equal(t->chapters[2].start, c.tl->steps[2].start);
    assert_int_equal(t->chapters[2].end, c.tl->duration); /* "Bye." is in it */
    tags_destroy(t);
    compiled_free(&c);

    c = compile_str("title: Just words\nsay Hello.\nbell\n");
    assert_int_equal(c.err, AV_OK);
    assert_int_equal(tags_create(c.tl, "-", &t), AV_OK);
    assert_int_equal(t->n_chapters, 1);
    assert_string_equal(t->chapters[0].name, "Just words");
    tags_destroy(t);
    compiled_free(&c);
}

static void expect_comment(char **v, size_t n, const char *want)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(v[i], want))
            return;
    fail_msg("no comment '%s'", want);
}

static void test_vorbis_comments(void **state)
{
    (void)state;
    char **v;
    size_t n;
    assert_int_equal(tags_comments(T, &v, &n), AV_OK);
    assert_int_equal(n, 5 + 2 * N_CHAPTERS);
    expect_comment(v, n, "TITLE=Flow tags");
    expect_comment(v, n, "ARTIST=asanavox");
    expect_comment(v, n, "ALBUM=my-flows");
    expect_comment(v, n, "COMMENT=A short flow, for the tag tests.");
    expect_comment(v, n, "DATE=2001-09-09");
    for (size_t i = 0; i < N_CHAPTERS; i++) {
        char want[128];
        long long ms = ms_of(chapter_start(i));
        snprintf(want, sizeof want, "CHAPTER%03zu=%02lld:%02lld:%02lld.%03lld", i + 1,
                 ms / 3600000, ms / 60000 % 60, ms / 1000 % 60, ms % 1000);
        expect_comment(v, n, want);
        snprintf(want, sizeof want, "CHAPTER%03zuNAME=%s", i + 1, NAMES[i]);
        expect_comment(v, n, want);
    }
    tags_free_comments(v, n);
}

static void test_ffmetadata(void **state)
{
    (void)state;
    struct tags_chapter ch[2] = {{0, 48000, (char *)"One = two; #3"}, {48000, 96024, "Two\\"}};
    struct tags t = {.rate = 48000, .duration = 96024, .title = "T", .artist = "asanavox",
                     .album = "A", .comment = "", .date = "2001-09-09", .chapters = ch,
                     .n_chapters = 2};
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    tags_print_ffmetadata(&t, f);
    fclose(f);
    assert_string_equal(buf, ";FFMETADATA1\n"
                             "title=T\n"
                             "artist=asanavox\n"
                             "album=A\n"
                             "date=2001-09-09\n"
                             "\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=0\nEND=1000\n"
                             "title=One \\= two\\; \\#3\n"
                             "\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=1000\nEND=2001\n"
                             "title=Two\\\\\n");
    free(buf);
}

/* ---- writing and reading back -------------------------------------------------- */

static const enum sink_format FORMATS[] = {SINK_FORMAT_WAV, SINK_FORMAT_FLAC, SINK_FORMAT_OGG,
                                           SINK_FORMAT_OPUS, SINK_FORMAT_MP3};

/* The session's length of a quiet tone, through the file sink with T. */
static int write_tagged(const char *target, enum sink_format f)
{
    size_t frames = (size_t)C.tl->duration;
    float *sig = malloc(frames * 2 * sizeof(float));
    assert_non_null(sig);
    for (size_t i = 0; i < frames; i++)
        sig[2 * i] = sig[2 * i + 1] = (float)(0.2 * sin(2 * M_PI * 330.0 * (double)i / TRATE));
    struct sink *s;
    assert_int_equal(sink_create(&sink_file_ops, &s), AV_OK);
    sink_set_tags(s, T);
    struct sink_params p = {TRATE, 2, f, (int64_t)frames};
    int err = sink_open(s, target, &p);
    for (size_t done = 0; !err && done < frames;) {
        size_t n = frames - done < 4801 ? frames - done : 4801;
        err = sink_write(s, sig + 2 * done, n);
        done += n;
    }
    if (!err)
        err = sink_finish(s);
    if (err)
        print_message("sink: %s\n", sink_message(s));
    sink_destroy(s);
    free(sig);
    return err;
}

struct catcher {
    const char *fifo, *file;
    pthread_t thread;
    int ok;
};

/* The reading end of the FIFO: everything into the file. */
static void *catch_main(void *arg)
{
    struct catcher *c = arg;
    int in = open(c->fifo, O_RDONLY), out = open(c->file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    char buf[65536];
    ssize_t n = -1;
    if (in >= 0 && out >= 0)
        while ((n = read(in, buf, sizeof buf)) > 0)
            if (write(out, buf, (size_t)n) != n)
                break;
    c->ok = n == 0;
    if (in >= 0)
        close(in);
    if (out >= 0 && close(out) != 0)
        c->ok = 0;
    return NULL;
}

/* Written through a FIFO (streamed: nothing seeks back), caught in a file
 * by a thread of this test. */
static int write_streamed(const char *file, enum sink_format f)
{
    char *fifo = path_in(dir, "fifo");
    unlink(fifo);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    struct catcher c = {fifo, file, 0, 0};
    assert_int_equal(pthread_create(&c.thread, NULL, catch_main, &c), 0);
    int err = write_tagged(fifo, f);
    pthread_join(c.thread, NULL);
    unlink(fifo);
    free(fifo);
    assert_true(c.ok);
    return err;
}

/* What libsndfile reads: the strings (where it reads them) and the length. */
static void check_sndfile(const char *path, enum sink_format f, bool exact_length)
{
    SF_INFO info = {0};
    SNDFILE *sf = sf_open(path, SFM_READ, &info);
    if (!sf)
        fail_msg("libsndfile cannot read %s: %s", path, sf_strerror(NULL));
    if (exact_length)
        assert_int_equal(info.frames, C.tl->duration);
    else /* MP3: a stream (no LAME header) keeps the encoder's delay and padding */
        assert_true(info.frames >= C.tl->duration && info.frames < C.tl->duration + TRATE / 2);
    assert_int_equal(info.samplerate, TRATE);
    if (f != SINK_FORMAT_OPUS) {
        /* libsndfile 1.2 does not read OpusTags back. */
        assert_string_equal(sf_get_string(sf, SF_STR_TITLE), "Flow tags");
        assert_string_equal(sf_get_string(sf, SF_STR_ARTIST), "asanavox");
        assert_string_equal(sf_get_string(sf, SF_STR_ALBUM), "my-flows");
        assert_string_equal(sf_get_string(sf, SF_STR_COMMENT), "A short flow, for the tag tests.");
        assert_string_equal(sf_get_string(sf, SF_STR_DATE), "2001-09-09");
    }
    if (f == SINK_FORMAT_WAV) {
        uint32_t n = 0;
        assert_int_equal(sf_command(sf, SFC_GET_CUE_COUNT, &n, sizeof n), SF_TRUE);
        assert_int_equal(n, N_CHAPTERS);
        SF_CUES *cues = malloc(sizeof(*cues));
        assert_non_null(cues);
        assert_int_equal(sf_command(sf, SFC_GET_CUE, cues, sizeof(*cues)), SF_TRUE);
        for (size_t i = 0; i < N_CHAPTERS; i++) {
            assert_int_equal(cues->cue_points[i].sample_offset, chapter_start(i));
            assert_string_equal(cues->cue_points[i].name, NAMES[i]);
        }
        free(cues);
    }
    sf_close(sf);
}

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* WAV: the chunks in order, the cue offsets and labels: LIST/INFO before
 * "data", the chapters (cue, LIST/adtl) after it, ending the file. */
static void check_wav_bytes(const char *path)
{
    size_t len;
    unsigned char *b = slurp(path, &len);
    assert_memory_equal(b, "RIFF", 4);
    assert_int_equal(le32(b + 4), len - 8);
    const char *want[] = {"fmt ", "LIST", "data", "cue ", "LIST"};
    size_t at = 12;
    for (size_t k = 0; k < 5; k++) {
        assert_true(at + 8 <= len);
        assert_memory_equal(b + at, want[k], 4);
        uint32_t size = le32(b + at + 4);
        const unsigned char *body = b + at + 8;
        if (k == 1)
            assert_memory_equal(body, "INFO", 4);
        if (k == 3) {
            assert_int_equal(le32(body), N_CHAPTERS);
            for (size_t i = 0; i < N_CHAPTERS; i++) {
                const unsigned char *cp = body + 4 + 24 * i;
                assert_int_equal(le32(cp), i + 1);
                assert_memory_equal(cp + 8, "data", 4);
                assert_int_equal(le32(cp + 20), chapter_start(i));
            }
        }
        if (k == 4) {
            assert_memory_equal(body, "adtl", 4);
            const unsigned char *l = body + 4;
            for (size_t i = 0; i < N_CHAPTERS; i++) {
                assert_memory_equal(l, "labl", 4);
                uint32_t n = le32(l + 4);
                assert_int_equal(le32(l + 8), i + 1);
                assert_string_equal((const char *)l + 12, NAMES[i]);
                l += 8 + n + (n & 1);
            }
            assert_ptr_equal(l, body + size);
        }
        if (k == 2)
            assert_int_equal(size, (size_t)C.tl->duration * 4);
        at += 8 + size + (size & 1);
    }
    assert_int_equal(at, len); /* the chapters end the file */
    free(b);
}

static bool has_comment(const FLAC__StreamMetadata *vc, const char *want)
{
    for (uint32_t i = 0; i < vc->data.vorbis_comment.num_comments; i++) {
        const FLAC__StreamMetadata_VorbisComment_Entry *e = &vc->data.vorbis_comment.comments[i];
        if (e->length == strlen(want) && !memcmp(e->entry, want, e->length))
            return true;
    }
    return false;
}

/* The comments every Vorbis-comment format must carry, via `has`. */
static void check_comment_list(bool (*has)(const void *ctx, const char *want), const void *ctx)
{
    assert_true(has(ctx, "TITLE=Flow tags"));
    assert_true(has(ctx, "ARTIST=asanavox"));
    assert_true(has(ctx, "ALBUM=my-flows"));
    assert_true(has(ctx, "DATE=2001-09-09"));
    for (size_t i = 0; i < N_CHAPTERS; i++) {
        char want[128];
        long long ms = ms_of(chapter_start(i));
        snprintf(want, sizeof want, "CHAPTER%03zu=00:%02lld:%02lld.%03lld", i + 1, ms / 60000,
                 ms / 1000 % 60, ms % 1000);
        if (!has(ctx, want))
            fail_msg("missing %s", want);
        snprintf(want, sizeof want, "CHAPTER%03zuNAME=%s", i + 1, NAMES[i]);
        if (!has(ctx, want))
            fail_msg("missing %s", want);
    }
}

static bool flac_has(const void *ctx, const char *want)
{
    return has_comment(ctx, want);
}

/* FLAC: the VORBIS_COMMENT block as libFLAC reads it; samples as WAV's. */
static void check_flac(const char *path, const char *wav)
{
    FLAC__StreamMetadata *vc;
    assert_true(FLAC__metadata_get_tags(path, &vc));
    check_comment_list(flac_has, vc);
    FLAC__metadata_object_delete(vc);

    SF_INFO i1 = {0}, i2 = {0};
    SNDFILE *a = sf_open(path, SFM_READ, &i1), *b = sf_open(wav, SFM_READ, &i2);
    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal(i1.frames, i2.frames);
    size_t n = (size_t)i1.frames * 2;
    short *x = malloc(n * sizeof(short)), *y = malloc(n * sizeof(short));
    assert_int_equal(sf_readf_short(a, x, i1.frames), i1.frames);
    assert_int_equal(sf_readf_short(b, y, i2.frames), i2.frames);
    assert_memory_equal(x, y, n * sizeof(short)); /* lossless, same 16-bit values */
    free(x);
    free(y);
    sf_close(a);
    sf_close(b);
}

/* Ogg: every page valid (libogg checks the CRC), our serial number, page
 * numbers without a gap; the first `need` packets handed back (copies). */
static void read_ogg_headers(const char *path, ogg_packet *out, int need)
{
    size_t len;
    unsigned char *b = slurp(path, &len);
    ogg_sync_state sync;
    ogg_stream_state os;
    ogg_sync_init(&sync);
    char *buf = ogg_sync_buffer(&sync, (long)len);
    memcpy(buf, b, len);
    ogg_sync_wrote(&sync, (long)len);
    ogg_page og;
    long pageno = 0;
    int got = 0, r;
    bool eos = false;
    while ((r = ogg_sync_pageout(&sync, &og)) != 0) {
        assert_int_equal(r, 1); /* no bad CRC, no garbage between pages */
        assert_int_equal((uint32_t)ogg_page_serialno(&og), SINK_OGG_SERIAL);
        assert_int_equal(ogg_page_pageno(&og), pageno);
        if (pageno == 0) {
            assert_true(ogg_page_bos(&og));
            ogg_stream_init(&os, ogg_page_serialno(&og));
        }
        pageno++;
        eos = ogg_page_eos(&og);
        assert_int_equal(ogg_stream_pagein(&os, &og), 0);
        ogg_packet op;
        while (got < need && ogg_stream_packetout(&os, &op) == 1) {
            out[got] = op;
            out[got].packet = malloc((size_t)op.bytes);
            memcpy(out[got].packet, op.packet, (size_t)op.bytes);
            got++;
        }
    }
    assert_true(eos);
    assert_int_equal(got, need);
    ogg_stream_clear(&os);
    ogg_sync_clear(&sync);
    free(b);
}

static bool vorbis_has(const void *ctx, const char *want)
{
    const vorbis_comment *vc = ctx;
    for (int i = 0; i < vc->comments; i++)
        if (!strcmp(vc->user_comments[i], want))
            return true;
    return false;
}

/* Ogg Vorbis: libvorbis takes the three headers, and the comments are ours. */
static void check_vorbis(const char *path)
{
    ogg_packet h[3];
    read_ogg_headers(path, h, 3);
    vorbis_info vi;
    vorbis_comment vc;
    vorbis_info_init(&vi);
    vorbis_comment_init(&vc);
    for (int i = 0; i < 3; i++) {
        h[i].b_o_s = i == 0;
        assert_int_equal(vorbis_synthesis_headerin(&vi, &vc, &h[i]), 0);
        free(h[i].packet);
    }
    check_comment_list(vorbis_has, &vc);
    assert_string_equal(vorbis_comment_query(&vc, "COMMENT", 0), "A short flow, for the tag tests.");
    vorbis_comment_clear(&vc);
    vorbis_info_clear(&vi);
}

struct comment_list {
    char *v[64];
    int n;
};

static bool list_has(const void *ctx, const char *want)
{
    const struct comment_list *l = ctx;
    for (int i = 0; i < l->n; i++)
        if (!strcmp(l->v[i], want))
            return true;
    return false;
}

/* Opus: OpusHead, then OpusTags (RFC 7845) with the vendor and our comments. */
static void check_opus(const char *path)
{
    ogg_packet h[2];
    read_ogg_headers(path, h, 2);
    assert_memory_equal(h[0].packet, "OpusHead", 8);
    const unsigned char *p = h[1].packet, *end = p + h[1].bytes;
    assert_memory_equal(p, "OpusTags", 8);
    uint32_t vlen = le32(p + 8);
    assert_true(vlen > 0 && 12 + vlen + 4 <= (size_t)h[1].bytes);
    assert_non_null(memmem(p + 12, vlen, "libopus", 7));
    p += 12 + vlen;
    struct comment_list l = {.n = (int)le32(p)};
    assert_true(l.n > 0 && l.n <= 64);
    p += 4;
    for (int i = 0; i < l.n; i++) {
        uint32_t n = le32(p);
        assert_true(p + 4 + n <= end);
        l.v[i] = strndup((const char *)p + 4, n);
        p += 4 + n;
    }
    assert_ptr_equal(p, end);
    check_comment_list(list_has, &l);
    for (int i = 0; i < l.n; i++)
        free(l.v[i]);
    free(h[0].packet);
    free(h[1].packet);
}

static uint32_t syncsafe(const unsigned char *p)
{
    return (uint32_t)p[0] << 21 | (uint32_t)p[1] << 14 | (uint32_t)p[2] << 7 | p[3];
}

/* The text of a text frame's body (encoding byte 3, UTF-8, ending in NUL). */
static char *frame_text(const unsigned char *body, uint32_t size)
{
    assert_true(size >= 2);
    assert_int_equal(body[0], 3);
    assert_int_equal(body[size - 1], 0);
    return strndup((const char *)body + 1, size - 2);
}

/* MP3: an ID3v2.4 tag first: the text frames, CTOC, and a CHAP per
 * chapter with its times and a TIT2; an MPEG frame right after it. */
static void check_id3(const char *path)
{
    size_t len;
    unsigned char *b = slurp(path, &len);
    assert_memory_equal(b, "ID3\x04\x00\x00", 6);
    uint32_t tag = syncsafe(b + 6);
    assert_true(10 + tag + 2 <= len);
    assert_int_equal(b[10 + tag], 0xFF); /* MPEG sync right after the tag */
    assert_int_equal(b[10 + tag + 1] & 0xE0, 0xE0);
    size_t chaps = 0;
    bool title = false, artist = false, album = false, date = false, comm = false, toc = false;
    for (const unsigned char *f = b + 10; f + 10 <= b + 10 + tag && f[0];) {
        uint32_t size = syncsafe(f + 4);
        const unsigned char *body = f + 10;
        char *text = NULL;
        if (!memcmp(f, "TIT2", 4)) {
            text = frame_text(body, size);
            title = !strcmp(text, "Flow tags");
        } else if (!memcmp(f, "TPE1", 4)) {
            text = frame_text(body, size);
            artist = !strcmp(text, "asanavox");
        } else if (!memcmp(f, "TALB", 4)) {
            text = frame_text(body, size);
            album = !strcmp(text, "my-flows");
        } else if (!memcmp(f, "TDRC", 4)) {
            text = frame_text(body, size);
            date = !strcmp(text, "2001-09-09");
        } else if (!memcmp(f, "COMM", 4)) {
            assert_memory_equal(body, "\x03" "eng\0", 5);
            comm = size == 5 + strlen(T->comment) + 1 && !memcmp(body + 5, T->comment, size - 5);
        } else if (!memcmp(f, "CTOC", 4)) {
            assert_string_equal((const char *)body, "toc");
            assert_int_equal(body[4], 0x03); /* top level, ordered */
            assert_int_equal(body[5], N_CHAPTERS);
            const char *id = (const char *)body + 6;
            for (int i = 0; i < N_CHAPTERS; i++) {
                char want[16];
                snprintf(want, sizeof want, "ch%d", i + 1);
                assert_string_equal(id, want);
                id += strlen(id) + 1;
            }
            toc = true;
        } else if (!memcmp(f, "CHAP", 4)) {
            char want[16];
            snprintf(want, sizeof want, "ch%zu", chaps + 1);
            assert_string_equal((const char *)body, want);
            const unsigned char *t = body + strlen(want) + 1;
            assert_int_equal(be32(t), ms_of(chapter_start(chaps)));
            int64_t end = chaps + 1 < N_CHAPTERS ? chapter_start(chaps + 1) : C.tl->duration;
            assert_int_equal(be32(t + 4), ms_of(end));
            assert_int_equal(be32(t + 8), 0xFFFFFFFFu);
            assert_int_equal(be32(t + 12), 0xFFFFFFFFu);
            const unsigned char *sub = t + 16;
            assert_memory_equal(sub, "TIT2", 4);
            text = frame_text(sub + 10, syncsafe(sub + 4));
            assert_string_equal(text, NAMES[chaps]);
            assert_ptr_equal(sub + 10 + syncsafe(sub + 4), body + size);
            chaps++;
        }
        free(text);
        f = body + size;
    }
    assert_true(title && artist && album && date && comm && toc);
    assert_int_equal(chaps, N_CHAPTERS);
    free(b);
}

static void check_format(const char *path, enum sink_format f, const char *wav)
{
    check_sndfile(path, f, f != SINK_FORMAT_MP3);
    switch (f) {
    case SINK_FORMAT_WAV: check_wav_bytes(path); break;
    case SINK_FORMAT_FLAC: check_flac(path, wav); break;
    case SINK_FORMAT_OGG: check_vorbis(path); break;
    case SINK_FORMAT_OPUS: check_opus(path); break;
    case SINK_FORMAT_MP3: check_id3(path); break;
    }
}

static void test_formats_written_and_read_back(void **state)
{
    (void)state;
    char *wav = path_in(dir, "ref.wav");
    assert_int_equal(write_tagged(wav, SINK_FORMAT_WAV), AV_OK);
    for (size_t k = 0; k < sizeof FORMATS / sizeof FORMATS[0]; k++) {
        enum sink_format f = FORMATS[k];
        if (!sink_format_available(f)) {
            print_message("skipping %s: this libsndfile cannot write it\n", sink_format_name(f));
            continue;
        }
        char name[32];
        snprintf(name, sizeof name, "file.%s", sink_format_name(f));
        char *file = path_in(dir, name);
        assert_int_equal(write_tagged(file, f), AV_OK);
        check_format(file, f, wav);

        snprintf(name, sizeof name, "stream.%s", sink_format_name(f));
        char *stream = path_in(dir, name);
        assert_int_equal(write_streamed(stream, f), AV_OK);
        check_format(stream, f, wav);
        if (f == SINK_FORMAT_WAV || f == SINK_FORMAT_OGG || f == SINK_FORMAT_OPUS) {
            /* Nothing in these seeks back: the stream is the file. */
            size_t a, b;
            unsigned char *x = slurp(file, &a), *y = slurp(stream, &b);
            assert_int_equal(a, b);
            assert_memory_equal(x, y, a);
            free(x);
            free(y);
        }
        free(file);
        free(stream);
    }
    free(wav);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_made_from_the_session),
        cmocka_unit_test(test_chapter_edges),
        cmocka_unit_test(test_vorbis_comments),
        cmocka_unit_test(test_ffmetadata),
        cmocka_unit_test(test_formats_written_and_read_back),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
