/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * filecache.c — a bounded directory of cache entries, one file per key.
 *
 * An entry file "<32 hex digits>.ent" (the XXH3 128-bit hash of the key)
 * holds, in the machine's byte order (the cache is per user and machine):
 *
 *     magic "AVXCACH1" | u64 key length | u64 data length | u64 checksum |
 *     key bytes | data bytes
 *
 * The checksum is XXH3-64 of the data seeded with XXH3-64 of the key, so
 * both a flipped bit and a truncation are caught.  Hashing comes from
 * libxxhash (a Debian library, fast enough that checking an entry costs
 * less than reading it).  Writers create "tmp.<pid>.<n>.<hash>" with
 * O_EXCL and rename it over the entry; readers never see partial files.
 */
#include "asanavox/filecache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
/* XXH3_state_t on the stack (checksum2()). */
#define XXH_STATIC_LINKING_ONLY
#include <xxhash.h>

#include "asanavox/error.h"
#include "asanavox/fdio.h"
#include "asanavox/strbuf.h"

#define MAGIC "AVXCACH1"
#define SUFFIX ".ent"

enum {
    HEADER = 8 + 3 * 8,
    NAME_MAX_LEN = 64,
    REFRESH_SECONDS = 24 * 3600, /* a hit refreshes an entry's age at most daily */
    STALE_TMP_SECONDS = 3600,    /* a temporary file this old was abandoned */
};

struct filecache {
    char *dir;
    uint64_t max_bytes;
    uint64_t written; /* bytes written since the last trim */
    size_t puts, hits;
    unsigned counter;
};

int filecache_root(char **out)
{
    const char *xdg = getenv("XDG_CACHE_HOME");
    const char *home = getenv("HOME");
    const char *base, *tail;
    if (xdg && xdg[0] == '/')
        base = xdg, tail = "/asanavox";
    else if (home && home[0] == '/')
        base = home, tail = "/.cache/asanavox";
    else
        return AV_ENOENT;
    char *p = str_printf("%s%s", base, tail);
    if (!p)
        return AV_ENOMEM;
    *out = p;
    return AV_OK;
}

/* mkdir -p with mode 0700. */
static int make_dirs(const char *dir)
{
    char *p = strdup(dir);
    if (!p)
        return AV_ENOMEM;
    for (char *s = p + 1;; s++) {
        if (*s != '/' && *s != '\0')
            continue;
        char c = *s;
        *s = '\0';
        if (mkdir(p, 0700) != 0 && errno != EEXIST) {
            free(p);
            return AV_EIO;
        }
        *s = c;
        if (!c)
            break;
    }
    free(p);
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode) || access(dir, W_OK | X_OK) != 0)
        return AV_EIO;
    return AV_OK;
}

int filecache_open(const char *dir, uint64_t max_bytes, struct filecache **out)
{
    int err = make_dirs(dir);
    if (err)
        return err;
    struct filecache *c = calloc(1, sizeof(*c));
    if (!c || !(c->dir = strdup(dir))) {
        free(c);
        return AV_ENOMEM;
    }
    c->max_bytes = max_bytes;
    *out = c;
    return AV_OK;
}

void filecache_close(struct filecache *c)
{
    if (!c)
        return;
    if (c->written)
        filecache_trim(c);
    free(c->dir);
    free(c);
}

size_t filecache_puts(const struct filecache *c)
{
    return c->puts;
}

size_t filecache_hits(const struct filecache *c)
{
    return c->hits;
}

/* dir + "/" + name, malloc'd. */
static char *join(const char *dir, const char *name)
{
    return str_printf("%s/%s", dir, name);
}

static char *entry_path(const struct filecache *c, const void *key, size_t key_len)
{
    XXH128_hash_t h = XXH3_128bits(key, key_len);
    char name[NAME_MAX_LEN];
    snprintf(name, sizeof name, "%016llx%016llx" SUFFIX, (unsigned long long)h.high64,
             (unsigned long long)h.low64);
    return join(c->dir, name);
}

static uint64_t checksum(const void *key, size_t key_len, const void *data, size_t len)
{
    return XXH3_64bits_withSeed(data, len, XXH3_64bits(key, key_len));
}

/* Check an open entry's head: a regular file with our magic, whose key and
 * data lengths add up to its size exactly (which also bounds what a reader
 * allocates by what is on disk).  False for anything else. */
