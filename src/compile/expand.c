/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * expand.c — the expansion phase: walking the session tree into the flat
 * array of instances, splicing in includes (each read and parsed once),
 * unrolling repeats, doubling `each side` poses and leaving out --skip
 * steps, all within the expansion and include budgets.
 */
#include "compile_internal.h"

#include "asanavox/safefile.h"

/* --- expansion ------------------------------------------------------------- */

static bool add_inst(struct compiler *c, const struct node *n, const struct session *s,
                     enum tl_side side, bool second, int32_t round, int32_t rounds)
{
    if (c->n_insts >= SESSION_MAX_STEPS) {
        if (!c->too_many)
            diag_error(c->d, &n->pos, "the session has more than %d steps once repeats are expanded",
                       SESSION_MAX_STEPS);
        c->too_many = true;
        return false;
    }
    if (c->n_insts == c->cap_insts) {
        size_t cap = c->cap_insts ? c->cap_insts * 2 : 64;
        struct inst *v = realloc(c->insts, cap * sizeof(*v));
        if (!v)
            return fail(c, AV_ENOMEM);
        c->insts = v;
        c->cap_insts = cap;
    }
    c->insts[c->n_insts++] = (struct inst){
        .n = n, .s = s, .side = side, .second_side = second, .round = round, .rounds = rounds};
    return true;
}

bool compiler_keep_session(struct compiler *c, struct session *s)
{
    if (c->n_sessions == c->cap_sessions) {
        size_t cap = c->cap_sessions ? c->cap_sessions * 2 : 4;
        struct session **v = realloc(c->sessions, cap * sizeof(*v));
        if (!v) {
            session_destroy(s);
            return fail(c, AV_ENOMEM);
        }
        c->sessions = v;
        c->cap_sessions = cap;
    }
    c->sessions[c->n_sessions++] = s;
    return true;
}

/* A canonical name for cycle detection: realpath when the file exists. */
char *compiler_canonical(const char *path)
{
    char *r = realpath(path, NULL);
    return r ? r : strdup(path);
}

/* One unit of expansion work at `n`: false (with an error at n) when the
 * budget is spent.  Polls opts->stop every 4096 units. */
static bool spend(struct compiler *c, const struct node *n)
{
    if (++c->work > SESSION_MAX_EXPANSION)
        return over_budget(c, &n->pos,
                           "the session expands to more than %d steps and repeat passes "
                           "(an empty repeat counts too)",
                           SESSION_MAX_EXPANSION);
    if (!(c->work & 4095) && stopped(c))
        return false;
    return true;
}

static size_t hash_ptr(const void *p, size_t cap)
{
    uint64_t h = (uint64_t)(uintptr_t)p * 0x9E3779B97F4A7C15ULL;
    return (size_t)(h >> 32) & (cap - 1);
}

/* The slot for include node `n` in c->refs (empty when not resolved yet). */
static struct inc_ref *ref_slot(struct compiler *c, const struct node *n)
{
    size_t k = hash_ptr(n, c->cap_refs);
    while (c->refs[k].n && c->refs[k].n != n)
        k = (k + 1) & (c->cap_refs - 1);
    return &c->refs[k];
}

/* Remember that include node `n` means file `idx` (-1: unusable). */
static bool remember_ref(struct compiler *c, const struct node *n, int idx)
{
    if ((c->n_refs + 1) * 2 > c->cap_refs) {
        size_t cap = c->cap_refs ? c->cap_refs * 2 : 64;
        struct inc_ref *old = c->refs;
        size_t old_cap = c->cap_refs;
        c->refs = calloc(cap, sizeof(*c->refs));
        if (!c->refs) {
            c->refs = old;
            return fail(c, AV_ENOMEM);
        }
        c->cap_refs = cap;
        for (size_t i = 0; i < old_cap; i++)
            if (old[i].n)
                *ref_slot(c, old[i].n) = old[i];
        free(old);
    }
    *ref_slot(c, n) = (struct inc_ref){.n = n, .idx = idx};
    c->n_refs++;
    return true;
}

/* Find, read and parse the file `include` node `n` names, once: returns
 * its index in c->incs, -1 when it cannot be included (reported), or -2
 * on a fatal error or a passed budget. */
