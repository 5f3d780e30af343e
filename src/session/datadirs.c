/* SPDX-License-Identifier: GPL-3.0-or-later */
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
#include "asanavox/strbuf.h"
#include "asanavox/strlist.h"

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

static char *join3(const char *a, const char *b, const char *c)
{
    return str_printf("%s%s%s", a, b, c);
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
    struct strlist l = {0};
    const char *xdg = getenv("XDG_DATA_HOME");
    const char *home = getenv("HOME");
    if (xdg && xdg[0] == '/')
        strlist_add_unique(&l, join3(xdg, "/", "asanavox"));
    else if (home && home[0])
        strlist_add_unique(&l, join3(home, "/", ".local/share/asanavox"));

    char *tree = datadirs_dev_tree();
    if (tree)
        strlist_add_unique(&l, tree);

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
                strlist_add_unique(&l, real);
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
                strlist_add_unique(&l, real);
            } else {
                strlist_add_unique(&l, dir);
            }
        }
        p += n + (c ? 1 : 0);
    }
    if (l.oom || !l.v) {
        bool oom = l.oom;
        strlist_deinit(&l);
        if (oom)
            return AV_ENOMEM;
        l.v = calloc(1, sizeof(*l.v));
        if (!l.v)
            return AV_ENOMEM;
    }
    *dirs = l.v;
    return AV_OK;
}
