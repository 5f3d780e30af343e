/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cli_summary.c — session summaries for `list` and the picker, compiled or
 * taken from the cache when every input the compile read is unchanged.
 *
 * The compile runs through a recording environment that wraps the real
 * one (compile_env_default()) and notes each include lookup, file read and
 * sound lookup with its result.  The cache entry holds those notes and the
 * summary; a hit replays the notes against the file system and is used
 * only if every one gives the same answer.  Reading a session and hashing
 * it costs microseconds; compiling it means speech for every cue.
 *
 * Entry data: records of a type byte and fields (strings as u32 length and
 * bytes, numbers as u64), in the machine's byte order; the last record
 * ('R') is the summary.
 */
#include "cli_summary.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <xxhash.h>

#include "asanavox/config.h"
#include "asanavox/diag.h"
#include "asanavox/error.h"
#include "asanavox/filecache.h"
#include "asanavox/paths.h"
#include "asanavox/strbuf.h"
#include "asanavox/timeline.h"
#include "asanavox/voice.h"
#include "cli.h"

/* ---- records in a byte buffer ----------------------------------------------
 *
 * The records go into a strbuf (strbuf.h), which takes any bytes and
 * remembers an allocation failure, so the writers below check once. */

static void put(struct strbuf *b, const void *data, size_t n)
{
    strbuf_append(b, data, n);
}

static void put_u8(struct strbuf *b, unsigned char v)
{
    put(b, &v, 1);
}

static void put_u64(struct strbuf *b, uint64_t v)
{
    put(b, &v, sizeof v);
}

static void put_str(struct strbuf *b, const char *s)
{
    uint32_t n = s ? (uint32_t)strlen(s) : 0;
    put(b, &n, sizeof n);
    put(b, s ? s : "", n);
}

/* A reader over a record buffer: every get fails (returns false) past the
 * end, so a damaged entry is a miss, not a crash. */
struct reader {
    const unsigned char *p;
    size_t len, at;
};

static bool get(struct reader *r, void *out, size_t n)
{
    if (r->len - r->at < n)
        return false;
    memcpy(out, r->p + r->at, n);
    r->at += n;
    return true;
}

static bool get_u64(struct reader *r, uint64_t *v)
{
    return get(r, v, sizeof *v);
}

/* A string as a malloc'd copy. */
static bool get_str(struct reader *r, char **s)
{
    uint32_t n;
    if (!get(r, &n, sizeof n) || r->len - r->at < n)
        return false;
    char *c = malloc((size_t)n + 1);
    if (!c)
        return false;
    memcpy(c, r->p + r->at, n);
    c[n] = '\0';
    r->at += n;
    *s = c;
    return true;
}

/* ---- recording the compile's inputs -------------------------------------------- */

struct recorder {
    struct compile_env inner;
    struct strbuf notes;
};

static void note_sound_file(struct strbuf *b, const char *path)
{
    struct stat st;
    memset(&st, 0, sizeof st);
    if (path)
        stat(path, &st);
    put_u64(b, (uint64_t)st.st_size);
    put_u64(b, (uint64_t)st.st_mtim.tv_sec);
    put_u64(b, (uint64_t)st.st_mtim.tv_nsec);
    put_u64(b, (uint64_t)st.st_ino);
}

static int rec_find_include(void *ctx, const char *name, const char *from_dir, char **path)
{
    struct recorder *r = ctx;
    int err = r->inner.find_include(r->inner.ctx, name, from_dir, path);
    put_u8(&r->notes, 'I');
    put_str(&r->notes, name);
    put_str(&r->notes, from_dir);
    put_u64(&r->notes, (uint64_t)err);
    put_str(&r->notes, err ? "" : *path);
    return err;
}

static int rec_read_file(void *ctx, const char *path, size_t max, char **data, size_t *len)
{
    struct recorder *r = ctx;
    int err = r->inner.read_file(r->inner.ctx, path, max, data, len);
    put_u8(&r->notes, 'F');
    put_str(&r->notes, path);
    put_u64(&r->notes, max);
    put_u64(&r->notes, (uint64_t)err);
    put_u64(&r->notes, err ? 0 : XXH3_64bits(*data, *len));
    put_u64(&r->notes, err ? 0 : *len);
    return err;
}

static int rec_sound(void *ctx, const char *name, const char *from_dir, int rate, char **path,
                     int64_t *frames)
{
    struct recorder *r = ctx;
    int err = r->inner.sound(r->inner.ctx, name, from_dir, rate, path, frames);
    put_u8(&r->notes, 'S');
    put_str(&r->notes, name);
    put_str(&r->notes, from_dir);
    put_u64(&r->notes, (uint64_t)err);
    put_str(&r->notes, err ? "" : *path);
    note_sound_file(&r->notes, err ? NULL : *path);
    return err;
}

