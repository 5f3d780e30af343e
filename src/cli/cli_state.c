/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cli_state.c — the practice log, the resume point and the kept volume in
 * $XDG_STATE_HOME/asanavox (cli_state.h).
 */
#define _GNU_SOURCE /* tm_gmtoff, timegm */
#include "cli_state.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "asanavox/error.h"
#include "asanavox/strbuf.h"
#include "asanavox/transport.h"

enum { HISTORY_MAX_LINES = 100000, HISTORY_LINE_MAX = 1024 };

static char *state_dir(void)
{
    const char *xdg = getenv("XDG_STATE_HOME");
    const char *home = getenv("HOME");
    char buf[4096];
    int n;
    if (xdg && xdg[0] == '/')
        n = snprintf(buf, sizeof buf, "%s/asanavox", xdg);
    else if (home && home[0])
        n = snprintf(buf, sizeof buf, "%s/.local/state/asanavox", home);
    else
        return NULL;
    if (n < 0 || (size_t)n >= sizeof buf)
        return NULL;
    return strdup(buf);
}

char *state_path(const char *file)
{
    char *dir = state_dir();
    if (!dir)
        return NULL;
    size_t n = strlen(dir) + strlen(file) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", dir, file);
    free(dir);
    return p;
}

/* Make DIR and its parents (0700 for ours).  Returns 0 or AV_EIO. */
static int make_dirs(char *dir)
{
    for (char *s = dir + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        int r = mkdir(dir, 0700);
        *s = '/';
        if (r != 0 && errno != EEXIST)
            return AV_EIO;
    }
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return AV_EIO;
    return AV_OK;
}

static int ensure_state_dir(void)
{
    char *dir = state_dir();
    if (!dir)
        return AV_ENOENT;
    int err = make_dirs(dir);
    free(dir);
    return err;
}

/* Copy `s` into `out`, tabs, newlines and control characters as spaces. */
static void clean(char *out, size_t size, const char *s)
{
    size_t i = 0;
    for (; s && *s && i + 1 < size; s++)
        out[i++] = (unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s;
    out[i] = '\0';
}

int history_append(const struct history_entry *e)
{
    int err = ensure_state_dir();
    if (err)
        return err;
    char *path = state_path("history");
    if (!path)
        return AV_ENOMEM;
    struct tm tm;
    localtime_r(&e->when, &tm);
    char date[64];
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S%z", &tm);
    char name[sizeof e->name], how[sizeof e->how];
    clean(name, sizeof name, e->name);
    clean(how, sizeof how, e->how);
    char line[HISTORY_LINE_MAX];
    int n = snprintf(line, sizeof line, "%s\t%s\t%.1f\t%s\n", date, name, e->minutes, how);
    if (n < 0 || (size_t)n >= sizeof line) {
        n = (int)sizeof line - 1;
        line[n - 1] = '\n';
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    free(path);
    if (fd < 0)
        return AV_EIO;
    ssize_t w = write(fd, line, (size_t)n);
    int saved = errno;
    close(fd);
    errno = saved;
    return w == n ? AV_OK : AV_EIO;
}

/* "2026-11-30T07:02:11+0100" → the time and its offset. */
static bool parse_date(const char *s, time_t *when, int *offset)
{
    int y, mo, d, h, mi, se, oh, om;
    char sign;
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c%2d%2d", &y, &mo, &d, &h, &mi, &se, &sign, &oh,
               &om) != 9 ||
        (sign != '+' && sign != '-') || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
        mi > 59 || se > 60)
        return false;
    struct tm tm = {0};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = se;
    int off = (oh * 3600 + om * 60) * (sign == '-' ? -1 : 1);
    *when = timegm(&tm) - off;
    *offset = off;
    return true;
}

static bool parse_history_line(char *line, struct history_entry *e)
{
    memset(e, 0, sizeof *e);
    char *f[4];
    char *s = line;
    for (int i = 0; i < 4; i++) {
        f[i] = s;
        char *tab = i < 3 ? strchr(s, '\t') : NULL;
        if (i < 3 && !tab)
            return false;
        if (tab) {
            *tab = '\0';
            s = tab + 1;
        }
    }
    if (!parse_date(f[0], &e->when, &e->utc_offset))
        return false;
    char *end;
    e->minutes = strtod(f[2], &end);
    if (end == f[2] || *end || !(e->minutes >= 0 && e->minutes < 100000))
        return false;
    clean(e->name, sizeof e->name, f[1]);
    clean(e->how, sizeof e->how, f[3]);
    e->completed = !strcmp(e->how, "completed");
    return e->name[0] != '\0';
}

