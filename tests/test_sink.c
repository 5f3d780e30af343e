/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_sink.c — the file sink: every format readable back, deterministic
 * bytes, atomic replacement, streaming to pipes and devices, and the
 * failure paths (missing directory, a directory, file-size limit, disk
 * full) leaving nothing behind.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <sndfile.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "asanavox/error.h"
#include "asanavox/sink.h"
#include "asanavox/tags.h"
#include "fs_support.h"

#define RATE 48000
static const double PI = 3.14159265358979323846;

/* ---- helpers ------------------------------------------------------------ */

static float *test_signal(size_t frames, int ch)
{
    float *s = malloc(frames * (size_t)ch * sizeof(float));
    for (size_t i = 0; i < frames; i++)
        for (int c = 0; c < ch; c++)
            s[i * (size_t)ch + (size_t)c] =
                (float)(0.5 * sin(2 * PI * 440.0 * (double)i / RATE) *
                        (1.0 - 0.5 * (double)i / (double)frames));
    return s;
}

/* The 16-bit value of a sample as sink.h promises it, written here from
 * scratch (not with the vectorised kernel the sink uses): clip to -1..1,
 * scale by 32767 in float, round half away from zero. */
static int16_t ref_s16(float x)
{
    if (x > 1.0f)
        x = 1.0f;
    if (x < -1.0f)
        x = -1.0f;
    return (int16_t)lroundf(x * 32767.0f);
}

/* Write `frames` of the test signal through the file sink in odd-sized
 * pieces.  Returns the error of the first failing step. */
static int write_file(const char *target, enum sink_format f, const float *sig, size_t frames,
                      int ch, int finish)
{
    struct sink *s;
    assert_int_equal(sink_create(&sink_file_ops, &s), AV_OK);
    struct sink_params p = {RATE, ch, f, (int64_t)frames};
    int err = sink_open(s, target, &p);
    for (size_t done = 0; !err && done < frames;) {
        size_t n = frames - done < 3001 ? frames - done : 3001;
        err = sink_write(s, sig + done * (size_t)ch, n);
        done += n;
    }
    if (!err && finish)
        err = sink_finish(s);
    if (err)
        print_message("sink: %s\n", sink_message(s));
    sink_destroy(s);
    return err;
}

static const enum sink_format formats[] = {SINK_FORMAT_WAV, SINK_FORMAT_FLAC, SINK_FORMAT_OGG,
                                           SINK_FORMAT_MP3};

/* ---- tests ----------------------------------------------------------------- */

static void test_format_from_path(void **state)
{
    (void)state;
    enum sink_format f;
    assert_int_equal(sink_format_from_path("a.wav", &f), AV_OK);
    assert_int_equal(f, SINK_FORMAT_WAV);
    assert_int_equal(sink_format_from_path("dir.x/B.FLAC", &f), AV_OK);
    assert_int_equal(f, SINK_FORMAT_FLAC);
    assert_int_equal(sink_format_from_path("a.ogg", &f), AV_OK);
    assert_int_equal(f, SINK_FORMAT_OGG);
    assert_int_equal(sink_format_from_path("a.mp3", &f), AV_OK);
    assert_int_equal(f, SINK_FORMAT_MP3);
    assert_int_equal(sink_format_from_path("a.aiff", &f), AV_EFORMAT);
    assert_int_equal(sink_format_from_path("dir.wav/noext", &f), AV_EFORMAT);
    assert_int_equal(sink_format_from_path("-", &f), AV_EFORMAT);
}

/* Every format is written, read back with libsndfile with the right rate,
 * channels and length, and sounds like what went in. */