static bool read_head(int fd, struct stat *st, uint64_t *klen, uint64_t *dlen, uint64_t *sum)
{
    unsigned char head[HEADER];
    if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode) || fdio_read_exact(fd, head, sizeof head) ||
        memcmp(head, MAGIC, 8))
        return false;
    memcpy(klen, head + 8, 8);
    memcpy(dlen, head + 16, 8);
    memcpy(sum, head + 24, 8);
    return *klen <= (uint64_t)st->st_size && *dlen <= (uint64_t)st->st_size &&
           (uint64_t)HEADER + *klen + *dlen == (uint64_t)st->st_size;
}

int filecache_get(struct filecache *c, const void *key, size_t key_len, void **data,
                  size_t *len)
{
    return filecache_get_alloc(c, key, key_len, NULL, NULL, data, len);
}

int filecache_get_alloc(struct filecache *c, const void *key, size_t key_len,
                        void *(*alloc)(void *ctx, size_t bytes), void *ctx, void **data,
                        size_t *len)
{
    char *path = entry_path(c, key, key_len);
    if (!path)
        return AV_ENOMEM;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        free(path);
        return AV_ENOENT;
    }
    int err = AV_ENOENT;
    bool corrupt = true;
    char *buf = NULL, *kbuf = NULL;
    struct stat st;
    uint64_t klen, dlen, sum;
    if (!read_head(fd, &st, &klen, &dlen, &sum))
        goto done;
    if (klen != key_len) {
        corrupt = false; /* another key with the same hash: a miss */
        goto done;
    }
    /* The key and the data are read into buffers of their own, so the
     * data (a clip of several MB) is not moved again after the read. */
    kbuf = malloc(klen + 1);
    buf = alloc ? alloc(ctx, dlen ? (size_t)dlen : 1) : malloc(dlen + 1);
    if (!kbuf || !buf) {
        err = AV_ENOMEM;
        corrupt = false;
        goto done;
    }
    if (fdio_read_exact(fd, kbuf, klen) || fdio_read_exact(fd, buf, dlen))
        goto done;
    if (memcmp(kbuf, key, key_len)) {
        corrupt = false;
        goto done;
    }
    if (checksum(key, key_len, buf, dlen) != sum)
        goto done;
    *data = buf;
    *len = dlen;
    buf = NULL;
    err = AV_OK;
    corrupt = false;
    c->hits++;
    if (time(NULL) - st.st_mtime > REFRESH_SECONDS)
        futimens(fd, NULL); /* best effort: it only affects eviction order */
done:
    close(fd);
    if (corrupt)
        unlink(path); /* made again by whoever needs it */
    free(kbuf);
    free(buf);
    free(path);
    return err;
}

/* The head and the key of the entry only: for a caller that plans with
 * lengths (voice_prefetch()) and reads the data later with
 * filecache_get(), which checks it. */
int filecache_peek(struct filecache *c, const void *key, size_t key_len, size_t *len)
{
    char *path = entry_path(c, key, key_len);
    if (!path)
        return AV_ENOMEM;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    free(path);
    if (fd < 0)
        return AV_ENOENT;
    int err = AV_ENOENT;
    struct stat st;
    uint64_t klen, dlen, sum;
    char *k = NULL;
    if (!read_head(fd, &st, &klen, &dlen, &sum) || klen != key_len)
        goto done;
    if (!(k = malloc(key_len ? key_len : 1))) {
        err = AV_ENOMEM;
        goto done;
    }
    if (fdio_read_exact(fd, k, key_len) || memcmp(k, key, key_len))
        goto done;
    *len = (size_t)dlen;
    err = AV_OK;
done:
    free(k);
    close(fd);
    return err;
}

int filecache_put(struct filecache *c, const void *key, size_t key_len, const void *data,
                  size_t len)
{
    return filecache_put2(c, key, key_len, data, len, NULL, 0);
}

/* XXH3-64 of a ++ b seeded as checksum() seeds it: the same value as
 * checksum() of the two parts joined, without joining them. */
static uint64_t checksum2(const void *key, size_t key_len, const void *a, size_t alen,
                          const void *b, size_t blen)
{
    if (!blen)
        return checksum(key, key_len, a, alen);
    XXH3_state_t st;
    XXH3_INITSTATE(&st);
    XXH3_64bits_reset_withSeed(&st, XXH3_64bits(key, key_len));
    XXH3_64bits_update(&st, a, alen);
    XXH3_64bits_update(&st, b, blen);
    return XXH3_64bits_digest(&st);
}

