/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * paths.c — finding sessions and sounds by name on the search path (paths.h).
 */
#include "asanavox/paths.h"

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "asanavox/datadirs.h"
#include "asanavox/diag.h"
#include "asanavox/error.h"
#include "asanavox/phrases.h"
#include "asanavox/safefile.h"
#include "asanavox/strlist.h"

bool paths_plain_name(const char *name)
{
    if (!name[0] || name[0] == '.' || strlen(name) > 128)
        return false;
    for (const char *p = name; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (!(isalnum(c) || c == '-' || c == '_' || c == '.'))
            return false;
        if (c == '.' && p[1] == '.')
            return false;
    }
    return true;
}

bool paths_is_file_arg(const char *name)
{
    size_t n = strlen(name), e = strlen(SESSION_EXT);
    return strchr(name, '/') || (n > e && !strcmp(name + n - e, SESSION_EXT));
}

char *paths_join(const char *dir, const char *name)
{
    size_t a = strlen(dir), b = strlen(name);
    char *p = malloc(a + b + 2);
    if (!p)
        return NULL;
    memcpy(p, dir, a);
    p[a] = '/';
    memcpy(p + a + 1, name, b + 1);
    return p;
}

void paths_free_list(char **list)
{
    if (!list)
        return;
    for (char **p = list; *p; p++)
        free(*p);
    free(list);
}

/* Add SUB under every data directory (datadirs.h) to `l`. */
static void add_data_dirs(struct strlist *l, const char *sub)
{
    char **data;
    if (datadirs_list(&data)) {
        l->oom = true;
        return;
    }
    for (char **d = data; *d; d++)
        strlist_add(l, paths_join(*d, sub));
    paths_free_list(data);
}

/* True when this is a development build (datadirs.h): only then are the
 * current directory's sessions/ and sounds/ searched. */
static bool dev_build(void)
{
    char *tree = datadirs_dev_tree();
    free(tree);
    return tree != NULL;
}

int paths_session_dirs(char ***dirs)
{
    struct strlist l = {0};
    if (dev_build())
        strlist_add(&l, strdup("sessions"));
    const char *env = getenv("ASANAVOX_PATH");
    if (env) {
        const char *p = env;
        while (*p) {
            const char *c = strchr(p, ':');
            size_t n = c ? (size_t)(c - p) : strlen(p);
            if (n > 0)
                strlist_add(&l, strndup(p, n));
            p += n + (c ? 1 : 0);
        }
    }
    add_data_dirs(&l, "sessions");
    if (l.oom) {
        strlist_deinit(&l);
        return AV_ENOMEM;
    }
    *dirs = l.v;
    return AV_OK;
}

static bool is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Look for dir/NAME+ext in `dirs` in order.  The first directory that
 * has something by that name decides: a regular file that stays inside
 * the directory (symbolic links resolved) is the answer; anything else is
 * AV_ENOTREG (a FIFO, a directory...) or AV_ELINK (a link out of the
 * directory), so that a shared session cannot reach other files.  On
 * AV_ENOTREG, *refused (when not NULL) gets what was found there, for the
 * message to name its kind (safefile_kind()); the caller frees it. */
static int search(const char *name, const char *ext, char **dirs, char **path, char **refused)
{
    char file[512];
    snprintf(file, sizeof file, "%s%s", name, ext);
    for (char **d = dirs; *d; d++) {
        char *p = paths_join(*d, file);
        if (!p)
            return AV_ENOMEM;
        struct stat st;
        if (lstat(p, &st) != 0) {
            free(p);
            continue;
        }
        int err = safefile_contained(*d, p);
        if (!err && !is_file(p))
            err = AV_ENOTREG;
        if (err == AV_ENOENT) { /* a dangling link: nothing there */
            free(p);
            continue;
        }
        if (err == AV_ENOTREG && refused) {
            *refused = p;
            return err;
        }
        if (err) {
            free(p);
            return err;
        }
        *path = p;
        return AV_OK;
    }
    return AV_ENOENT;
}

static const char *strip_ext(const char *name, char *buf, size_t size)
{
    size_t n = strlen(name), e = strlen(SESSION_EXT);
    if (n > e && !strcmp(name + n - e, SESSION_EXT) && n - e < size) {
        memcpy(buf, name, n - e);
        buf[n - e] = '\0';
        return buf;
    }
    return name;
}