static int rec_set_voice(void *ctx, const char *voice, int speed)
{
    struct recorder *r = ctx;
    return r->inner.set_voice(r->inner.ctx, voice, speed);
}

static int rec_speech(void *ctx, const char *text, int rate, int64_t *frames)
{
    struct recorder *r = ctx;
    return r->inner.speech(r->inner.ctx, text, rate, frames);
}

/* ---- replaying the notes ------------------------------------------------------ */

static bool same_str(struct reader *r, const char *s)
{
    char *c;
    if (!get_str(r, &c))
        return false;
    bool same = !strcmp(c, s ? s : "");
    free(c);
    return same;
}

/* One note: true when the file system still answers the same. */
static bool replay_one(struct reader *r, unsigned char type, const struct compile_env *env)
{
    char *name = NULL, *dir = NULL, *path = NULL, *data = NULL;
    uint64_t err, max, hash, len;
    bool same = false;
    if (type == 'I') {
        if (!get_str(r, &name) || !get_str(r, &dir) || !get_u64(r, &err))
            goto done;
        int now = env->find_include(env->ctx, name, dir, &path);
        same = (uint64_t)now == err && same_str(r, now ? "" : path);
    } else if (type == 'F') {
        if (!get_str(r, &name) || !get_u64(r, &max) || !get_u64(r, &err) ||
            !get_u64(r, &hash) || !get_u64(r, &len))
            goto done;
        size_t n = 0;
        int now = env->read_file(env->ctx, name, (size_t)max, &data, &n);
        same = (uint64_t)now == err &&
               (now || (n == len && XXH3_64bits(data, n) == hash));
    } else if (type == 'S') {
        if (!get_str(r, &name) || !get_str(r, &dir) || !get_u64(r, &err))
            goto done;
        int now = paths_find_sound(name, dir, &path);
        if ((uint64_t)now != err || !same_str(r, now ? "" : path))
            goto done;
        struct strbuf b = {0};
        note_sound_file(&b, now ? NULL : path);
        same = !b.failed && r->len - r->at >= b.len && !memcmp(r->p + r->at, b.s, b.len);
        r->at += same ? b.len : 0;
        free(b.s);
    }
done:
    free(name);
    free(dir);
    free(path);
    free(data);
    return same;
}

/* Asking ahead changes nothing the summary depends on (the real layout
 * still measures every text through rec_speech()), so it is passed on
 * unrecorded. */
static int rec_prefetch(void *ctx, const char *text, int rate, int64_t *frames)
{
    struct recorder *r = ctx;
    return r->inner.prefetch(r->inner.ctx, text, rate, frames);
}

static void rec_prefetch_end(void *ctx)
{
    struct recorder *r = ctx;
    r->inner.prefetch_end(r->inner.ctx);
}

/* The summary in `data` if every note still holds: true and *out. */
static bool replay(const void *data, size_t len, struct session_summary *out)
{
    struct compile_env env;
    compile_env_default(&env, NULL); /* file lookups only: no voice needed */
    struct reader r = {data, len, 0};
    unsigned char type;
    while (get(&r, &type, 1)) {
        if (type == 'R') {
            unsigned char valid;
            uint64_t duration, rate;
            char *title = NULL, *about = NULL;
            if (!get(&r, &valid, 1) || !get_str(&r, &title) || !get_str(&r, &about) ||
                !get_u64(&r, &duration) || !get_u64(&r, &rate) || r.at != r.len || rate == 0 ||
                rate > 1000000) {
                free(title);
                free(about);
                return false;
            }
            out->valid = valid;
            out->title = valid ? title : (free(title), NULL);
            out->about = valid ? about : (free(about), NULL);
            out->duration = (int64_t)duration;
            out->rate = (int)rate;
            return true;
        }
        if (!replay_one(&r, type, &env))
            return false;
    }
    return false;
}

/* ---- the cache key and the public functions --------------------------------- */

/* What the summary of a session depends on besides the session and the
 * options: the program itself.  A summary is the compiler's answer, and a
 * new build may answer differently (another default voice or speed, a
 * change to the layout) without any option changing, so the key names
 * this build: its version, its default voice and speed, and the size and
 * modification time of the running executable.  A rebuilt or upgraded
 * program therefore never shows a length its predecessor worked out. */
static void program_build_stamp(char *out, size_t size)
{
    struct stat st;
    memset(&st, 0, sizeof st);
    stat("/proc/self/exe", &st);
    snprintf(out, size, "asanavox %s|%s|%d|%lld|%lld.%09ld", ASANAVOX_VERSION, VOICE_DEFAULT,
             VOICE_DEFAULT_SPEED, (long long)st.st_size, (long long)st.st_mtim.tv_sec,
             st.st_mtim.tv_nsec);
}