int filecache_put2(struct filecache *c, const void *key, size_t key_len, const void *data,
                   size_t len, const void *data2, size_t len2)
{
    char *path = entry_path(c, key, key_len);
    if (!path)
        return AV_ENOMEM;
    char name[NAME_MAX_LEN];
    snprintf(name, sizeof name, "tmp.%ld.%u.%016llx", (long)getpid(), c->counter++,
             (unsigned long long)XXH3_64bits(key, key_len));
    char *tmp = join(c->dir, name);
    if (!tmp) {
        free(path);
        return AV_ENOMEM;
    }
    int err = AV_EIO;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        goto done;
    unsigned char head[HEADER];
    uint64_t klen = key_len, dlen = len + len2,
             sum = checksum2(key, key_len, data, len, data2, len2);
    memcpy(head, MAGIC, 8);
    memcpy(head + 8, &klen, 8);
    memcpy(head + 16, &dlen, 8);
    memcpy(head + 24, &sum, 8);
    bool ok = !fdio_write_exact(fd, head, sizeof head) && !fdio_write_exact(fd, key, key_len) &&
              !fdio_write_exact(fd, data, len) && (!len2 || !fdio_write_exact(fd, data2, len2));
    if (close(fd) != 0)
        ok = false;
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        goto done;
    }
    err = AV_OK;
    c->puts++;
    c->written += HEADER + key_len + len + len2;
    /* A single long run must not grow the directory far past its bound
     * either. */
    if (c->written > c->max_bytes / 4)
        filecache_trim(c);
done:
    free(tmp);
    free(path);
    return err;
}

struct file_age {
    char *path;
    uint64_t size;
    struct timespec mtime;
};

static int by_age(const void *a, const void *b)
{
    const struct file_age *x = a, *y = b;
    if (x->mtime.tv_sec != y->mtime.tv_sec)
        return x->mtime.tv_sec < y->mtime.tv_sec ? -1 : 1;
    if (x->mtime.tv_nsec != y->mtime.tv_nsec)
        return x->mtime.tv_nsec < y->mtime.tv_nsec ? -1 : 1;
    return strcmp(x->path, y->path);
}

static bool is_entry_name(const char *n)
{
    size_t l = strlen(n);
    return l == 32 + strlen(SUFFIX) && !strcmp(n + 32, SUFFIX) && strspn(n, "0123456789abcdef") == 32;
}

static bool is_tmp_name(const char *n)
{
    return !strncmp(n, "tmp.", 4);
}

int filecache_trim(struct filecache *c)
{
    c->written = 0;
    DIR *d = opendir(c->dir);
    if (!d)
        return AV_EIO;
    struct file_age *v = NULL;
    size_t n = 0, cap = 0;
    uint64_t total = 0;
    int err = AV_OK;
    time_t now = time(NULL);
    struct dirent *e;
    while ((e = readdir(d))) {
        bool entry = is_entry_name(e->d_name);
        if (!entry && !is_tmp_name(e->d_name))
            continue;
        char *p = join(c->dir, e->d_name);
        struct stat st;
        if (!p) {
            err = AV_ENOMEM;
            break;
        }
        if (lstat(p, &st) != 0 || !S_ISREG(st.st_mode)) {
            free(p);
            continue;
        }
        if (!entry) {
            /* Another process may be writing this one right now: only an
             * old temporary file is abandoned. */
            if (now - st.st_mtime > STALE_TMP_SECONDS)
                unlink(p);
            free(p);
            continue;
        }
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 256;
            struct file_age *nv = realloc(v, nc * sizeof(*nv));
            if (!nv) {
                free(p);
                err = AV_ENOMEM;
                break;
            }
            v = nv;
            cap = nc;
        }
        v[n].path = p;
        v[n].size = (uint64_t)st.st_size;
        v[n].mtime = st.st_mtim;
        total += v[n].size;
        n++;
    }
    closedir(d);
    if (!err && total > c->max_bytes) {
        /* Evict down to three quarters of the bound, so that the next few
         * writes do not trigger another scan at once.  A file another
         * process removed first is simply gone already. */
        qsort(v, n, sizeof(*v), by_age);
        uint64_t goal = c->max_bytes / 4 * 3;
        for (size_t i = 0; i < n && total > goal; i++) {
            if (unlink(v[i].path) == 0 || errno == ENOENT)
                total -= v[i].size;
        }
    }
    for (size_t i = 0; i < n; i++)
        free(v[i].path);
    free(v);
    return err;
}

int filecache_clear(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? AV_OK : AV_EIO;
    int err = AV_OK;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!is_entry_name(e->d_name) && !is_tmp_name(e->d_name))
            continue;
        char *p = join(dir, e->d_name);
        if (!p) {
            err = AV_ENOMEM;
            break;
        }
        if (unlink(p) != 0 && errno != ENOENT)
            err = AV_EIO;
        free(p);
    }
    closedir(d);
    return err;
}
