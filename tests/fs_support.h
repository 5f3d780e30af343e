/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fs_support.h — temporary directories for the tests that write files
 * (header-only; include after <cmocka.h>).
 */
#ifndef ASANAVOX_TEST_FS_SUPPORT_H
#define ASANAVOX_TEST_FS_SUPPORT_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A new empty directory /tmp/asanavox-WHAT-XXXXXX (malloc'd path). */
static inline char *tmpdir_for(const char *what)
{
    char tmpl[128];
    snprintf(tmpl, sizeof tmpl, "/tmp/asanavox-%s-XXXXXX", what);
    char *d = mkdtemp(tmpl);
    assert_non_null(d);
    return strdup(d);
}

/* "dir/name" (malloc'd). */
static inline char *path_in(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    assert_non_null(p);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

/* Entries in `dir` other than . and ..; *temps (when not NULL) counts
 * those that look like a leftover temporary file (".tmp" in the name). */
static inline int count_entries(const char *dir, int *temps)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    if (temps)
        *temps = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        n++;
        if (temps && strstr(e->d_name, ".tmp"))
            (*temps)++;
    }
    closedir(d);
    return n;
}

/* The whole file at `path` (malloc'd, one spare byte), its size in *len. */
static inline unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc((size_t)n + 1);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return b;
}

/* Remove `dir` and the files in it (one level deep). */
static inline void rm_rf(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char *p = path_in(dir, e->d_name);
        unlink(p);
        free(p);
    }
    closedir(d);
    rmdir(dir);
}

#endif