static void test_formats_read_back(void **state)
{
    (void)state;
    char *dir = tmpdir_for("sink");
    const size_t frames = RATE * 5 / 2 + 7;
    for (int ch = 1; ch <= 2; ch++) {
        float *sig = test_signal(frames, ch);
        for (size_t k = 0; k < sizeof(formats) / sizeof(formats[0]); k++) {
            enum sink_format f = formats[k];
            assert_true(sink_format_available(f));
            char name[32];
            snprintf(name, sizeof(name), "out%d.%s", ch, sink_format_name(f));
            char *path = path_in(dir, name);
            assert_int_equal(write_file(path, f, sig, frames, ch, 1), AV_OK);
            SF_INFO info = {0};
            SNDFILE *sf = sf_open(path, SFM_READ, &info);
            assert_non_null(sf);
            assert_int_equal(info.samplerate, RATE);
            assert_int_equal(info.channels, ch);
            assert_int_equal(info.frames, (sf_count_t)frames);
            float *back = calloc(frames * (size_t)ch, sizeof(float));
            sf_count_t got = sf_readf_float(sf, back, (sf_count_t)frames);
            sf_close(sf);
            assert_int_equal(got, (sf_count_t)frames);
            if (f == SINK_FORMAT_WAV || f == SINK_FORMAT_FLAC) {
                /* lossless: exactly the 16-bit values */
                int16_t *want = malloc(frames * (size_t)ch * sizeof(int16_t));
                for (size_t i = 0; i < frames * (size_t)ch; i++)
                    want[i] = ref_s16(sig[i]);
                for (size_t i = 0; i < frames * (size_t)ch; i++)
                    assert_true(fabsf(back[i] - (float)want[i] / 32768.0f) < 1e-6f);
                free(want);
            } else {
                /* lossy: the same loudness and shape, give or take */
                double e_in = 0, e_out = 0, cross = 0;
                for (size_t i = RATE / 10 * (size_t)ch; i < frames * (size_t)ch; i++) {
                    e_in += (double)sig[i] * sig[i];
                    e_out += (double)back[i] * back[i];
                    cross += (double)sig[i] * back[i];
                }
                assert_true(fabs(10 * log10(e_out / e_in)) < 0.5);
                assert_true(cross / sqrt(e_in * e_out) > 0.95);
            }
            free(back);
            free(path);
        }
        free(sig);
    }
    rm_rf(dir);
    free(dir);
}

/* The bytes of a WAV file, read raw: the canonical header and every
 * sample as ref_s16() makes it, including clipping, both signs, values
 * that round up and down, and a whole number of blocks plus a tail. */
static void test_wav_bytes(void **state)
{
    (void)state;
    char *dir = tmpdir_for("sink");
    char *path = path_in(dir, "v.wav");
    const float special[] = {0.0f, 0.25f, -0.25f, 1.0f, -1.0f, 2.0f, -2.0f, 1e-6f, -1e-6f,
                             0.7f, -0.7f, 0.99999f, -0.99999f, 3e-5f, -3e-5f, 0.123456f, 1e30f};
    const size_t ns = sizeof(special) / sizeof(special[0]);
    const size_t frames = 1003;
    float *sig = malloc(frames * 2 * sizeof(float));
    assert_non_null(sig);
    for (size_t i = 0; i < frames * 2; i++)
        sig[i] = i < ns ? special[i] : (float)sin((double)i * 0.37) * 1.1f;
    struct sink *s;
    assert_int_equal(sink_create(&sink_file_ops, &s), AV_OK);
    struct sink_params p = {RATE, 2, SINK_FORMAT_WAV, (int64_t)frames};
    assert_int_equal(sink_open(s, path, &p), AV_OK);
    assert_int_equal(sink_write(s, sig, 500), AV_OK);
    assert_int_equal(sink_write(s, sig + 1000, frames - 500), AV_OK);
    assert_int_equal(sink_finish(s), AV_OK);
    sink_destroy(s);
    size_t len;
    unsigned char *bytes = (unsigned char *)slurp(path, &len);
    assert_non_null(bytes);
    assert_int_equal(len, 44 + frames * 4);
    assert_memory_equal(bytes, "RIFF", 4);
    assert_memory_equal(bytes + 8, "WAVEfmt ", 8);
    assert_memory_equal(bytes + 36, "data", 4);
    for (size_t i = 0; i < frames * 2; i++) {
        int16_t v = (int16_t)(bytes[44 + 2 * i] | (bytes[45 + 2 * i] << 8));
        if (v != ref_s16(sig[i]))
            fail_msg("sample %zu (%g): %d, want %d", i, (double)sig[i], v, ref_s16(sig[i]));
    }
    free(bytes);
    free(sig);
    free(path);
    rm_rf(dir);
    free(dir);
}