static char *summary_key(const struct summary_ctx *ctx, const char *path,
                         const struct compile_options *o, size_t *len)
{
    struct strbuf b = {0};
    char opts[512];
    /* Every option that changes the compiled session (compile.h); the
     * voice name and the --skip names go in as strings of their own. */
    snprintf(opts, sizeof opts, "%d|%d|%d|%d|%a|%a|%a|%a|%lld|%zu", o->rate, o->speed, o->prompts,
             o->has_pace, o->pace[0], o->pace[1], o->pace[2], o->pace[3], (long long)o->length_ms,
             o->n_skip);
    put_str(&b, "summary-v3");
    put_str(&b, ctx->stamp);
    put_str(&b, ctx->build);
    put_str(&b, path);
    put_str(&b, opts);
    put_str(&b, o->voice);
    for (size_t i = 0; i < o->n_skip; i++)
        put_str(&b, o->skip[i]);
    if (b.failed) {
        free(b.s);
        return NULL;
    }
    *len = b.len;
    return b.s;
}

void summary_ctx_init(struct summary_ctx *ctx, struct voice *voice)
{
    memset(ctx, 0, sizeof(*ctx));
    ctx->voice = voice;
    char *dir = NULL;
    if (!cli_use_cache || cli_cache_dir("list", &dir))
        return;
    ctx->stamp = voice_engine_stamp();
    program_build_stamp(ctx->build, sizeof ctx->build);
    if (!ctx->stamp || filecache_open(dir, FILECACHE_DEFAULT_MAX / 16, &ctx->cache)) {
        free(ctx->stamp);
        ctx->stamp = NULL;
        ctx->cache = NULL;
    }
    free(dir);
}

void summary_ctx_deinit(struct summary_ctx *ctx)
{
    filecache_close(ctx->cache);
    free(ctx->stamp);
    memset(ctx, 0, sizeof(*ctx));
}

void session_summary_deinit(struct session_summary *s)
{
    free(s->title);
    free(s->about);
    memset(s, 0, sizeof(*s));
}

int session_summary(struct summary_ctx *ctx, const char *path, const struct compile_options *o,
                    struct session_summary *out)
{
    memset(out, 0, sizeof(*out));
    char *key = NULL;
    size_t klen = 0;
    if (ctx->cache) {
        key = summary_key(ctx, path, o, &klen);
        if (!key)
            return AV_ENOMEM;
        void *data;
        size_t len;
        if (filecache_get(ctx->cache, key, klen, &data, &len) == AV_OK) {
            bool hit = replay(data, len, out);
            free(data);
            if (hit) {
                free(key);
                return AV_OK;
            }
            session_summary_deinit(out);
        }
    }
    struct recorder rec = {.notes = {0}};
    compile_env_default(&rec.inner, ctx->voice); /* rec.inner.ctx points into rec */
    struct compile_env env = {
        .ctx = &rec,
        .find_include = rec_find_include,
        .read_file = rec_read_file,
        .sound = rec_sound,
        .set_voice = rec_set_voice,
        .speech = rec_speech,
        .prefetch = rec_prefetch,
        .prefetch_end = rec_prefetch_end,
    };
    struct diag *d = diag_create();
    struct timeline *tl = NULL;
    int err = d ? compile_session(path, o, &env, d, &tl) : AV_ENOMEM;
    diag_destroy(d);
    if (err == AV_ENOMEM || err == AV_EINTERRUPTED) {
        timeline_destroy(tl);
        free(rec.notes.s);
        free(key);
        return err;
    }
    if (!err) {
        out->title = strdup(tl->title);
        out->about = strdup(tl->about ? tl->about : "");
        out->duration = tl->duration;
        out->rate = tl->rate;
        out->valid = true;
        if (!out->title || !out->about) {
            timeline_destroy(tl);
            session_summary_deinit(out);
            free(rec.notes.s);
            free(key);
            return AV_ENOMEM;
        }
    } else {
        out->rate = o->rate;
    }
    timeline_destroy(tl);
    /* Only a definite answer is kept: a session that compiled, or one
     * with errors in it.  A failing disk or voice is not remembered. */
    if (key && (err == AV_OK || err == AV_ESYNTAX)) {
        struct strbuf *b = &rec.notes;
        put_u8(b, 'R');
        put_u8(b, out->valid);
        put_str(b, out->title);
        put_str(b, out->about);
        put_u64(b, (uint64_t)out->duration);
        put_u64(b, (uint64_t)(out->rate > 0 ? out->rate : 48000));
        if (!b->failed)
            filecache_put(ctx->cache, key, klen, b->s, b->len);
    }
    free(rec.notes.s);
    free(key);
    return AV_OK;
}