/* A session name as `list` shows it: any characters but '/' and control
 * characters, not starting with '.' (so "My Flow" works, "../x" does not). */
static bool session_name_ok(const char *name)
{
    if (!name[0] || name[0] == '.' || strlen(name) > 200)
        return false;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        if (*p == '/' || *p < 0x20 || *p == 0x7f)
            return false;
    return true;
}

/* Whether `name` is "BASE.ll", a translation (ll a phrase catalog's
 * language, docs/SESSIONS.md) of a session BASE that is in v[0..n) and
 * also starts with `prefix`. */
static bool translation_in(const struct session_entry *v, size_t n, const char *name,
                           const char *prefix)
{
    size_t len = strlen(name), plen = strlen(prefix);
    if (len < 4 || name[len - 3] != '.' || !phrase_catalog_find(name + len - 2) || plen > len - 3)
        return false;
    for (size_t i = 0; i < n; i++)
        if (strlen(v[i].name) == len - 3 && !strncmp(v[i].name, name, len - 3))
            return true;
    return false;
}

/* The session named by a unique prefix of its name, if there is one; a
 * session's translations do not count against it ("morn" is morning-5,
 * not also morning-5.de).  The full name is then looked up like any name,
 * so the same rules (regular file, no link out of its directory) apply. */
static int find_by_prefix(const char *name, char **dirs, char **path)
{
    struct session_entry *v;
    size_t n;
    int err = paths_list_sessions(&v, &n);
    if (err)
        return err;
    size_t len = strlen(name), hits = 0, hit = 0;
    for (size_t i = 0; i < n; i++) {
        if (!strncmp(v[i].name, name, len) && !translation_in(v, n, v[i].name, name)) {
            hits++;
            hit = i;
        }
    }
    err = hits == 1 ? search(v[hit].name, SESSION_EXT, dirs, path, NULL) : AV_ENOENT;
    paths_free_sessions(v, n);
    return err;
}

int paths_find_session(const char *name, char **path)
{
    if (paths_is_file_arg(name)) {
        /* Named on the command line: the user's own choice, so a link is
         * followed wherever it leads; but only to a regular file. */
        struct stat st;
        if (stat(name, &st) != 0)
            return AV_ENOENT;
        if (!S_ISREG(st.st_mode))
            return AV_ENOTREG;
        *path = strdup(name);
        return *path ? AV_OK : AV_ENOMEM;
    }
    if (!session_name_ok(name))
        return AV_EINVAL;
    char **dirs;
    int err = paths_session_dirs(&dirs);
    if (err)
        return err;
    err = search(name, SESSION_EXT, dirs, path, NULL);
    if (err == AV_ENOENT)
        err = find_by_prefix(name, dirs, path);
    paths_free_list(dirs);
    return err;
}

/* `s` lowercased with everything but letters and digits dropped, into buf. */
static void fold_name(const char *s, char *buf, size_t size)
{
    size_t n = 0;
    for (; *s && n + 1 < size; s++)
        if (isalnum((unsigned char)*s))
            buf[n++] = (char)tolower((unsigned char)*s);
    buf[n] = '\0';
}

char *paths_session_hint(const char *name)
{
    struct session_entry *v;
    size_t n;
    if (paths_list_sessions(&v, &n))
        return NULL;
    char want[256], have[256];
    fold_name(name, want, sizeof want);
    size_t len = strlen(name), prefixed = 0;
    const char *best = NULL;
    for (size_t i = 0; i < n && !best; i++) {
        fold_name(v[i].name, have, sizeof have);
        if (want[0] && !strcmp(want, have))
            best = v[i].name; /* "morning5", "Morning-5" -> "morning-5" */
    }
    char *out = NULL;
    if (!best) {
        /* A typo: the nearest name by edit distance. */
        const char **words = calloc(n + 1, sizeof(*words));
        if (words) {
            for (size_t i = 0; i < n; i++)
                words[i] = v[i].name;
            best = diag_suggest(name, len, words);
            free(words);
        }
    }
    if (best) {
        size_t sz = strlen(best) + 32;
        out = malloc(sz);
        if (out)
            snprintf(out, sz, "did you mean '%s'?", best);
    } else {
        /* Several sessions share the prefix: name them. */
        size_t sz = 64;
        for (size_t i = 0; i < n; i++)
            if (!strncmp(v[i].name, name, len))
                sz += strlen(v[i].name) + 4, prefixed++;
        if (prefixed > 1 && (out = malloc(sz))) {
            size_t at = (size_t)snprintf(out, sz, "it could be");
            for (size_t i = 0; i < n; i++)
                if (!strncmp(v[i].name, name, len))
                    at += (size_t)snprintf(out + at, sz - at, " '%s'", v[i].name);
        }
    }
    paths_free_sessions(v, n);
    return out;
}