/* WAV with tags, long enough for several of the writer's 2 MiB buffers,
 * through sink_write_mono(): whatever the header's length (titles of 1 to
 * 8 bytes give every length mod 4, some of them not a whole number of
 * frames, so a frame straddles two buffers), the samples after it are
 * every frame's value on both channels, in order. */
static void test_wav_tagged_long(void **state)
{
    (void)state;
    char *dir = tmpdir_for("sink");
    char *path = path_in(dir, "t.wav");
    const size_t frames = 1300000; /* 5.2 MB: three buffers */
    float *sig = malloc(frames * sizeof(float));
    assert_non_null(sig);
    for (size_t i = 0; i < frames; i++)
        sig[i] = (float)sin((double)i * 0.011) * 0.9f;
    bool straddled = false;
    for (int len = 1; len <= 8; len++) {
        char title[9] = "abcdefgh";
        title[len] = '\0';
        struct tags t = {RATE, (int64_t)frames, title, "asanavox", "album", "", "2026-01-01",
                         NULL, 0};
        struct sink *s;
        assert_int_equal(sink_create(&sink_file_ops, &s), AV_OK);
        sink_set_tags(s, &t);
        struct sink_params p = {RATE, 2, SINK_FORMAT_WAV, (int64_t)frames};
        assert_int_equal(sink_open(s, path, &p), AV_OK);
        for (size_t done = 0; done < frames;) {
            size_t n = frames - done < 70001 ? frames - done : 70001;
            assert_int_equal(sink_write_mono(s, sig + done, n), AV_OK);
            done += n;
        }
        assert_int_equal(sink_finish(s), AV_OK);
        sink_destroy(s);
        size_t flen;
        unsigned char *b = slurp(path, &flen);
        size_t at = 12;
        while (at + 8 <= flen && memcmp(b + at, "data", 4) != 0) {
            size_t clen = b[at + 4] | b[at + 5] << 8 | b[at + 6] << 16 | (size_t)b[at + 7] << 24;
            at += 8 + (clen + 1) / 2 * 2;
        }
        assert_true(at + 8 <= flen);
        size_t data = at + 8;
        straddled = straddled || data % 4 != 0;
        /* After the data: an empty cue chunk and an empty LIST/adtl
         * (these tags have no chapters), 12 bytes each. */
        assert_int_equal(flen, data + frames * 4 + 24);
        for (size_t i = 0; i < frames; i++) {
            const unsigned char *q = b + data + 4 * i;
            int16_t l = (int16_t)(q[0] | q[1] << 8), r = (int16_t)(q[2] | q[3] << 8);
            if (l != ref_s16(sig[i]) || r != l)
                fail_msg("header %zu bytes, frame %zu: %d %d, want %d", data, i, l, r,
                         ref_s16(sig[i]));
        }
        free(b);
    }
    assert_true(straddled);
    free(sig);
    free(path);
    rm_rf(dir);
    free(dir);
}

