/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_filecache.c — the persistent cache: round trips, misses, damaged
 * and colliding entries, the size bound, clearing, and where it lives.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <time.h>

#include "asanavox/error.h"
#include "asanavox/filecache.h"
#include "fs_support.h"

static void put_str(struct filecache *c, const char *key, const char *data)
{
    assert_int_equal(filecache_put(c, key, strlen(key), data, strlen(data)), AV_OK);
}

/* The data under `key` as a string (malloc'd), or NULL on a miss. */
static char *get_str(struct filecache *c, const char *key)
{
    void *d;
    size_t n;
    int err = filecache_get(c, key, strlen(key), &d, &n);
    if (err == AV_ENOENT)
        return NULL;
    assert_int_equal(err, AV_OK);
    char *s = malloc(n + 1);
    memcpy(s, d, n);
    s[n] = '\0';
    free(d);
    return s;
}

/* The one entry file in `dir` (malloc'd path). */
static char *only_entry(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    char *p = NULL;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strstr(e->d_name, ".ent")) {
            assert_null(p);
            p = path_in(dir, e->d_name);
        }
    closedir(d);
    assert_non_null(p);
    return p;
}

static void round_trip(void **state)
{
    (void)state;
    char *dir = tmpdir_for("fc");
    char *sub = path_in(dir, "a/b/c"); /* created with its parents */
    struct filecache *c;
    assert_int_equal(filecache_open(sub, 1 << 20, &c), AV_OK);
    assert_null(get_str(c, "k1"));
    put_str(c, "k1", "first");
    put_str(c, "k2", "second");
    put_str(c, "k1", "first, again"); /* replaced */
    char *s = get_str(c, "k1");
    assert_string_equal(s, "first, again");
    free(s);
    s = get_str(c, "k2");
    assert_string_equal(s, "second");
    free(s);
    /* Empty data and binary keys work. */
    const unsigned char key[] = {0, 1, 2, 0, 255};
    assert_int_equal(filecache_put(c, key, sizeof key, "", 0), AV_OK);
    void *d;
    size_t n = 99;
    assert_int_equal(filecache_get(c, key, sizeof key, &d, &n), AV_OK);
    assert_int_equal(n, 0);
    free(d);
    assert_int_equal(filecache_puts(c), 4);
    assert_int_equal(filecache_hits(c), 3);
    filecache_close(c);
    struct stat st;
    assert_int_equal(stat(sub, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    int temps = 0;
    assert_int_equal(count_entries(sub, &temps), 3);
    assert_int_equal(temps, 0);
    rm_rf(sub); /* rm_rf() goes one level deep: the parents by hand */
    free(sub);
    char *b = path_in(dir, "a/b"), *a = path_in(dir, "a");
    assert_int_equal(rmdir(b), 0);
    assert_int_equal(rmdir(a), 0);
    free(b);
    free(a);
    rm_rf(dir);
    free(dir);
}

static void damaged_entries_are_misses(void **state)
{
    (void)state;
    char *dir = tmpdir_for("fc");
    struct filecache *c;
    assert_int_equal(filecache_open(dir, 1 << 20, &c), AV_OK);
    const char *data = "some data long enough to be cut in the middle";
    for (int k = 0; k < 5; k++) {
        put_str(c, "key", data);
        char *p = only_entry(dir);
        size_t len;
        unsigned char *b = slurp(p, &len);
        FILE *f = fopen(p, "wb");
        assert_non_null(f);
        switch (k) {
        case 0: b[len - 3] ^= 1; fwrite(b, 1, len, f); break;  /* data bit */
        case 1: b[20] ^= 1; fwrite(b, 1, len, f); break;       /* length field */
        case 2: fwrite(b, 1, len - 1, f); break;               /* truncated */
        case 3: fwrite(b, 1, len, f); fputc('x', f); break;    /* trailing junk */
        case 4: fwrite("garbage", 1, 7, f); break;
        }
        fclose(f);
        free(b);
        assert_null(get_str(c, "key"));
        /* Removed, so that the next writer starts clean. */
        assert_int_equal(access(p, F_OK), -1);
        free(p);
    }
    /* Another key's file under this key's name (as after a hash
     * collision) is a miss but is left alone. */
    put_str(c, "other", "other data");
    char *p = only_entry(dir);
    size_t len;
    unsigned char *b = slurp(p, &len);
    assert_int_equal(filecache_clear(dir), AV_OK);
    put_str(c, "key", data);
    char *q = only_entry(dir);
    FILE *f = fopen(q, "wb");
    assert_non_null(f);
    fwrite(b, 1, len, f);
    fclose(f);
    assert_null(get_str(c, "key"));
    assert_int_equal(access(q, F_OK), 0);
    free(b);
    free(p);
    free(q);
    filecache_close(c);
    rm_rf(dir);
    free(dir);
}

/* An allocator that counts its calls and the bytes asked (ctx). */
struct counted {
    int calls;
    size_t asked;
};

static void *counting_alloc(void *ctx, size_t bytes)
{
    struct counted *k = ctx;
    k->calls++;
    k->asked = bytes;
    return malloc(bytes);
}

/* filecache_get_alloc() reads the data into the caller's allocator's
 * buffer, of the data's length (1 for empty data), and frees it again
 * when the entry turns out damaged (ASan/valgrind would see a leak). */
static void get_into_callers_buffer(void **state)
{
    (void)state;
    char *dir = tmpdir_for("fc");
    struct filecache *c;
    assert_int_equal(filecache_open(dir, 1 << 20, &c), AV_OK);
    const char *data = "the data, read where the caller says";
    put_str(c, "k", data);
    put_str(c, "empty", "");
    struct counted k = {0, 0};
    void *d = NULL;
    size_t n = 0;
    assert_int_equal(filecache_get_alloc(c, "k", 1, counting_alloc, &k, &d, &n), AV_OK);
    assert_int_equal(k.calls, 1);
    assert_int_equal(k.asked, strlen(data));
    assert_int_equal(n, strlen(data));
    assert_memory_equal(d, data, n);
    free(d);
    assert_int_equal(filecache_get_alloc(c, "empty", 5, counting_alloc, &k, &d, &n), AV_OK);
    assert_int_equal(k.calls, 2);
    assert_int_equal(k.asked, 1);
    assert_int_equal(n, 0);
    free(d);
    assert_int_equal(filecache_get_alloc(c, "none", 4, counting_alloc, &k, &d, &n), AV_ENOENT);
    assert_int_equal(k.calls, 2);
    /* A damaged data bit: the buffer was allocated, filled, and freed. */
    assert_int_equal(filecache_clear(dir), AV_OK);
    put_str(c, "k", data);
    char *p = only_entry(dir);
    size_t len;
    unsigned char *b = slurp(p, &len);
    b[len - 2] ^= 1;
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    fwrite(b, 1, len, f);
    fclose(f);
    free(b);
    free(p);
    assert_int_equal(filecache_get_alloc(c, "k", 1, counting_alloc, &k, &d, &n), AV_ENOENT);
    assert_int_equal(k.calls, 3);
    filecache_close(c);
    rm_rf(dir);
    free(dir);
}

/* filecache_put2() writes the very file filecache_put() writes of the two
 * parts joined (same head, same checksum), and reads back as them. */
static void put_in_two_parts(void **state)
{
    (void)state;
    char *dir = tmpdir_for("fc");
    struct filecache *c;
    assert_int_equal(filecache_open(dir, 1 << 20, &c), AV_OK);
    const char head[] = "head", body[] = "and the body after it, much longer than the head";
    char joined[sizeof head + sizeof body];
    memcpy(joined, head, sizeof head);
    memcpy(joined + sizeof head, body, sizeof body);
    assert_int_equal(filecache_put2(c, "k", 1, head, sizeof head, body, sizeof body), AV_OK);
    char *p = only_entry(dir);
    size_t len2;
    unsigned char *two = slurp(p, &len2);
    void *d;
    size_t n;
    assert_int_equal(filecache_get(c, "k", 1, &d, &n), AV_OK);
    assert_int_equal(n, sizeof joined);
    assert_memory_equal(d, joined, n);
    free(d);
    assert_int_equal(filecache_put(c, "k", 1, joined, sizeof joined), AV_OK);
    size_t len1;
    unsigned char *one = slurp(p, &len1);
    assert_int_equal(len1, len2);
    assert_memory_equal(one, two, len1);
    free(one);
    free(two);
    free(p);
    filecache_close(c);
    rm_rf(dir);
    free(dir);
}

static void bounded_oldest_first(void **state)
{
    (void)state;
    char *dir = tmpdir_for("fc");
    struct filecache *c;
    const uint64_t max = 100 * 1024;
    assert_int_equal(filecache_open(dir, max, &c), AV_OK);
    char *data = malloc(10000);
    memset(data, 'd', 10000);
    char key[32];
    for (int i = 0; i < 40; i++) {
        snprintf(key, sizeof key, "entry %d", i);
        assert_int_equal(filecache_put(c, key, strlen(key), data, 10000), AV_OK);
        /* Distinct, increasing ages whatever the file system's clock
         * grain: the entry just written gets an old time of its own. */
        DIR *d = opendir(dir);
        struct dirent *e;
        time_t t = 1000000 + i;
        while ((e = readdir(d))) {
            char *f = path_in(dir, e->d_name);
            struct stat st;
            if (strstr(e->d_name, ".ent") && stat(f, &st) == 0 && st.st_mtime > 2000000) {
                struct timespec ts[2] = {{t, 0}, {t, 0}};
                utimensat(AT_FDCWD, f, ts, 0);
            }
            free(f);
        }
        closedir(d);
    }
    filecache_close(c);
    /* The directory is under its bound, and what is left is the newest. */
    uint64_t total = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    while ((e = readdir(d))) {
        char *f = path_in(dir, e->d_name);
        struct stat st;
        if (strstr(e->d_name, ".ent") && stat(f, &st) == 0)
            total += (uint64_t)st.st_size;
        free(f);
    }
    closedir(d);
    assert_true(total <= max);
    assert_true(total > max / 2);
    assert_int_equal(filecache_open(dir, max, &c), AV_OK);
    snprintf(key, sizeof key, "entry %d", 39);
    char *s = get_str(c, key);
    assert_non_null(s);
    free(s);
    snprintf(key, sizeof key, "entry %d", 0);
    assert_null(get_str(c, key));
    filecache_close(c);
    free(data);
    rm_rf(dir);
    free(dir);
}

static void clear_leaves_other_files(void **state)
{
    (void)state;
    char *dir = tmpdir_for("fc");
    struct filecache *c;
    assert_int_equal(filecache_open(dir, 1 << 20, &c), AV_OK);
    put_str(c, "a", "1");
    put_str(c, "b", "2");
    char *keep = path_in(dir, "notes.txt");
    FILE *f = fopen(keep, "w");
    fputs("mine", f);
    fclose(f);
    assert_int_equal(filecache_clear(dir), AV_OK);
    assert_null(get_str(c, "a"));
    assert_int_equal(count_entries(dir, NULL), 1);
    assert_int_equal(access(keep, F_OK), 0);
    char *missing = path_in(dir, "missing");
    assert_int_equal(filecache_clear(missing), AV_OK);
    free(missing);
    free(keep);
    filecache_close(c);
    rm_rf(dir);
    free(dir);
}

static void root_follows_xdg(void **state)
{
    (void)state;
    char *old_xdg = getenv("XDG_CACHE_HOME") ? strdup(getenv("XDG_CACHE_HOME")) : NULL;
    char *old_home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
    char *r;
    setenv("XDG_CACHE_HOME", "/x/cache", 1);
    assert_int_equal(filecache_root(&r), AV_OK);
    assert_string_equal(r, "/x/cache/asanavox");
    free(r);
    setenv("XDG_CACHE_HOME", "relative", 1); /* ignored, as the spec says */
    setenv("HOME", "/home/u", 1);
    assert_int_equal(filecache_root(&r), AV_OK);
    assert_string_equal(r, "/home/u/.cache/asanavox");
    free(r);
    unsetenv("XDG_CACHE_HOME");
    unsetenv("HOME");
    assert_int_equal(filecache_root(&r), AV_ENOENT);
    if (old_xdg)
        setenv("XDG_CACHE_HOME", old_xdg, 1);
    if (old_home)
        setenv("HOME", old_home, 1);
    free(old_xdg);
    free(old_home);
}

static void unusable_directory(void **state)
{
    (void)state;
    struct filecache *c;
    assert_int_equal(filecache_open("/dev/null/cache", 1 << 20, &c), AV_EIO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip),
        cmocka_unit_test(damaged_entries_are_misses),
        cmocka_unit_test(get_into_callers_buffer),
        cmocka_unit_test(put_in_two_parts),
        cmocka_unit_test(bounded_oldest_first),
        cmocka_unit_test(clear_leaves_other_files),
        cmocka_unit_test(root_follows_xdg),
        cmocka_unit_test(unusable_directory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