static int load_include(struct compiler *c, const struct node *n, const struct session *s)
{
    char *path = NULL;
    int err = c->env->find_include(c->env->ctx, n->text, s->dir, &path);
    if (err == AV_ENOMEM)
        return fail(c, err), -2;
    if (err == AV_ELINK) {
        diag_error(c->d, &n->text_pos,
                   "cannot include '%s': it is a symbolic link that leads outside its directory",
                   n->text);
        return -1;
    }
    if (err == AV_ENOTREG) {
        /* The same words as for a session named on the command line
         * (cli_common.c): "a FIFO", "a directory", "a character device"... */
        const char *kind = path ? safefile_kind(path) : NULL;
        if (kind)
            diag_error(c->d, &n->text_pos, "cannot include '%s': it is %s, not a session file",
                       n->text, kind);
        else
            diag_error(c->d, &n->text_pos, "cannot include '%s': it is not a regular file",
                       n->text);
        free(path);
        return -1;
    }
    if (err) {
        diag_error(c->d, &n->text_pos,
                   "no session named '%s' to include (looked next to this file and on the session path)",
                   n->text);
        return -1;
    }
    char *key = compiler_canonical(path);
    if (!key) {
        free(path);
        return fail(c, AV_ENOMEM), -2;
    }
    /* The same file under another name or from another directory. */
    for (size_t i = 0; i < c->n_incs; i++) {
        if (!strcmp(c->incs[i].key, key)) {
            free(key);
            free(path);
            return (int)i;
        }
    }
    if (c->n_incs >= SESSION_MAX_FILES) {
        free(key);
        free(path);
        over_budget(c, &n->text_pos, "the session includes more than %d different files",
                    SESSION_MAX_FILES);
        return -2;
    }
    if (c->n_incs == c->cap_incs) {
        size_t cap = c->cap_incs ? c->cap_incs * 2 : 8;
        struct inc_file *v = realloc(c->incs, cap * sizeof(*v));
        if (!v) {
            free(key);
            free(path);
            return fail(c, AV_ENOMEM), -2;
        }
        c->incs = v;
        c->cap_incs = cap;
    }
    int idx = (int)c->n_incs++;
    c->incs[idx] = (struct inc_file){.key = key, .s = NULL};

    char *data = NULL;
    size_t len = 0;
    size_t room = SESSION_MAX_TOTAL_BYTES - c->bytes_read;
    size_t max = room < SESSION_MAX_FILE_BYTES ? room : SESSION_MAX_FILE_BYTES;
    err = c->env->read_file(c->env->ctx, path, max, &data, &len);
    if (err == AV_ENOMEM) {
        free(path);
        return fail(c, err), -2;
    }
    if (err == AV_ELIMIT && max < SESSION_MAX_FILE_BYTES) {
        free(path);
        over_budget(c, &n->text_pos, "the session and the files it includes pass %d MiB here",
                    SESSION_MAX_TOTAL_BYTES >> 20);
        return -2;
    }
    if (err) {
        diag_error(c->d, &n->text_pos, "cannot include '%s' (%s): %s", n->text, path,
                   err == AV_ELIMIT ? "file is larger than 1 MiB" : av_strerror(err));
        free(path);
        return idx;
    }
    c->bytes_read += len;
    struct session *inc = NULL;
    err = session_parse(path, data, len, c->d, &inc);
    free(data);
    free(path);
    if (err)
        return fail(c, err), -2;
    if (!compiler_keep_session(c, inc))
        return -2;
    /* A file with errors is still expanded (its bad steps are left out),
     * so that one `check` reports every problem. */
    c->incs[idx].s = inc;
    return idx;
}