static void test_deterministic_bytes(void **state)
{
    (void)state;
    char *dir = tmpdir_for("sink");
    const size_t frames = RATE * 2;
    float *sig = test_signal(frames, 2);
    for (size_t k = 0; k < sizeof(formats) / sizeof(formats[0]); k++) {
        char n1[32], n2[32];
        snprintf(n1, sizeof(n1), "a.%s", sink_format_name(formats[k]));
        snprintf(n2, sizeof(n2), "b.%s", sink_format_name(formats[k]));
        char *p1 = path_in(dir, n1), *p2 = path_in(dir, n2);
        assert_int_equal(write_file(p1, formats[k], sig, frames, 2, 1), AV_OK);
        struct timespec pause = {0, 20 * 1000 * 1000};
        nanosleep(&pause, NULL); /* a clock-seeded serial number would change now */
        assert_int_equal(write_file(p2, formats[k], sig, frames, 2, 1), AV_OK);
        size_t l1, l2;
        unsigned char *b1 = slurp(p1, &l1), *b2 = slurp(p2, &l2);
        assert_int_equal(l1, l2);
        assert_memory_equal(b1, b2, l1);
        if (formats[k] == SINK_FORMAT_OGG) {
            /* every page carries the fixed serial number */
            assert_memory_equal(b1, "OggS", 4);
            assert_int_equal(b1[14] | b1[15] << 8 | b1[16] << 16 | (uint32_t)b1[17] << 24,
                             0x61766f78u);
        }
        free(b1);
        free(b2);
        free(p1);
        free(p2);
    }
    free(sig);
    rm_rf(dir);
    free(dir);
}

/* The target is replaced only by a finished write; an abandoned one leaves
 * the old file as it was, and no temporary file anywhere. */
static void test_atomic_replace(void **state)
{
    (void)state;
    char *dir = tmpdir_for("sink");
    char *path = path_in(dir, "session.wav");
    FILE *f = fopen(path, "w");
    fputs("old contents", f);
    fclose(f);
    const size_t frames = RATE;
    float *sig = test_signal(frames, 2);

    assert_int_equal(write_file(path, SINK_FORMAT_WAV, sig, frames, 2, 0), AV_OK);
    size_t len;
    unsigned char *b = slurp(path, &len);
    assert_int_equal(len, 12);
    assert_memory_equal(b, "old contents", 12);
    free(b);
    int temps;
    assert_int_equal(count_entries(dir, &temps), 1);
    assert_int_equal(temps, 0);

    assert_int_equal(write_file(path, SINK_FORMAT_WAV, sig, frames, 2, 1), AV_OK);
    b = slurp(path, &len);
    assert_int_equal(len, 44 + frames * 4);
    assert_memory_equal(b, "RIFF", 4);
    free(b);
    assert_int_equal(count_entries(dir, &temps), 1);
    assert_int_equal(temps, 0);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    mode_t mask = umask(0);
    umask(mask);
    assert_int_equal(st.st_mode & 0777, 0666 & ~mask); /* like any new file */
    free(sig);
    free(path);
    rm_rf(dir);
    free(dir);
}

static void test_open_failures(void **state)
{
    (void)state;
    char *dir = tmpdir_for("sink");
    struct sink *s;
    struct sink_params p = {RATE, 2, SINK_FORMAT_WAV, RATE};

    char *missing = path_in(dir, "no/such/dir/x.wav");
    assert_int_equal(sink_create(&sink_file_ops, &s), AV_OK);
    assert_int_equal(sink_open(s, missing, &p), AV_EIO);
    assert_non_null(strstr(sink_message(s), "cannot write"));
    assert_non_null(strstr(sink_message(s), "No such file or directory"));
    assert_null(strchr(sink_message(s), '\n'));
    sink_destroy(s);

    assert_int_equal(sink_create(&sink_file_ops, &s), AV_OK);
    assert_int_equal(sink_open(s, dir, &p), AV_EIO); /* a directory */
    assert_non_null(strstr(sink_message(s), "Is a directory"));
    sink_destroy(s);

    /* writing to a sink that failed to open fails too */
    assert_int_equal(sink_create(&sink_file_ops, &s), AV_OK);
    assert_int_equal(sink_open(s, missing, &p), AV_EIO);
    float z[4] = {0};
    assert_int_not_equal(sink_write(s, z, 2), AV_OK);
    assert_int_not_equal(sink_finish(s), AV_OK);
    sink_destroy(s);

    int temps;
    assert_int_equal(count_entries(dir, &temps), 0);
    free(missing);
    rm_rf(dir);
    free(dir);
}

