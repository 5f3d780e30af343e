/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * parse_cue.c — the cue lines under a step: their head (a cue word, a timed
 * form such as `at 1:00:` or `every 5 min:`, or a flow's `hold 5 breaths:`),
 * their {placeholders} and their text or bell.
 */
#include "parse_internal.h"

#include <strings.h>

const char *const parse_cue_names[] = {"inhale", "hold", "exhale", "up",
                                        "down", "halfway", "end", NULL};
static const enum cue_kind cue_kinds[] = {CUE_INHALE, CUE_HOLD, CUE_EXHALE, CUE_UP,
                                          CUE_DOWN, CUE_HALFWAY, CUE_END};
/* The placeholders cue text may use; any other {word} is an error. */
static const char *const placeholders[] = {"side", "round", "rounds", NULL};

/* Check the {placeholders} in text t[b..e): each must be known.  Reports
 * the first unknown one with a suggestion; returns false then. */
bool parse_check_placeholders(struct parser *p, const struct line *l, size_t b, size_t e)
{
    const char *t = l->text;
    for (size_t i = b; i < e; i++) {
        if (t[i] != '{')
            continue;
        size_t j = i + 1;
        while (j < e && (isalpha((unsigned char)t[j]) || t[j] == '_'))
            j++;
        if (j == e || t[j] != '}' || j == i + 1)
            continue; /* not a placeholder: a lone brace is spoken as it is */
        if (find_word(placeholders, t, i + 1, j) >= 0)
            continue;
        const char *sug = diag_suggest(t + i + 1, j - i - 1, placeholders);
        if (sug)
            ERR(p, l, i, "unknown placeholder '{%.*s}' (did you mean '{%s}'?)", (int)(j - i - 1),
                t + i + 1, sug);
        else
            ERR(p, l, i, "unknown placeholder '{%.*s}': cue text may use {side}, {round} and {rounds}",
                (int)(j - i - 1), t + i + 1);
        return false;
    }
    return true;
}

/* Where the head of a cue line ends: the first ':' followed by a space or
 * the end of the line (so "at 1:00: Soften." splits after "1:00"), or the
 * line's end when there is none. */
static size_t head_end(const struct line *l)
{
    const char *t = l->text;
    for (size_t i = l->begin; i < l->end; i++)
        if (t[i] == ':' && (i + 1 == l->end || is_space(t[i + 1])))
            return i;
    return l->end;
}

static bool starts_with_word_then_digit(const char *t, size_t b, size_t e, const char *w)
{
    size_t n = strlen(w);
    return e - b > n + 1 && !strncmp(t + b, w, n) && is_space(t[b + n]) &&
           isdigit((unsigned char)t[skip_ws(t, b + n, e)]);
}

/* The timed cue forms: "at TIME:", "TIME left:", "every TIME:", "countdown:"
 * and, in a flow, "hold N breaths:".  Returns true when the head at
 * t[b..h) is one of them (then *kind and the cue's numbers are set, or an
 * error was reported and *kind is -1). */
static bool timed_head(struct parser *p, const struct line *l, size_t h, int *kind,
                       struct cue *c)
{
    const char *t = l->text;
    size_t b = l->begin;
    struct duration d;
    if (starts_with_word_then_digit(t, b, h, "at")) {
        *kind = parse_take_duration(p, l, b + 2, h, 1u << DUR_TIME, true, "'at'", &d, NULL)
                    ? CUE_AT
                    : -1;
        c->ms = d.ms;
        return true;
    }
    if (starts_with_word_then_digit(t, b, h, "every")) {
        *kind = parse_take_duration(p, l, b + 5, h, 1u << DUR_TIME, false, "'every'", &d, NULL)
                    ? CUE_EVERY
                    : -1;
        c->ms = d.ms;
        return true;
    }
    if (starts_with_word_then_digit(t, b, h, "hold")) {
        *kind = parse_take_duration(p, l, b + 4, h,
                                    (1u << DUR_BREATHS) | (1u << DUR_TIME) | (1u << DUR_REPS),
                                    false, "a hold in a flow", &d, NULL)
                    ? CUE_FLOW_HOLD
                    : -1;
        if (*kind >= 0 && d.unit != DUR_BREATHS) {
            ERR(p, l, skip_ws(t, b + 4, h), "a hold in a flow counts whole breaths, e.g. 'hold 5 breaths: Stay here.'");
            *kind = -1;
        }
        c->count = d.count;
        return true;
    }
    if (isdigit((unsigned char)t[b]) && h - b > 5 && !strncmp(t + h - 4, "left", 4) &&
        is_space(t[h - 5])) {
        *kind = parse_take_duration(p, l, b, h - 5, 1u << DUR_TIME, false, "'left'", &d, NULL)
                    ? CUE_LEFT
                    : -1;
        c->ms = d.ms;
        return true;
    }
    if (word_is(t, b, h, "countdown")) {
        size_t vb = skip_ws(t, h + 1, l->end);
        long k;
        size_t i = scan_number(t, vb, l->end, &k);
        if (i == vb || i != l->end || k < 1 || k > 10) {
            ERR(p, l, vb, "a countdown counts down from a number from 1 to 10, e.g. 'countdown: 5'");
            *kind = -1;
        } else {
            *kind = CUE_COUNTDOWN;
            c->count = (int32_t)k;
        }
        return true;
    }
    return false;
}

/* A plain line that reads as a timed cue written without the ':' after
 * its time ("at 0:30 Halfway.", "Every 10s, soften."): where the time ends
 * (the longest of its first four words that is a time), or 0 (also when
 * nothing follows the time).  *kw gets "at" or "every", *rest where the
 * words to say start. */
static size_t timed_slip(const char *t, size_t b, size_t e, const char **kw, size_t *rest)
{
    size_t w;
    if (e - b > 3 && !strncasecmp(t + b, "at", 2) && is_space(t[b + 2])) {
        w = 2;
        *kw = "at";
    } else if (e - b > 6 && !strncasecmp(t + b, "every", 5) && is_space(t[b + 5])) {
        w = 5;
        *kw = "every";
    } else {
        return 0;
    }
    size_t tb = skip_ws(t, b + w, e), k = tb, found = 0;
    if (tb == e || !isdigit((unsigned char)t[tb]))
        return 0;
    for (int words = 0; words < 4 && k < e; words++) {
        /* A word ends at a space, a ',' or a ':' that ends the head, as
         * head_end() has it ("0:30" is one word, "30s: Soften." ends). */
        while (k < e && !is_space(t[k]) && t[k] != ',' &&
               !(t[k] == ':' && (k + 1 == e || is_space(t[k + 1]))))
            k++;
        struct duration d;
        char msg[160];
        size_t off;
        if (!duration_parse(t + tb, k - tb, 1u << DUR_TIME, &d, &off, msg, sizeof msg))
            found = k;
        if (k < e && (t[k] == ',' || t[k] == ':'))
            break;
        k = skip_ws(t, k, e);
    }
    if (!found)
        return 0;
    size_t r = found;
    while (r < e && (t[r] == ',' || t[r] == '-' || t[r] == ':' || is_space(t[r])))
        r++;
    *rest = r;
    return r < e ? found : 0;
}

void parse_cue(struct parser *p, const struct line *l)
{
    const char *t = l->text;
    struct node *n = p->block;
    size_t b = l->begin;
    enum cue_kind kind = CUE_PLAIN;
    int which = -1;
    struct cue proto = {0};
    size_t h = head_end(l);
    int timed = -2;
    if (h < l->end && timed_head(p, l, h, &timed, &proto)) {
        if (timed < 0)
            return;
        kind = (enum cue_kind)timed;
        b = skip_ws(t, h + 1, l->end);
    }
    /* "word:" at the start names a cue kind. */
    size_t we = b;
    while (timed == -2 && we < l->end && (isalpha((unsigned char)t[we])))
        we++;
    if (timed == -2 && we < l->end && t[we] == ':' && we > b) {
        which = find_word(parse_cue_names, t, b, we);
        if (which >= 0) {
            kind = cue_kinds[which];
            b = skip_ws(t, we + 1, l->end);
        } else if (word_is(t, b, we, "countdown")) {
            /* "countdown:5", without the space head_end() looks for. */
            if (!timed_head(p, l, we, &timed, &proto) || timed < 0)
                return;
            kind = CUE_COUNTDOWN;
            b = l->end;
        } else {
            const char *sug = diag_suggest(t + b, we - b, parse_cue_names);
            if (sug)
                WARN(p, l, b, "'%.*s:' is not a cue name (did you mean '%s:'?); the line is spoken as it is",
                     (int)(we - b), t + b, sug);
        }
    }
    /* (Under a silence such a line is an error, below, and a flow has no
     * timed cues.) */
    const char *kw = NULL;
    size_t rest = 0, slip = kind == CUE_PLAIN && timed == -2 && n->kind != NODE_SILENCE &&
                                    n->kind != NODE_FLOW
                                ? timed_slip(t, b, l->end, &kw, &rest)
                                : 0;
    if (slip) {
        size_t tb = skip_ws(t, b + strlen(kw), slip);
        size_t shown = utf8_cut(t + rest, l->end - rest < 40 ? l->end - rest : 40);
        /* With its ':', only the capital kept it from being one. */
        const bool capital = t[slip] == ':';
        WARN(p, l, capital ? b : slip,
             "a timed cue %s: '%s %.*s: %.*s%s'; this line is spoken as it is",
             capital ? "is written in lower case" : "has a ':' after its time", kw,
             (int)(slip - tb), t + tb, (int)shown, t + rest, rest + shown < l->end ? "..." : "");
    }
    bool timed_cue = kind == CUE_AT || kind == CUE_LEFT || kind == CUE_EVERY || kind == CUE_COUNTDOWN;
    /* Which lines each step takes. */
    if (kind == CUE_FLOW_HOLD && n->kind != NODE_FLOW) {
        ERR(p, l, l->begin, "'hold N breaths:' belongs in a flow");
        return;
    }
    switch (n->kind) {
    case NODE_REST:
        if (kind != CUE_PLAIN && !timed_cue) {
            /* Here `which` names a cue word: the other kinds are timed or
             * were turned away above. */
            ERR(p, l, l->begin,
                "'%s:' cues belong under a pose; under a rest, lines are spoken as they are",
                which >= 0 ? parse_cue_names[which] : "?");
            return;
        }
        break;
    case NODE_SILENCE:
        if (!timed_cue) {
            ERR(p, l, l->begin,
                "a silence takes only timed cues: 'at TIME:', 'TIME left:', 'every TIME:' or "
                "'countdown: N'");
            return;
        }
        break;
    case NODE_FLOW:
        if (kind != CUE_PLAIN && kind != CUE_INHALE && kind != CUE_EXHALE && kind != CUE_FLOW_HOLD) {
            ERR(p, l, l->begin,
                "a flow's lines are plain lines, 'inhale:', 'exhale:' and 'hold N breaths:'");
            return;
        }
        break;
    default:
        break;
    }
    if (kind != CUE_COUNTDOWN && b == l->end) {
        ERR(p, l, b, "empty cue: write the words to speak after the ':'");
        return;
    }
    if (kind != CUE_PLAIN && !timed_cue && n->kind != NODE_FLOW) {
        for (struct cue *c = n->cues; c; c = c->next) {
            if (c->kind == kind) {
                ERR(p, l, l->begin, "this %s has its '%.*s:' cue already (line %d)",
                    parse_kind_word(n->kind), (int)(we - l->begin), t + l->begin, c->pos.line);
                return;
            }
        }
    }
    if (kind == CUE_COUNTDOWN) {
        for (struct cue *c = n->cues; c; c = c->next) {
            if (c->kind == kind) {
                ERR(p, l, l->begin, "this step has a countdown already (line %d)", c->pos.line);
                return;
            }
        }
    }
    if (kind != CUE_COUNTDOWN && !parse_check_placeholders(p, l, b, l->end))
        return;
    struct cue *c = arena_alloc(p->a, sizeof(*c));
    if (!c) {
        p->oom = true;
        return;
    }
    *c = proto;
    c->kind = kind;
    c->text = kind == CUE_COUNTDOWN ? "countdown" : text_dup(p, t, b, l->end);
    c->pos = pos_at(p, l, b);
    c->line_pos = pos_at(p, l, l->begin);
    /* `bell` or `bell NAME` as the text of a cue that is not part of an
     * announcement rings that sound. */
    if (kind != CUE_PLAIN && kind != CUE_COUNTDOWN && word_is(t, b, b + 4 <= l->end ? b + 4 : b, "bell") &&
        (b + 4 == l->end || is_space(t[b + 4]))) {
        size_t sb = skip_ws(t, b + 4, l->end);
        if (sb < l->end && !plain_name(t, sb, l->end)) {
            /* "bell rings twice" is text to speak, not a sound. */
        } else {
            c->bell = true;
            c->sound = sb < l->end ? text_dup(p, t, sb, l->end) : NULL;
        }
    }
    *p->cue_tail = c;
    p->cue_tail = &c->next;
}
