/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * parse_step.c — step lines: pose, flow and breathe with their options,
 * rest, say, bell, silence, repeat/end and include.
 */
#include "parse_internal.h"

static const char *const keywords[] = {"pose",    "rest", "say", "bell",   "silence", "repeat",
                                       "end",     "include", "at",  "flow", "breathe", NULL};
static const char *const pose_options[] = {"each side", "both sides", "left",   "right",
                                           "left side", "right side", "pace",   "prompts",
                                           "up on exhale", "alternate", "no chime", NULL};

/* --- steps --------------------------------------------------------------- */

const char *parse_kind_word(enum node_kind kind)
{
    return kind == NODE_FLOW ? "flow" : kind == NODE_BREATHE ? "breathe" : "pose";
}

/* "N round" or "N rounds" and nothing else at t[b..e). */
static bool is_rounds(const char *t, size_t b, size_t e)
{
    long k;
    size_t i = scan_number(t, b, e, &k);
    size_t w = skip_ws(t, i, e);
    return i > b && (word_is(t, w, e, "rounds") || word_is(t, w, e, "round"));
}

/* "N rounds" (or "1 round") for a flow at t[b..e).  Returns the count, or 0
 * after reporting an error. */
static int32_t take_rounds(struct parser *p, const struct line *l, size_t b, size_t e)
{
    const char *t = l->text;
    b = skip_ws(t, b, e);
    e = trim_end(t, b, e);
    long k;
    size_t i = scan_number(t, b, e, &k);
    if (!is_rounds(t, b, e)) {
        ERR(p, l, i == b ? b : skip_ws(t, i, e),
            "a flow repeats a number of rounds, e.g. 'flow Sun salutation, 3 rounds'");
        return 0;
    }
    if (k < 1 || k > SESSION_MAX_REPEAT) {
        ERR(p, l, b, "a flow has 1 to %d rounds", SESSION_MAX_REPEAT);
        return 0;
    }
    return (int32_t)k;
}

/* The units a pose or breathe step may be held for (a breathe step then
 * turns reps away with its own error). */
#define STEP_UNITS ((1u << DUR_TIME) | (1u << DUR_BREATHS) | (1u << DUR_REPS))

/* The hints below try a few splits of a short span, each parsed whole; a
 * duration is a few words, so longer spans are not tried, which keeps the
 * work on a hostile line linear. */
#define HINT_SPAN 80

/* Is t[b..e) what `kind` takes after its name (rounds for a flow, else a
 * duration of any unit)? */
static bool is_measure(const char *t, size_t b, size_t e, enum node_kind kind)
{
    if (kind == NODE_FLOW)
        return is_rounds(t, b, e);
    struct duration d;
    char msg[160];
    size_t off;
    return !duration_parse(t + b, e - b, STEP_UNITS, &d, &off, msg, sizeof msg);
}

/* A step written without the comma after its name, as in "pose Cat 5
 * breaths": the offset where its duration (or rounds) starts in the name
 * t[b..e), or 0 when no ending of the name is one. */
static size_t measure_in_name(const char *t, size_t b, size_t e, enum node_kind kind)
{
    for (size_t k = e > b + HINT_SPAN ? e - HINT_SPAN : b + 1; k < e; k++)
        if (is_space(t[k - 1]) && isdigit((unsigned char)t[k]) && is_measure(t, k, e, kind))
            return k;
    return 0;
}

/* Does t[k..e) start with one of the step options, as a whole word? */
static bool starts_with_option(const char *t, size_t k, size_t e)
{
    for (size_t i = 0; pose_options[i]; i++) {
        size_t n = strlen(pose_options[i]);
        if (e - k >= n && !strncmp(t + k, pose_options[i], n) && (k + n == e || is_space(t[k + n])))
            return true;
    }
    return false;
}

/* A duration followed by an option without the comma between them, as in
 * "5 breaths each side": the offset of the option in t[b..e), or 0.  Only
 * a known option counts, so that "30s 2m" and "1:30 min" still get the
 * duration's own error. */
static size_t option_after_measure(const char *t, size_t b, size_t e, enum node_kind kind)
{
    if (e - b > HINT_SPAN)
        return 0;
    for (size_t k = b + 1; k < e; k++)
        if (is_space(t[k - 1]) && starts_with_option(t, k, e) &&
            is_measure(t, b, trim_end(t, b, k), kind))
            return k;
    return 0;
}

/* `pose NAME, DURATION[, OPTION...]`, and flow and breathe, which share the
 * form: `flow NAME, N rounds[, OPTION...]`, `breathe NAME, DURATION[,
 * OPTION...]`. */