/* A file-size limit (EFBIG) in the middle of writing, in a child process
 * so the limit does not stay: the write fails with a reason, and nothing
 * is left at the target or beside it.  Disk full (ENOSPC) takes the same
 * path through write(2). */
static void test_file_size_limit(void **state)
{
    (void)state;
    char *dir = tmpdir_for("sink");
    for (size_t k = 0; k < sizeof(formats) / sizeof(formats[0]); k++) {
        char name[32];
        snprintf(name, sizeof(name), "big.%s", sink_format_name(formats[k]));
        char *path = path_in(dir, name);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            signal(SIGXFSZ, SIG_IGN);
            struct rlimit rl = {64 * 1024, 64 * 1024};
            setrlimit(RLIMIT_FSIZE, &rl);
            /* noise: no encoder can squeeze it under the limit */
            const size_t frames = RATE * 20;
            float *sig = malloc(frames * 2 * sizeof(float));
            uint32_t r = 12345;
            for (size_t i = 0; i < frames * 2; i++) {
                r = r * 1664525u + 1013904223u;
                sig[i] = (float)((double)(r >> 8) / (1 << 24) - 0.5);
            }
            struct sink *s;
            sink_create(&sink_file_ops, &s);
            struct sink_params p = {RATE, 2, formats[k], (int64_t)frames};
            int err = sink_open(s, path, &p);
            for (size_t done = 0; !err && done < frames; done += 4096)
                err = sink_write(s, sig + done * 2, frames - done < 4096 ? frames - done : 4096);
            if (!err)
                err = sink_finish(s);
            int ok = err == AV_EIO && strstr(sink_message(s), "File too large");
            if (!ok)
                fprintf(stderr, "%s: err %d, '%s'\n", name, err, sink_message(s));
            sink_destroy(s);
            free(sig);
            free(path);
            free(dir);
            _exit(ok ? 0 : 1);
        }
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
        int temps;
        assert_int_equal(count_entries(dir, &temps), 0);
        free(path);
    }
    rm_rf(dir);
    free(dir);
}

/* WAV with params.frames -1 (render opens its file before the session is
 * laid out): the header, kept back, is written last with the sizes, and
 * the chapters given by a second sink_set_tags() follow the data; the
 * bytes are those of the same file opened with its length and chapters
 * known.  Short (the header still in the buffer at the end) and long
 * (the first 2 MiB piece kept back while the rest is written), stereo and
 * mono.  Without finishing, nothing is left. */
static void test_wav_unknown_length(void **state)
{
    (void)state;
    char *dir = tmpdir_for("sink");
    char *known = path_in(dir, "known.wav"), *later = path_in(dir, "later.wav");
    struct tags_chapter ch[] = {{0, 1000, "Mountain"}, {1000, 0, "Rest, at last"}};
    static const size_t lengths[] = {900, 1300000};
    for (size_t k = 0; k < 2; k++) {
        for (int chn = 1; chn <= 2; chn++) {
            const size_t frames = lengths[k];
            ch[1].end = (int64_t)frames;
            struct tags whole = {RATE, (int64_t)frames, "Unknown length", "asanavox", "album",
                                 "about", "2026-01-01", ch, 2};
            struct tags head = whole;
            head.chapters = NULL;
            head.n_chapters = 0;
            float *sig = test_signal(frames, chn);
            for (int mode = 0; mode < 3; mode++) {
                struct sink *s;
                assert_int_equal(sink_create(&sink_file_ops, &s), AV_OK);
                sink_set_tags(s, mode ? &head : &whole);
                struct sink_params p = {RATE, chn, SINK_FORMAT_WAV, mode ? -1 : (int64_t)frames};
                assert_int_equal(sink_open(s, mode ? later : known, &p), AV_OK);
                for (size_t done = 0; done < frames;) {
                    size_t n = frames - done < 70001 ? frames - done : 70001;
                    assert_int_equal(sink_write(s, sig + done * (size_t)chn, n), AV_OK);
                    done += n;
                }
                if (mode == 2) { /* destroyed unfinished: no file, no temporary */
                    sink_destroy(s);
                    int temps;
                    assert_int_equal(count_entries(dir, &temps), 1);
                    assert_int_equal(temps, 0);
                    continue;
                }
                if (mode)
                    sink_set_tags(s, &whole);
                assert_int_equal(sink_finish(s), AV_OK);
                sink_destroy(s);
                if (mode == 0)
                    continue;
                size_t na, nb;
                unsigned char *a = slurp(known, &na), *b = slurp(later, &nb);
                assert_true(na > 44 + frames * 2 * (size_t)chn);
                assert_int_equal(na, nb);
                assert_memory_equal(a, b, na);
                free(a);
                free(b);
                unlink(later);
            }
            unlink(known);
            free(sig);
        }
    }
    free(known);
    free(later);
    rm_rf(dir);
    free(dir);
}

