/*
 * datadirs.c — the data directories: the user's, a development build's
 * source tree, the install relative to the executable, $XDG_DATA_DIRS.
 */
#include "asanavox/datadirs.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "asanavox/config.h"
#include "asanavox/error.h"
#include "asanavox/paths.h"

/* The name of the file CMake writes next to the programs of a build tree
 * (CMakeLists.txt); it holds the source tree's path. */
#define DEV_MARKER "asanavox-source-dir"

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The directory of the running program (malloc'd), or NULL. */
static char *exe_dir(void)
{
    char buf[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0)
        return NULL;
    buf[n] = '\0';
    char *slash = strrchr(buf, '/');
    if (!slash)
        return NULL;
    *slash = '\0';
    return strdup(buf[0] ? buf : "/");
}

char *datadirs_dev_tree(void)
{
    char *dir = exe_dir();
    if (!dir)
        return NULL;
    char *marker = paths_join(dir, DEV_MARKER);
    free(dir);
    if (!marker)
        return NULL;
    FILE *f = fopen(marker, "r");
    free(marker);
    if (!f)
        return NULL;
    char line[PATH_MAX];
    char *tree = NULL;
    if (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (line[0] == '/' && is_dir(line))
            tree = strdup(line);
    }
    fclose(f);
    return tree;
}

/* A growable NULL-terminated list of strings; an out-of-memory error is
 * remembered and reported once at the end. */
struct list {
    char **v;
    size_t n, cap;
    bool oom;
};

static bool list_has(const struct list *l, const char *s)
{
    for (size_t i = 0; i < l->n; i++)
        if (!strcmp(l->v[i], s))
            return true;
    return false;
}

/* Add `s` (malloc'd, may be NULL for out of memory; ownership moves to the
 * list) unless the list has it already. */
static void list_add(struct list *l, char *s)
{
    if (!s) {
        l->oom = true;
        return;
    }
    if (list_has(l, s)) {
        free(s);
        return;
    }
    if (l->n + 2 > l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        char **v = realloc(l->v, cap * sizeof(*v));
        if (!v) {
            free(s);
            l->oom = true;
            return;
        }
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = s;
    l->v[l->n] = NULL;
}

static char *join3(const char *a, const char *b, const char *c)
{
    size_t n = strlen(a) + strlen(b) + strlen(c) + 1;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s%s%s", a, b, c);
    return s;
}

/* `path` with symbolic links and ".." resolved when it exists (so that
 * /usr/bin/../share/asanavox and /usr/share/asanavox are one directory),
 * else NULL. */
static char *existing(const char *path)
{
    char buf[PATH_MAX];
    if (!is_dir(path) || !realpath(path, buf))
        return NULL;
    return strdup(buf);
}

int datadirs_list(char ***dirs)
{
    struct list l = {0};
    const char *xdg = getenv("XDG_DATA_HOME");
    const char *home = getenv("HOME");
    if (xdg && xdg[0] == '/')
        list_add(&l, join3(xdg, "/", "asanavox"));
    else if (home && home[0])
        list_add(&l, join3(home, "/", ".local/share/asanavox"));

    char *tree = datadirs_dev_tree();
    if (tree)
        list_add(&l, tree);

    char *exe = exe_dir();
    if (exe) {
        char *rel = join3(exe, "/", ASANAVOX_BIN_TO_DATA);
        free(exe);
        if (!rel) {
            l.oom = true;
        } else {
            char *real = existing(rel);
            free(rel);
            if (real)
                list_add(&l, real);
        }
    }

    /* The XDG Base Directory specification: relative entries are ignored,
     * an unset or empty variable means /usr/local/share:/usr/share. */
    const char *sys = getenv("XDG_DATA_DIRS");
    if (!sys || !sys[0])
        sys = "/usr/local/share:/usr/share";
    for (const char *p = sys; *p;) {
        const char *c = strchr(p, ':');
        size_t n = c ? (size_t)(c - p) : strlen(p);
        if (n > 0 && p[0] == '/') {
            char *d = strndup(p, n);
            char *dir = d ? join3(d, "/", "asanavox") : NULL;
            free(d);
            char *real = dir ? existing(dir) : NULL;
            if (real) {
                free(dir);
                list_add(&l, real);
            } else {
                list_add(&l, dir);
            }
        }
        p += n + (c ? 1 : 0);
    }
    if (l.oom || !l.v) {
        bool oom = l.oom;
        paths_free_list(l.v);
        if (oom)
            return AV_ENOMEM;
        l.v = calloc(1, sizeof(*l.v));
        if (!l.v)
            return AV_ENOMEM;
    }
    *dirs = l.v;
    return AV_OK;
}