int paths_find_include(const char *name, const char *from_dir, char **path)
{
    char base[256];
    if (!paths_plain_name(name))
        return AV_EINVAL;
    name = strip_ext(name, base, sizeof base);
    char *first[] = {(char *)from_dir, NULL};
    int err = search(name, SESSION_EXT, first, path, path);
    if (err != AV_ENOENT)
        return err;
    char **dirs;
    err = paths_session_dirs(&dirs);
    if (err)
        return err;
    err = search(name, SESSION_EXT, dirs, path, path);
    paths_free_list(dirs);
    return err;
}

int paths_find_sound(const char *name, const char *session_dir, char **path)
{
    if (!paths_plain_name(name))
        return AV_EINVAL;
    char base[256];
    size_t n = strlen(name);
    if (n > 4 && !strcmp(name + n - 4, ".wav") && n - 4 < sizeof base) {
        memcpy(base, name, n - 4);
        base[n - 4] = '\0';
        name = base;
    }
    struct strlist l = {0};
    if (session_dir)
        strlist_add(&l, strdup(session_dir));
    if (dev_build())
        strlist_add(&l, strdup("sounds"));
    add_data_dirs(&l, "sounds");
    if (l.oom) {
        strlist_deinit(&l);
        return AV_ENOMEM;
    }
    int err = search(name, ".wav", l.v, path, NULL);
    strlist_deinit(&l);
    return err;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const struct session_entry *)a)->name, ((const struct session_entry *)b)->name);
}

void paths_free_sessions(struct session_entry *v, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        free(v[i].name);
        free(v[i].path);
    }
    free(v);
}

int paths_list_sessions(struct session_entry **out, size_t *count)
{
    char **dirs;
    struct session_entry *v = NULL;
    size_t n = 0, cap = 0;
    if (paths_session_dirs(&dirs))
        return AV_ENOMEM;
    int err = AV_OK;
    const size_t e = strlen(SESSION_EXT);
    for (char **d = dirs; *d && !err; d++) {
        DIR *dir = opendir(*d);
        if (!dir)
            continue;
        size_t before = n; /* names from earlier directories win */
        struct dirent *de;
        while (!err && (de = readdir(dir))) {
            size_t len = strlen(de->d_name);
            if (len <= e || strcmp(de->d_name + len - e, SESSION_EXT) || de->d_name[0] == '.')
                continue;
            bool seen = false;
            for (size_t i = 0; i < before && !seen; i++)
                seen = strlen(v[i].name) == len - e && !strncmp(v[i].name, de->d_name, len - e);
            if (seen)
                continue;
            /* Only what NAME lookup would accept: a regular file that
             * stays in its directory. */
            char *full = paths_join(*d, de->d_name);
            if (!full) {
                err = AV_ENOMEM;
                break;
            }
            bool usable = !safefile_contained(*d, full) && is_file(full);
            free(full);
            if (!usable)
                continue;
            if (n == cap) {
                size_t c = cap ? cap * 2 : 32;
                struct session_entry *nv = realloc(v, c * sizeof(*nv));
                if (!nv) {
                    err = AV_ENOMEM;
                    break;
                }
                v = nv;
                cap = c;
            }
            v[n].name = strndup(de->d_name, len - e);
            v[n].path = paths_join(*d, de->d_name);
            if (!v[n].name || !v[n].path) {
                free(v[n].name);
                free(v[n].path);
                err = AV_ENOMEM;
                break;
            }
            n++;
        }
        closedir(dir);
    }
    paths_free_list(dirs);
    if (err) {
        paths_free_sessions(v, n);
        return err;
    }
    if (n)
        qsort(v, n, sizeof(*v), by_name);
    *out = v;
    *count = n;
    return AV_OK;
}