/* A real full disk: a small tmpfs, when we may mount one (root, and a
 * kernel that lets us); skipped otherwise.  WAV is refused when its space
 * is reserved at open; the others fail part way.  Nothing is left. */
static void test_disk_full(void **state)
{
    (void)state;
    if (geteuid() != 0)
        skip();
    char *dir = tmpdir_for("sink");
    if (mount("tmpfs", dir, "tmpfs", 0, "size=96k") != 0) {
        rmdir(dir);
        free(dir);
        skip();
    }
    const size_t frames = RATE * 10;
    float *sig = malloc(frames * 2 * sizeof(float));
    uint32_t r = 99;
    for (size_t i = 0; i < frames * 2; i++) {
        r = r * 1664525u + 1013904223u;
        sig[i] = (float)((double)(r >> 8) / (1 << 24) - 0.5);
    }
    int failures = 0;
    for (size_t k = 0; k < sizeof(formats) / sizeof(formats[0]); k++) {
        char name[32];
        snprintf(name, sizeof(name), "full.%s", sink_format_name(formats[k]));
        char *path = path_in(dir, name);
        struct sink *s;
        sink_create(&sink_file_ops, &s);
        struct sink_params p = {RATE, 2, formats[k], (int64_t)frames};
        int err = sink_open(s, path, &p);
        for (size_t done = 0; !err && done < frames; done += 4096)
            err = sink_write(s, sig + done * 2, frames - done < 4096 ? frames - done : 4096);
        if (!err)
            err = sink_finish(s);
        if (err == AV_EIO && strstr(sink_message(s), "No space left on device"))
            failures++;
        else
            print_message("%s: err %d '%s'\n", name, err, sink_message(s));
        sink_destroy(s);
        int temps;
        if (count_entries(dir, &temps) != 0)
            failures = -100; /* something was left behind */
        unlink(path);
        free(path);
    }
    umount(dir);
    rmdir(dir);
    free(dir);
    free(sig);
    assert_int_equal(failures, 4);
}

static void test_device_full(void **state)
{
    (void)state;
    if (access("/dev/full", W_OK) != 0)
        skip();
    const size_t frames = RATE;
    float *sig = test_signal(frames, 2);
    for (size_t k = 0; k < sizeof(formats) / sizeof(formats[0]); k++)
        assert_int_equal(write_file("/dev/full", formats[k], sig, frames, 2, 1), AV_EIO);
    struct sink *s;
    sink_create(&sink_file_ops, &s);
    struct sink_params p = {RATE, 2, SINK_FORMAT_WAV, (int64_t)frames};
    assert_int_equal(sink_open(s, "/dev/full", &p), AV_EIO);
    assert_non_null(strstr(sink_message(s), "No space left on device"));
    sink_destroy(s);
    /* /dev/null is a device: written to, never replaced */
    assert_int_equal(write_file("/dev/null", SINK_FORMAT_WAV, sig, frames, 2, 1), AV_OK);
    struct stat st;
    assert_int_equal(stat("/dev/null", &st), 0);
    assert_true(S_ISCHR(st.st_mode));
    free(sig);
}