static void parse_named(struct parser *p, const struct line *l, size_t rest, enum node_kind kind)
{
    const char *t = l->text;
    const char *what = parse_kind_word(kind);
    struct node *n = parse_new_node(p, kind, l);
    if (!n)
        return;
    n->prompts = -1;
    parse_open_block(p, n, l);
    size_t b = skip_ws(t, rest, l->end);
    const char *comma = memchr(t + b, ',', l->end - b);
    size_t name_end = comma ? (size_t)(comma - t) : l->end;
    size_t ne = trim_end(t, b, name_end);
    if (b == ne) {
        ERR(p, l, b, "a %s needs a name: '%s NAME, %s'", what, what,
            kind == NODE_FLOW ? "N rounds" : "DURATION");
        return;
    }
    n->text = text_dup(p, t, b, ne);
    n->text_pos = pos_at(p, l, b);
    /* "pose Cat 5 breaths" (or with options after it): the comma after
     * the name is missing. */
    size_t m = measure_in_name(t, b, ne, kind);
    if (m && comma) {
        size_t cb = skip_ws(t, name_end + 1, l->end);
        const char *c = memchr(t + cb, ',', l->end - cb);
        if (is_measure(t, cb, trim_end(t, cb, c ? (size_t)(c - t) : l->end), kind))
            m = 0; /* "pose Warrior 2 30s, 1 min": a name that ends in a number */
    }
    if (m) {
        size_t nb = trim_end(t, b, m);
        ERR(p, l, m, "a comma goes between the %s's name and its %s: '%s %.*s, %.*s'",
            kind == NODE_BREATHE ? "breathe step" : what, kind == NODE_FLOW ? "rounds" : "duration",
            what, (int)(nb - b), t + b, (int)(ne - m),
            t + m);
        return;
    }
    if (!comma) {
        ERR(p, l, l->end, "%s '%s' needs a %s, e.g. '%s %s, %s'", what, n->text,
            kind == NODE_FLOW ? "number of rounds" : "duration", what, n->text,
            kind == NODE_FLOW ? "3 rounds" : kind == NODE_BREATHE ? "5 min" : "6 breaths");
        return;
    }
    size_t db = name_end + 1;
    const char *c2 = memchr(t + db, ',', l->end - db);
    size_t de = c2 ? (size_t)(c2 - t) : l->end;
    const size_t dbw = skip_ws(t, db, de), dew = trim_end(t, dbw, de);
    size_t at = option_after_measure(t, dbw, dew, kind);
    if (at) {
        ERR(p, l, at, "a comma goes between the %s and '%.*s': '%s %s, %.*s, %.*s'",
            kind == NODE_FLOW ? "rounds" : "duration", (int)(dew - at), t + at, what, n->text,
            (int)(trim_end(t, dbw, at) - dbw), t + dbw, (int)(dew - at), t + at);
        n->dur.unit = DUR_NONE;
    } else if (kind != NODE_FLOW && is_rounds(t, dbw, dew)) {
        long k;
        ERR(p, l, skip_ws(t, scan_number(t, dbw, dew, &k), dew),
            "rounds are for a flow; %s", kind == NODE_POSE
                ? "a pose is held for breaths, reps or a time, e.g. '6 breaths' or '30s'"
                : "a breathe step lasts a time or a number of breaths, e.g. '5 min' or '10 breaths'");
        n->dur.unit = DUR_NONE;
    } else if (kind == NODE_FLOW) {
        n->count = take_rounds(p, l, db, de);
        n->dur.unit = DUR_NONE;
        n->dur_pos = pos_at(p, l, skip_ws(t, db, de));
    } else if (!parse_take_duration(p, l, db, de, STEP_UNITS, false,
                                    kind == NODE_POSE ? "a pose" : "a breathe step", &n->dur,
                                    &n->dur_pos)) {
        n->dur.unit = DUR_NONE;
    } else if (kind == NODE_BREATHE && n->dur.unit == DUR_REPS) {
        ERR(p, l, skip_ws(t, db, de), "a breathe step lasts a time or a number of breaths, not reps");
        n->dur.unit = DUR_NONE;
    }
    /* Options, comma separated. */
    while (c2) {
        size_t ob = skip_ws(t, (size_t)(c2 - t) + 1, l->end);
        c2 = memchr(t + ob, ',', l->end - ob);
        size_t oe = trim_end(t, ob, c2 ? (size_t)(c2 - t) : l->end);
        if (ob == oe) {
            ERR(p, l, ob, "empty %s option after ','", what);
            continue;
        }
        /* The first word decides; "pace" takes numbers after it. */
        size_t we = ob;
        while (we < oe && !is_space(t[we]))
            we++;
        if (word_is(t, ob, we, "pace")) {
            size_t off;
            size_t vb = skip_ws(t, we, oe);
            const char *err = pace_parse(t + vb, oe - vb, &n->pace, &off);
            if (err)
                ERR(p, l, vb + off, "%s", err);
            else if (n->has_pace)
                ERR(p, l, ob, "pace is given twice");
            else
                n->has_pace = true;
            continue;
        }
        if (word_is(t, ob, we, "prompts")) {
            int32_t k;
            if (parse_prompts(p, l, skip_ws(t, we, oe), oe, &k))
                n->prompts = k;
            continue;
        }
        /* Fold spaces so "each  side" matches. */
        const char *opt = text_dup(p, t, ob, oe);
        if (!strcmp(opt, "no chime")) {
            n->no_chime = true;
            continue;
        }
        if (kind == NODE_POSE && !strcmp(opt, "up on exhale")) {
            n->up_on_exhale = true;
            continue;
        }
        if (kind == NODE_POSE && (word_is(t, ob, we, "alternate") || word_is(t, ob, we, "alternating"))) {
            /* "alternate" starts on the left; "alternate right first" on the
             * right (the words after it, like those after "pace"). */
            size_t fb = skip_ws(t, we, oe);
            const char *first = fb < oe ? text_dup(p, t, fb, oe) : "left first";
            if (!strcmp(first, "right first")) {
                n->alternate_right = true;
            } else if (strcmp(first, "left first")) {
                ERR(p, l, fb, "'alternate' starts on the side named by 'left first' or 'right first', "
                              "e.g. 'alternate right first'");
                continue;
            }
            if (n->alternate)
                ERR(p, l, ob, "'alternate' is given twice");
            n->alternate = true;
            continue;
        }
        unsigned side = 0;
        if (!strcmp(opt, "each side") || !strcmp(opt, "both sides"))
            side = SIDE_LEFT | SIDE_RIGHT;
        else if (!strcmp(opt, "left") || !strcmp(opt, "left side"))
            side = SIDE_LEFT;
        else if (!strcmp(opt, "right") || !strcmp(opt, "right side"))
            side = SIDE_RIGHT;
        if (side) {
            if (n->sides)
                ERR(p, l, ob, "sides are given twice");
            else
                n->sides = side;
            continue;
        }
        const char *sug = diag_suggest(opt, strlen(opt), pose_options);
        if (!strcmp(opt, "up on exhale") || word_is(t, ob, we, "alternate") ||
            word_is(t, ob, we, "alternating"))
            ERR(p, l, ob, "'%s' is for poses counted in reps, not for a %s", opt, what);
        else if (sug)
            ERR(p, l, ob, "unknown %s option '%s' (did you mean '%s'?)", what, opt, sug);
        else if (kind == NODE_POSE)
            ERR(p, l, ob,
                "unknown pose option '%s': use 'each side', 'left', 'right', 'pace IN OUT', "
                "'prompts N', 'up on exhale', 'alternate [right first]' or 'no chime'",
                opt);
        else
            ERR(p, l, ob,
                "unknown %s option '%s': use 'each side', 'left', 'right', 'pace IN OUT', "
                "'prompts N' or 'no chime'",
                what, opt);
    }
    if ((n->up_on_exhale || n->alternate) && n->dur.unit != DUR_REPS && n->dur.unit != DUR_NONE)
        ERR(p, l, db + (size_t)(skip_ws(t, db, de) - db),
            "'%s' is for holds counted in reps", n->alternate ? "alternate" : "up on exhale");
    if (n->alternate && n->sides)
        ERR(p, l, l->begin, "a pose cannot both alternate and have sides");
}

