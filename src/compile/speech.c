/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * speech.c — what the compiler says: the intern table of spoken texts and
 * their measured lengths, the sounds it looks up, and building the text of
 * a cue (placeholders, titles, sentence ends) for the layout.
 */
#include "compile_internal.h"

/* --- the intern table ------------------------------------------------------ */

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static struct interned *lookup(struct compiler *c, const char *text)
{
    if (!c->cap_texts)
        return NULL;
    size_t k = hash_str(text) & (c->cap_texts - 1);
    while (c->texts[k].text) {
        if (!strcmp(c->texts[k].text, text))
            return &c->texts[k];
        k = (k + 1) & (c->cap_texts - 1);
    }
    return &c->texts[k]; /* the empty slot where it would go */
}

/* The entry for `text`, added when new.  Adding may move the table, so a
 * returned pointer is good only until the next call that adds a text; the
 * `text` string itself lives as long as the timeline. */
struct interned *compiler_intern(struct compiler *c, const char *text)
{
    struct interned *slot = lookup(c, text);
    if (slot && slot->text)
        return slot;
    if (c->n_texts * 2 >= c->cap_texts) {
        size_t cap = c->cap_texts ? c->cap_texts * 2 : 256;
        struct interned *t = calloc(cap, sizeof(*t));
        if (!t) {
            fail(c, AV_ENOMEM);
            return NULL;
        }
        for (size_t i = 0; i < c->cap_texts; i++) {
            if (!c->texts[i].text)
                continue;
            size_t k = hash_str(c->texts[i].text) & (cap - 1);
            while (t[k].text)
                k = (k + 1) & (cap - 1);
            t[k] = c->texts[i];
        }
        free(c->texts);
        c->texts = t;
        c->cap_texts = cap;
        slot = lookup(c, text);
    }
    const char *copy = arena_strdup(c->tl->arena, text);
    if (!copy) {
        fail(c, AV_ENOMEM);
        return NULL;
    }
    slot->text = copy;
    slot->frames = -1;
    c->n_texts++;
    return slot;
}

/* Intern and measure `text`; NULL on a fatal error (already recorded). */
struct interned *compiler_speech(struct compiler *c, const char *text)
{
    if (stopped(c))
        return NULL;
    struct interned *t = compiler_intern(c, text);
    if (!t || t->frames >= 0)
        return t;
    /* Budgets: checked before synthesis (text) and after it (time), so
     * that no text is synthesized once a budget is passed. */
    size_t len = strlen(text);
    if (c->over_budget)
        return NULL;
    if (len > SESSION_MAX_SPEECH_CHARS - c->speech_chars) {
        over_budget(c, c->at,
                    "the session's distinct spoken text passes %d bytes here (this text is %zu)",
                    SESSION_MAX_SPEECH_CHARS, len);
        return NULL;
    }
    c->speech_chars += len;
    int64_t frames = 0;
    int err;
    if (c->guessing) {
        /* Only asked ahead: a failure to ask is no error of the session
         * (the real layout will say what it is). */
        err = c->env->prefetch(c->env->ctx, t->text, c->rate, &frames);
        if (err != AV_ENOMEM && err != AV_EINTERRUPTED)
            err = AV_OK;
    } else {
        err = c->env->speech(c->env->ctx, t->text, c->rate, &frames);
    }
    int64_t clip_max = SESSION_MAX_CLIP_MS * c->rate / 1000;
    if (err == AV_ELIMIT || (!err && frames > clip_max)) {
        over_budget(c, c->at, "this text takes more than %lld minutes to say",
                    (long long)(SESSION_MAX_CLIP_MS / 60000));
        return NULL;
    }
    if (err == AV_EINTERRUPTED) {
        fail(c, err);
        return NULL;
    }
    if (err) {
        diag_error(c->d, NULL, "speech synthesis failed for \"%.60s\": %s", t->text, av_strerror(err));
        fail(c, err);
        return NULL;
    }
    c->speech_frames += frames;
    if (c->speech_frames > SESSION_MAX_SPEECH_MS * c->rate / 1000) {
        over_budget(c, c->at, "the session's distinct spoken text passes %lld minutes here",
                    (long long)(SESSION_MAX_SPEECH_MS / 60000));
        return NULL;
    }
    t->frames = frames;
    return t;
}

/* Resolve and measure a sound name for a file in `dir`; reports a missing
 * sound at `pos`.  NULL when it cannot be used. */