/* A FIFO is streamed to: what comes out of it is byte for byte what a
 * regular file gets (WAV: the header announces the length; Ogg: the same
 * pages), and FLAC and MP3 come out readable. */
static void test_stream_to_fifo(void **state)
{
    (void)state;
    char *dir = tmpdir_for("sink");
    const size_t frames = RATE * 3 / 2;
    float *sig = test_signal(frames, 2);
    for (size_t k = 0; k < sizeof(formats) / sizeof(formats[0]); k++) {
        enum sink_format f = formats[k];
        char n1[32], n2[32];
        snprintf(n1, sizeof(n1), "file.%s", sink_format_name(f));
        snprintf(n2, sizeof(n2), "piped.%s", sink_format_name(f));
        char *file = path_in(dir, n1), *piped = path_in(dir, n2), *fifo = path_in(dir, "fifo");
        assert_int_equal(write_file(file, f, sig, frames, 2, 1), AV_OK);
        assert_int_equal(mkfifo(fifo, 0600), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            int in = open(fifo, O_RDONLY);
            int out = open(piped, O_WRONLY | O_CREAT | O_TRUNC, 0600);
            static char buf[65536];
            ssize_t n;
            int bad = 0;
            while (!bad && (n = read(in, buf, sizeof(buf))) > 0)
                bad = write(out, buf, (size_t)n) != n;
            free(file);
            free(piped);
            free(fifo);
            free(sig);
            free(dir);
            _exit(bad || n != 0);
        }
        assert_int_equal(write_file(fifo, f, sig, frames, 2, 1), AV_OK);
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_int_equal(WEXITSTATUS(status), 0);
        struct stat st;
        assert_int_equal(stat(fifo, &st), 0);
        assert_true(S_ISFIFO(st.st_mode)); /* not replaced by a rename */
        if (f == SINK_FORMAT_WAV || f == SINK_FORMAT_OGG) {
            size_t l1, l2;
            unsigned char *b1 = slurp(file, &l1), *b2 = slurp(piped, &l2);
            assert_int_equal(l1, l2);
            assert_memory_equal(b1, b2, l1);
            free(b1);
            free(b2);
        } else {
            SF_INFO info = {0};
            SNDFILE *sf = sf_open(piped, SFM_READ, &info);
            assert_non_null(sf);
            assert_int_equal(info.channels, 2);
            float *back = malloc(frames * 2 * sizeof(float));
            sf_count_t got = sf_readf_float(sf, back, (sf_count_t)frames);
            sf_close(sf);
            assert_true(got >= (sf_count_t)frames * 9 / 10);
            free(back);
        }
        unlink(fifo);
        free(file);
        free(piped);
        free(fifo);
    }
    free(sig);
    rm_rf(dir);
    free(dir);
}

static void test_null_sink(void **state)
{
    (void)state;
    struct sink *s;
    assert_int_equal(sink_create(&sink_null_ops, &s), AV_OK);
    struct sink_params p = {RATE, 2, SINK_FORMAT_WAV, -1};
    assert_int_equal(sink_open(s, NULL, &p), AV_OK);
    float z[8] = {0};
    assert_int_equal(sink_write(s, z, 4), AV_OK);
    assert_int_equal(sink_finish(s), AV_OK);
    assert_string_equal(sink_message(s), "");
    sink_destroy(s);
    sink_destroy(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_from_path),
        cmocka_unit_test(test_formats_read_back),
        cmocka_unit_test(test_wav_bytes),
        cmocka_unit_test(test_wav_tagged_long),
        cmocka_unit_test(test_wav_unknown_length),
        cmocka_unit_test(test_deterministic_bytes),
        cmocka_unit_test(test_atomic_replace),
        cmocka_unit_test(test_open_failures),
        cmocka_unit_test(test_file_size_limit),
        cmocka_unit_test(test_disk_full),
        cmocka_unit_test(test_device_full),
        cmocka_unit_test(test_stream_to_fifo),
        cmocka_unit_test(test_null_sink),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