int history_read(struct history_entry **out, size_t *count)
{
    *out = NULL;
    *count = 0;
    char *path = state_path("history");
    if (!path)
        return AV_OK;
    FILE *f = fopen(path, "r");
    free(path);
    if (!f)
        return errno == ENOENT ? AV_OK : AV_EIO;
    struct history_entry *v = NULL;
    size_t n = 0, cap = 0;
    char line[HISTORY_LINE_MAX + 2];
    int err = AV_OK;
    while (fgets(line, sizeof line, f)) {
        size_t len = strlen(line);
        if (len && line[len - 1] != '\n' && !feof(f)) {
            /* Longer than any line we write: skip the rest of it. */
            int c;
            while ((c = fgetc(f)) != EOF && c != '\n') {
            }
            continue;
        }
        line[strcspn(line, "\r\n")] = '\0';
        struct history_entry e;
        if (!parse_history_line(line, &e))
            continue;
        if (n == cap) {
            if (cap >= HISTORY_MAX_LINES) {
                /* Keep the newest: drop the older half. */
                memmove(v, v + cap / 2, (cap - cap / 2) * sizeof *v);
                n = cap - cap / 2;
            } else {
                size_t nc = cap ? cap * 2 : 64;
                struct history_entry *g = realloc(v, nc * sizeof *g);
                if (!g) {
                    err = AV_ENOMEM;
                    break;
                }
                v = g;
                cap = nc;
            }
        }
        v[n++] = e;
    }
    if (!err && ferror(f))
        err = AV_EIO;
    fclose(f);
    if (err) {
        free(v);
        return err;
    }
    *out = v;
    *count = n;
    return AV_OK;
}

/* Write `line` as the whole of state file `file`: a temporary file beside
 * it, synced, then renamed over it, so a reader sees the old or the new
 * line and never part of one. */
static int state_write(const char *file, const char *line)
{
    int err = ensure_state_dir();
    if (err)
        return err;
    char *path = state_path(file);
    char *tmp = str_printf("%s.tmp", path ? path : "");
    if (!path || !tmp) {
        free(path);
        free(tmp);
        return AV_ENOMEM;
    }
    err = AV_EIO;
    FILE *f = fopen(tmp, "w");
    if (f) {
        bool ok = fputs(line, f) >= 0;
        ok = fflush(f) == 0 && fsync(fileno(f)) == 0 && ok;
        ok = fclose(f) == 0 && ok;
        if (ok && rename(tmp, path) == 0)
            err = AV_OK;
        else
            unlink(tmp);
    }
    free(path);
    free(tmp);
    return err;
}

/* The first line of state file `file` into `line`, without its end:
 * AV_ENOENT when there is no file or nothing in it, AV_EIO when it cannot
 * be read. */
static int state_read_line(const char *file, char *line, size_t size)
{
    char *path = state_path(file);
    if (!path)
        return AV_ENOENT;
    FILE *f = fopen(path, "r");
    free(path);
    if (!f)
        return errno == ENOENT ? AV_ENOENT : AV_EIO;
    bool got = fgets(line, (int)size, f) != NULL;
    fclose(f);
    if (!got)
        return AV_ENOENT;
    line[strcspn(line, "\r\n")] = '\0';
    return AV_OK;
}

int resume_save(const struct resume_point *r)
{
    char spec[sizeof r->spec], name[sizeof r->name];
    clean(spec, sizeof spec, r->spec);
    clean(name, sizeof name, r->name);
    char *line = str_printf("%s\t%s\t%.3f\t%.3f\n", spec, name, r->seconds, r->total);
    if (!line)
        return AV_ENOMEM;
    int err = state_write("resume", line);
    free(line);
    return err;
}

int resume_load(struct resume_point *r)
{
    memset(r, 0, sizeof *r);
    char line[sizeof r->spec + sizeof r->name + 64];
    int err = state_read_line("resume", line, sizeof line);
    if (err)
        return err;
    char *spec = line, *name, *sec, *tot;
    if (!(name = strchr(spec, '\t')))
        return AV_ENOENT;
    *name++ = '\0';
    if (!(sec = strchr(name, '\t')))
        return AV_ENOENT;
    *sec++ = '\0';
    if (!(tot = strchr(sec, '\t')))
        return AV_ENOENT;
    *tot++ = '\0';
    char *e1, *e2;
    r->seconds = strtod(sec, &e1);
    r->total = strtod(tot, &e2);
    if (*e1 || *e2 || !spec[0] || !name[0] || !(r->seconds >= 0 && r->seconds < 86400.0 * 2))
        return AV_ENOENT;
    clean(r->spec, sizeof r->spec, spec);
    clean(r->name, sizeof r->name, name);
    return AV_OK;
}

void resume_clear(void)
{
    char *path = state_path("resume");
    if (path)
        unlink(path);
    free(path);
}

int volume_save(double db)
{
    if (!isfinite(db) || db < TRANSPORT_VOLUME_MIN || db > TRANSPORT_VOLUME_MAX)
        return AV_EINVAL;
    if (db == 0.0) {
        char *path = state_path("volume");
        if (!path)
            return AV_ENOMEM;
        int err = unlink(path) == 0 || errno == ENOENT ? AV_OK : AV_EIO;
        free(path);
        return err;
    }
    char line[64];
    snprintf(line, sizeof line, "%.1f\n", db);
    return state_write("volume", line);
}

int volume_load(double *db)
{
    *db = 0.0;
    char line[64];
    int err = state_read_line("volume", line, sizeof line);
    if (err)
        return err;
    char *end;
    double v = strtod(line, &end);
    if (end == line || *end || !isfinite(v) || v < TRANSPORT_VOLUME_MIN || v > TRANSPORT_VOLUME_MAX)
        return AV_ENOENT;
    *db = v;
    return AV_OK;
}