static bool expand_include(struct compiler *c, const struct node *n, const struct session *s,
                           int32_t round, int32_t rounds)
{
    struct inc_ref *r = c->cap_refs ? ref_slot(c, n) : NULL;
    int idx;
    if (r && r->n) {
        idx = r->idx;
    } else {
        idx = load_include(c, n, s);
        if (idx == -2)
            return false;
        if (!remember_ref(c, n, idx))
            return false;
    }
    if (idx < 0 || !c->incs[idx].s)
        return true; /* reported when it was first met */
    const char *key = c->incs[idx].key;
    for (int k = 0; k < c->inc_depth; k++) {
        if (!strcmp(c->inc_stack[k], key)) {
            struct strbuf chain;
            strbuf_init(&chain);
            for (int j = k; j < c->inc_depth; j++)
                strbuf_printf(&chain, "%s → ", c->inc_names[j]);
            strbuf_puts(&chain, n->text);
            diag_error(c->d, &n->text_pos, "include cycle: %s", strbuf_str(&chain));
            strbuf_deinit(&chain);
            return true;
        }
    }
    if (c->inc_depth > SESSION_MAX_INCLUDE_DEPTH) {
        diag_error(c->d, &n->text_pos, "includes nest more than %d deep", SESSION_MAX_INCLUDE_DEPTH);
        return true;
    }
    const struct session *inc = c->incs[idx].s;
    c->inc_stack[c->inc_depth] = key;
    c->inc_names[c->inc_depth] = n->text;
    c->inc_depth++;
    bool ok = compiler_expand_list(c, inc->steps, inc, round, rounds);
    c->inc_depth--;
    return ok;
}

/* Whether --skip leaves out step `n` (a pose, flow or breathe step). */
static bool skipped(struct compiler *c, const struct node *n)
{
    bool hit = false;
    for (size_t k = 0; k < c->o->n_skip && k < COMPILE_MAX_SKIP; k++) {
        if (n->text && !strcasecmp(n->text, c->o->skip[k])) {
            c->skip_used |= 1ull << k;
            hit = true;
        }
    }
    if (hit) {
        c->skip_rest = true;
        c->rest_before = c->n_insts > 0 && c->insts[c->n_insts - 1].n->kind == NODE_REST ? c->n_insts : 0;
    } else {
        c->skip_rest = false;
    }
    return hit;
}

/* Expand the list from `n` into c->insts.  `round` of `rounds` is the
 * iteration of the innermost repeat ({round} in cue text).  Steps whose
 * line had an error are left out; everything else is expanded so that
 * later phases can report their own errors too. */
bool compiler_expand_list(struct compiler *c, const struct node *n, const struct session *s,
                          int32_t round, int32_t rounds)
{
    for (; n; n = n->next) {
        if (c->err || c->too_many || c->over_budget || diag_full(c->d))
            return false;
        if (!spend(c, n))
            return false;
        if (n->bad)
            continue;
        switch (n->kind) {
        case NODE_REPEAT:
            /* Every pass costs work (spend()), so repeats nested around
             * nothing — an empty body, or lines that all had errors —
             * end at the expansion budget, not after count^depth passes. */
            for (int32_t k = 0; k < n->count; k++)
                if ((k && !spend(c, n)) || !compiler_expand_list(c, n->body, s, k + 1, n->count))
                    return false;
            break;
        case NODE_INCLUDE:
            if (!expand_include(c, n, s, round, rounds))
                return false;
            break;
        case NODE_POSE:
        case NODE_FLOW:
        case NODE_BREATHE:
            if (skipped(c, n))
                break;
            if (n->sides == (SIDE_LEFT | SIDE_RIGHT)) {
                if (!add_inst(c, n, s, TL_SIDE_LEFT, false, round, rounds) ||
                    !add_inst(c, n, s, TL_SIDE_RIGHT, true, round, rounds))
                    return false;
            } else if (!add_inst(c, n, s,
                                 n->sides == SIDE_LEFT    ? TL_SIDE_LEFT
                                 : n->sides == SIDE_RIGHT ? TL_SIDE_RIGHT
                                                          : TL_SIDE_NONE,
                                 false, round, rounds)) {
                return false;
            }
            break;
        default:
            if (n->kind == NODE_REST && c->skip_rest) {
                /* The rest after a skipped step goes with it. */
                c->skip_rest = false;
                c->rest_before = 0;
                break;
            }
            if (!add_inst(c, n, s, TL_SIDE_NONE, false, round, rounds))
                return false;
            break;
        }
    }
    return true;
}

/* After expansion: a skipped step at the very end takes the rest before it
 * along (that rest would lead nowhere); names --skip did not find are
 * errors. */
void compiler_finish_skips(struct compiler *c)
{
    if (c->skip_rest && c->rest_before == c->n_insts && c->n_insts > 0)
        c->n_insts--;
    for (size_t k = 0; k < c->o->n_skip && k < COMPILE_MAX_SKIP; k++)
        if (!(c->skip_used & (1ull << k)))
            diag_error(c->d, NULL, "--skip '%s': the session has no pose, flow or breathe step of that name",
                       c->o->skip[k]);
}
