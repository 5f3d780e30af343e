/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cues.c — the layout of timed cues (at, left, every, countdown, halfway,
 * end) inside a hold: where each falls, what it says or rings, and the
 * warnings when one does not fit.
 */
#include "compile_internal.h"

/* --- layout: timed cues ---------------------------------------------------------- */

static bool place(struct compiler *c, struct placed **v, size_t *n, size_t *cap,
                  struct placed p)
{
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        struct placed *w = realloc(*v, nc * sizeof(*w));
        if (!w)
            return fail(c, AV_ENOMEM);
        *v = w;
        *cap = nc;
    }
    (*v)[(*n)++] = p;
    return true;
}

/* What a timed cue says or rings, at `start`: fills `p`.  false on a fatal
 * error; a missing sound leaves p->bell NULL (reported). */
bool compiler_cue_content(struct compiler *c, const struct inst *in, const struct cue *q,
                          const char *text, struct placed *p)
{
    p->q = q;
    p->text = NULL;
    p->bell = NULL;
    p->end = p->start;
    if (q->bell) {
        const char *name = q->sound ? q->sound : c->bell;
        if (!name)
            return true; /* `bell: none` */
        p->bell = compiler_sound(c, name, q->sound ? in->s->dir : c->top->dir, &q->pos);
        return p->bell || !c->err;
    }
    struct interned *t = text ? compiler_speech(c, text) : compiler_text_of(c, in, q, NULL, "");
    if (!t)
        return false;
    p->text = t->text;
    p->end = p->start + t->frames;
    return true;
}

static void cue_outside(struct compiler *c, const struct cue *q, int64_t hold)
{
    if (!first_warning(c, (const char *)q + 2))
        return;
    char len[32];
    format_clock(hold * 1000 / c->rate, len, sizeof len);
    /* With --length the teacher did not write it wrong: the cue is left out. */
    diag_add(c->d, c->scale == 1.0 ? DIAG_ERROR : DIAG_WARNING, &q->line_pos,
             "this cue falls outside its step, which lasts %s%s", len,
             c->scale == 1.0 ? "" : " with --length; it is left out");
}

/* The timed cues of the step of `in` (at, left, every, countdown, and
 * halfway when `halfway` is set), inside [hs, he).  A cue outside, or two
 * whose times overlap, is an error at the cue's line. */
bool compiler_timed_cues(struct compiler *c, const struct inst *in, int64_t hs, int64_t he,
                         bool halfway)
{
    const struct node *n = in->n;
    int64_t hold = he - hs;
    struct placed *v = NULL;
    size_t nv = 0, cap = 0;
    bool ok = true;
    for (const struct cue *q = n->cues; q && ok; q = q->next) {
        struct placed p = {0};
        switch (q->kind) {
        case CUE_AT:
        case CUE_LEFT: {
            int64_t off = ms_to_frames(c, q->ms);
            if (q->kind == CUE_AT ? off >= hold : off > hold) {
                cue_outside(c, q, hold);
                break;
            }
            p.start = q->kind == CUE_AT ? hs + off : he - off;
            ok = compiler_cue_content(c, in, q, NULL, &p) && place(c, &v, &nv, &cap, p);
            break;
        }
        case CUE_EVERY: {
            int64_t every = ms_to_frames(c, q->ms);
            if (every <= 0 || every >= hold) {
                cue_outside(c, q, hold);
                break;
            }
            if (hold / every > TIMED_CUE_MAX_REPEATS) {
                if (first_warning(c, (const char *)q + 3))
                    diag_error(c->d, &q->line_pos, "this cue would sound more than %d times",
                               TIMED_CUE_MAX_REPEATS);
                break;
            }
            for (int64_t t = hs + every; t < he && ok; t += every) {
                p.start = t;
                ok = compiler_cue_content(c, in, q, NULL, &p) && place(c, &v, &nv, &cap, p);
            }
            break;
        }
        case CUE_COUNTDOWN:
            if ((int64_t)q->count * c->rate > hold) {
                cue_outside(c, q, hold);
                break;
            }
            for (int32_t k = q->count; k >= 1 && ok; k--) {
                p.start = he - (int64_t)k * c->rate;
                ok = compiler_cue_content(c, in, q, c->phrase[PHRASE_COUNT_1 + k - 1], &p) &&
                     place(c, &v, &nv, &cap, p);
            }
            break;
        case CUE_HALFWAY:
            if (!halfway)
                break;
            p.start = hs + hold / 2;
            ok = compiler_cue_content(c, in, q, NULL, &p) && place(c, &v, &nv, &cap, p);
            if (ok && p.text)
                compiler_warn_long(c, q, &q->pos, "the halfway cue", p.end - p.start,
                                   hold - hold / 2);
            break;
        default:
            break;
        }
    }
    /* In time order (stable: a cue's own repeats stay in order). */
    for (size_t i = 1; i < nv; i++) {
        struct placed x = v[i];
        size_t j = i;
        while (j > 0 && v[j - 1].start > x.start) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
    /* `prev` is the cue still sounding latest: a long cue can overlap
     * several that follow it. */
    const struct placed *prev = NULL;
    for (size_t i = 0; ok && i < nv; i++) {
        const struct placed *p = &v[i];
        if (prev) {
            bool clash = p->start < prev->end || p->start == prev->start;
            if (clash && prev->q != p->q && first_warning(c, (const char *)p->q + 4)) {
                char at[32];
                format_clock((p->start - hs) * 1000 / c->rate, at, sizeof at);
                diag_add(c->d, c->scale == 1.0 ? DIAG_ERROR : DIAG_WARNING, &p->q->line_pos,
                           "this cue collides with the cue on line %d (%s into the step)",
                           prev->q->pos.line, at);
            } else if (clash && prev->q == p->q) {
                compiler_warn_long(c, (const char *)p->q + 5, &p->q->pos, "this cue",
                                   prev->end - prev->start, p->start - prev->start);
            }
        }
        if (!prev || p->end > prev->end || p->start == prev->start)
            prev = p;
        if (p->q->kind != CUE_HALFWAY && p->text)
            compiler_warn_long(c, (const char *)p->q + 5, &p->q->pos, "this cue",
                               p->end - p->start, he - p->start);
        if (!p->bell && !p->text)
            continue; /* `bell: none`, or a sound that is missing (reported) */
        struct tl_event *e = p->bell ? compiler_ring_at(c, p->bell, p->start)
                                     : compiler_add_event(c, TL_SPEECH, p->start, p->end);
        if (!e) {
            ok = false;
            break;
        }
        if (!p->bell)
            e->text = p->text;
    }
    free(v);
    return ok && !c->err;
}