void parse_step(struct parser *p, const struct line *l)
{
    const char *t = l->text;
    size_t kb = l->begin;
    size_t ke = kb;
    while (ke < l->end && !is_space(t[ke]))
        ke++;
    size_t rest = skip_ws(t, ke, l->end);
    int kw = find_word(keywords, t, kb, ke);

    /* A deeper-indented line under something that takes no cue lines. */
    if (kw < 0 && p->seen_step && l->indent > p->last_indent && p->last_kind != NODE_REPEAT) {
        ERR(p, l, kb, "cue line outside a pose: only lines under a 'pose', 'flow', 'breathe', "
                      "'rest' or 'silence' are cues");
        return;
    }
    switch (kw) {
    case 0: /* pose */
        parse_named(p, l, ke, NODE_POSE);
        return;
    case 9: /* flow */
        parse_named(p, l, ke, NODE_FLOW);
        return;
    case 10: /* breathe */
        parse_named(p, l, ke, NODE_BREATHE);
        return;
    case 1: /* rest */
    case 4: /* silence */ {
        struct node *n = parse_new_node(p, kw == 1 ? NODE_REST : NODE_SILENCE, l);
        if (!n)
            return;
        parse_open_block(p, n, l);
        parse_take_duration(p, l, rest, l->end, 1u << DUR_TIME, false, kw == 1 ? "rest" : "silence",
                            &n->dur, &n->dur_pos);
        return;
    }
    case 2: { /* say */
        struct node *n = parse_new_node(p, NODE_SAY, l);
        if (!n)
            return;
        if (rest == l->end) {
            ERR(p, l, rest, "'say' needs the words to speak");
            return;
        }
        if (!parse_check_placeholders(p, l, rest, l->end))
            return;
        n->text = text_dup(p, t, rest, l->end);
        n->text_pos = pos_at(p, l, rest);
        return;
    }
    case 3: { /* bell [NAME][, DURATION] */
        struct node *n = parse_new_node(p, NODE_BELL, l);
        if (!n)
            return;
        const char *comma = memchr(t + rest, ',', l->end - rest);
        size_t ne = trim_end(t, rest, comma ? (size_t)(comma - t) : l->end);
        if (ne > rest) {
            if (!plain_name(t, rest, ne)) {
                ERR(p, l, rest, "a sound name is a plain file name without '/' or '..'");
                return;
            }
            n->text = text_dup(p, t, rest, ne);
            n->text_pos = pos_at(p, l, rest);
        } else if (comma) {
            n->text_pos = pos_at(p, l, rest);
        }
        if (comma)
            parse_take_duration(p, l, (size_t)(comma - t) + 1, l->end, 1u << DUR_TIME, false,
                                "a bell", &n->dur, &n->dur_pos);
        return;
    }
    case 5: { /* repeat N [times|rounds] */
        struct node *n = parse_new_node(p, NODE_REPEAT, l);
        if (!n)
            return;
        long cnt;
        size_t i = scan_number(t, rest, l->end, &cnt);
        size_t after = skip_ws(t, i, l->end);
        size_t we = after;
        while (we < l->end && !is_space(t[we]))
            we++;
        if (i == rest) {
            ERR(p, l, rest, "'repeat' needs a count, e.g. 'repeat 3'");
        } else if (after < l->end &&
                   !((word_is(t, after, we, "times") || word_is(t, after, we, "rounds") ||
                      word_is(t, after, we, "time") || word_is(t, after, we, "round")) &&
                     skip_ws(t, we, l->end) == l->end)) {
            ERR(p, l, after, "unexpected text after the repeat count");
        } else if (cnt < 1) {
            ERR(p, l, rest, "a repeat count must be at least 1");
        } else if (cnt > SESSION_MAX_REPEAT) {
            ERR(p, l, rest, "a repeat count can be at most %d", SESSION_MAX_REPEAT);
        } else {
            n->count = (int32_t)cnt;
        }
        if (p->depth == SESSION_MAX_NESTING) {
            ERR(p, l, kb, "repeats nest at most %d deep", SESSION_MAX_NESTING);
            n->count = 0;
            /* Still push nothing: its 'end' will then close the outer one,
             * which is the least surprising recovery. */
            return;
        }
        p->depth++;
        p->stack[p->depth].node = n;
        p->stack[p->depth].tail = &n->body;
        return;
    }
    case 6: /* end */
        if (rest != l->end) {
            ERR(p, l, rest, "unexpected text after 'end'");
        }
        if (p->depth == 0) {
            ERR(p, l, kb, "'end' without a 'repeat'");
            return;
        }
        if (!p->stack[p->depth].node->body)
            WARN(p, l, kb, "this repeat has no steps");
        p->depth--;
        p->block = NULL;
        p->last_indent = l->indent;
        p->last_kind = NODE_REPEAT;
        return;
    case 7: { /* include NAME */
        struct node *n = parse_new_node(p, NODE_INCLUDE, l);
        if (!n)
            return;
        if (rest == l->end) {
            ERR(p, l, rest, "'include' needs a session name");
            return;
        }
        if (!plain_name(t, rest, l->end)) {
            ERR(p, l, rest,
                "an included session is named, not a path: letters, digits, '-' and '_' only "
                "(no '/' or '..')");
            return;
        }
        n->text = text_dup(p, t, rest, l->end);
        n->text_pos = pos_at(p, l, rest);
        return;
    }
    case 8: { /* at TIME */
        struct node *n = parse_new_node(p, NODE_AT, l);
        if (!n)
            return;
        if (!parse_take_duration(p, l, rest, l->end, 1u << DUR_TIME, true, "'at'", &n->dur,
                                 &n->dur_pos))
            n->dur.unit = DUR_NONE;
        return;
    }
    default:
        break;
    }
    const char *sug = diag_suggest(t + kb, ke - kb, keywords);
    if (sug)
        ERR(p, l, kb, "unknown keyword '%.*s' (did you mean '%s'?)", (int)(ke - kb), t + kb, sug);
    else
        ERR(p, l, kb, "unknown keyword '%.*s': a step is pose, flow, breathe, rest, say, bell, "
                      "silence, repeat, end, include or at",
            (int)(ke - kb), t + kb);
}