const struct sound_ref *compiler_sound(struct compiler *c, const char *name, const char *dir,
                                       const struct src_pos *pos)
{
    for (size_t i = 0; i < c->n_sounds; i++)
        if (!strcmp(c->sounds[i].name, name) && !strcmp(c->sounds[i].dir, dir))
            return c->sounds[i].path ? &c->sounds[i] : NULL;
    if (c->n_sounds == c->cap_sounds) {
        size_t cap = c->cap_sounds ? c->cap_sounds * 2 : 16;
        struct sound_ref *s = realloc(c->sounds, cap * sizeof(*s));
        if (!s) {
            fail(c, AV_ENOMEM);
            return NULL;
        }
        c->sounds = s;
        c->cap_sounds = cap;
    }
    struct sound_ref *r = &c->sounds[c->n_sounds];
    r->name = arena_strdup(c->tl->arena, name);
    r->dir = arena_strdup(c->tl->arena, dir);
    r->path = NULL;
    r->frames = 0;
    if (!r->name || !r->dir) {
        fail(c, AV_ENOMEM);
        return NULL;
    }
    c->n_sounds++;
    char *path = NULL;
    int64_t frames = 0;
    int err = c->env->sound(c->env->ctx, name, dir, c->rate, &path, &frames);
    if (err == AV_ENOMEM) {
        fail(c, err);
        return NULL;
    }
    if (err) {
        if (err == AV_ENOENT)
            diag_error(c->d, pos, "no sound named '%s' (looked for %s.wav next to the session and in sounds/)",
                       name, name);
        else
            diag_error(c->d, pos, "sound '%s' cannot be read: %s", name, av_strerror(err));
        free(path);
        return NULL;
    }
    r->path = arena_strdup(c->tl->arena, path);
    free(path);
    if (!r->path) {
        fail(c, AV_ENOMEM);
        return NULL;
    }
    r->frames = frames;
    return r;
}

/* --- layout: text building --------------------------------------------------- */

/* Drop a space left before punctuation when a placeholder had nothing to
 * put in: say "Lie still." rather than "Lie  still." or "Lie .". */
static void squeeze_space(struct compiler *c, const char *next)
{
    if (c->sb.len > 0 && c->sb.s[c->sb.len - 1] == ' ' && strchr(" .,;:!?", *next))
        c->sb.s[--c->sb.len] = '\0';
}

/* Append `text` to c->sb with {side}, {round} and {rounds} filled in from
 * `in` (which may be NULL); warns at `pos` when there is nothing to put in. */
void compiler_put_cue_text(struct compiler *c, const char *text, const struct inst *in,
                           const struct src_pos *pos)
{
    enum tl_side side = in ? in->side : TL_SIDE_NONE;
    const char *p = text;
    for (;;) {
        const char *m = strchr(p, '{');
        if (!m) {
            strbuf_puts(&c->sb, p);
            return;
        }
        strbuf_append(&c->sb, p, (size_t)(m - p));
        if (!strncmp(m, "{side}", 6)) {
            p = m + 6;
            if (side != TL_SIDE_NONE) {
                strbuf_puts(&c->sb, c->phrase[side == TL_SIDE_LEFT ? PHRASE_LEFT : PHRASE_RIGHT]);
                continue;
            }
            if (first_warning(c, pos))
                diag_warning(c->d, pos, "'{side}' is only filled in for a pose with ', each side', "
                                        "', left' or ', right'");
            squeeze_space(c, p);
        } else if (!strncmp(m, "{round}", 7) || !strncmp(m, "{rounds}", 8)) {
            bool all = m[6] == 's';
            p = m + (all ? 8 : 7);
            if (in && in->rounds > 0) {
                strbuf_printf(&c->sb, "%d", all ? in->rounds : in->round);
                continue;
            }
            if (first_warning(c, (const char *)pos + 1))
                diag_warning(c->d, pos, "'{round}' and '{rounds}' are only filled in inside a flow "
                                        "or a repeat");
            squeeze_space(c, p);
        } else {
            strbuf_putc(&c->sb, '{');
            p = m + 1;
        }
    }
}

static bool ends_sentence(const char *s)
{
    return phrase_ends_sentence(s, strlen(s));
}

/* "Name, left side" (the side in the session's language). */
void compiler_put_pose_title(struct compiler *c, const struct inst *in)
{
    const char *name = in->n->text;
    size_t n = strlen(name);
    if (in->side != TL_SIDE_NONE && n > 0 && strchr(".!?", name[n - 1]))
        n--;
    strbuf_append(&c->sb, name, n);
    if (in->side != TL_SIDE_NONE) {
        strbuf_puts(&c->sb, ", ");
        strbuf_puts(&c->sb, c->phrase[in->side == TL_SIDE_LEFT ? PHRASE_LEFT_SIDE : PHRASE_RIGHT_SIDE]);
    }
}

void compiler_put_sentence_end(struct compiler *c)
{
    if (!ends_sentence(strbuf_str(&c->sb)))
        strbuf_putc(&c->sb, '.');
}

const struct cue *compiler_find_cue(const struct node *n, enum cue_kind kind)
{
    for (const struct cue *q = n->cues; q; q = q->next)
        if (q->kind == kind)
            return q;
    return NULL;
}

/* `prefix` (a phrase said first) then the text of cue `q` with its
 * placeholders filled in, or `dflt` (a phrase, which a session may have
 * given a {side} too) when q is NULL.  Returns an interned, measured text,
 * or NULL on a fatal error. */
struct interned *compiler_text_of(struct compiler *c, const struct inst *in, const struct cue *q,
                                  const char *prefix, const char *dflt)
{
    strbuf_clear(&c->sb);
    if (prefix) {
        strbuf_puts(&c->sb, prefix);
        strbuf_putc(&c->sb, ' ');
    }
    if (q)
        compiler_put_cue_text(c, q->text, in, &q->pos);
    else
        compiler_put_cue_text(c, dflt, in, &in->n->pos);
    if (strbuf_failed(&c->sb)) {
        fail(c, AV_ENOMEM);
        return NULL;
    }
    return compiler_speech(c, strbuf_str(&c->sb));
}
