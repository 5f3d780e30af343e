/*
 * parse.c — session text to a tree of steps (session.h).
 *
 * The parser works line by line.  Each line is first checked for the
 * things that make a file untrustworthy (NUL bytes, bad UTF-8, excessive
 * length); a bad line is reported and skipped, and parsing goes on so that
 * one run of `check` shows every problem.
 *
 * Structure comes from two things only: `repeat`/`end` pairs (a stack) and
 * the cue lines under a `pose`, `flow`, `breathe`, `rest` or `silence`,
 * which are the lines indented deeper than it.  Inside such a block no
 * keyword is recognised, so a cue may start with any word ("Rest your
 * forehead on the mat.").  A cue line's head — the text before the first
 * ':' followed by a space — names its kind: a cue word (`inhale:`), a timed
 * form (`at 1:00:`, `30s left:`, `every 5 min:`, `countdown:`) or, in a
 * flow, `hold 5 breaths:`; the timed forms need a digit where the time goes,
 * so "at ease: ..." stays a plain line.
 *
 * A step line with an error is marked `bad`; the compiler leaves it out
 * but still checks the rest of the file.
 */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asanavox/arena.h"
#include "asanavox/error.h"
#include "asanavox/phrases.h"
#include "asanavox/session.h"
#include "asanavox/utf8.h"

static const char *const keywords[] = {"pose",    "rest", "say", "bell",   "silence", "repeat",
                                       "end",     "include", "at",  "flow", "breathe", NULL};
static const char *const header_names[] = {"title", "about", "pace", "voice", "speed",
                                           "bell", "chime", "prompts", "gap", "safety",
                                           "guide", "ambience", "voice-volume",
                                           "bell-volume", "ambience-volume", "language", "phrases",
                                           NULL};
enum { HEADER_LANGUAGE = 15, HEADER_PHRASES = 16 };
static const char *const cue_names[] = {"inhale", "hold", "exhale", "up",
                                        "down", "halfway", "end", NULL};
static const enum cue_kind cue_kinds[] = {CUE_INHALE, CUE_HOLD, CUE_EXHALE, CUE_UP,
                                          CUE_DOWN, CUE_HALFWAY, CUE_END};
static const char *const pose_options[] = {"each side", "both sides", "left",   "right",
                                           "left side", "right side", "pace",   "prompts",
                                           "up on exhale", "alternate", "no chime", NULL};
/* The placeholders cue text may use; any other {word} is an error. */
static const char *const placeholders[] = {"side", "round", "rounds", NULL};

/* One source line after comment stripping: content is line[begin..end). */
struct line {
    const char *text;  /* start of the line in the session's copy */
    size_t len;        /* without the line ending */
    int number;
    size_t begin, end; /* content: indentation skipped, comment and trailing
                          space removed */
    int indent;        /* indentation in columns (tabs to multiples of 8) */
};

struct frame {
    struct node *node;   /* the repeat, or NULL for the top level */
    struct node **tail;  /* where the next sibling goes */
};

struct parser {
    struct session *s;
    struct arena *a;
    struct diag *d;
    struct frame stack[SESSION_MAX_NESTING + 1];
    int depth;
    struct node *block;  /* pose or rest whose cue lines may follow */
    int block_indent;
    struct cue **cue_tail;
    int last_indent;     /* indentation of the last step line */
    enum node_kind last_kind;
    struct node *cur;    /* the step the current line made, if any */
    bool seen_step;
    bool oom;
    bool in_phrases;     /* lines indented under `phrases:` are entries */
    int phrases_indent;
    struct phrase_line **phrase_tail;
};

/* --- positions and diagnostics ------------------------------------------ */

static struct src_pos pos_at(const struct parser *p, const struct line *l, size_t off)
{
    struct src_pos pos = {
        .path = p->s->path,
        .line = l->number,
        .col = (int)utf8_count(l->text, off < l->len ? off : l->len) + 1,
        .text = l->text,
        .text_len = l->len,
    };
    return pos;
}

#define ERR(p, l, off, ...)                                                                       \
    do {                                                                                          \
        struct src_pos pos_ = pos_at((p), (l), (off));                                            \
        diag_error((p)->d, &pos_, __VA_ARGS__);                                                   \
    } while (0)

#define WARN(p, l, off, ...)                                                                      \
    do {                                                                                          \
        struct src_pos pos_ = pos_at((p), (l), (off));                                            \
        diag_warning((p)->d, &pos_, __VA_ARGS__);                                                 \
    } while (0)

/* --- small text helpers -------------------------------------------------- */

static bool is_space(char c) { return c == ' ' || c == '\t'; }

static size_t skip_ws(const char *t, size_t i, size_t end)
{
    while (i < end && is_space(t[i]))
        i++;
    return i;
}

static size_t trim_end(const char *t, size_t begin, size_t end)
{
    while (end > begin && is_space(t[end - 1]))
        end--;
    return end;
}

/* Copy t[b..e) into the arena, turning "\#" into "#" and runs of spaces and
 * tabs into one space. */
static const char *text_dup(struct parser *p, const char *t, size_t b, size_t e)
{
    char *out = arena_alloc(p->a, e - b + 1);
    if (!out) {
        p->oom = true;
        return "";
    }
    size_t n = 0;
    for (size_t i = b; i < e; i++) {
        char c = t[i];
        if (c == '\\' && i + 1 < e && t[i + 1] == '#')
            continue;
        if (is_space(c)) {
            if (n > 0 && out[n - 1] == ' ')
                continue;
            c = ' ';
        }
        out[n++] = c;
    }
    out[n] = '\0';
    return out;
}

static bool word_is(const char *t, size_t b, size_t e, const char *w)
{
    size_t n = strlen(w);
    return e - b == n && !strncmp(t + b, w, n);
}

static int find_word(const char *const *list, const char *t, size_t b, size_t e)
{
    for (int k = 0; list[k]; k++)
        if (word_is(t, b, e, list[k]))
            return k;
    return -1;
}

/* A plain name for an include or a sound: letters, digits, '-', '_' and
 * '.', not starting with '.', so it can never leave its directory. */
static bool plain_name(const char *t, size_t b, size_t e)
{
    if (b == e || e - b > 128 || t[b] == '.')
        return false;
    for (size_t i = b; i < e; i++) {
        unsigned char c = (unsigned char)t[i];
        if (!(isalnum(c) || c == '-' || c == '_' || c == '.'))
            return false;
        if (c == '.' && i + 1 < e && t[i + 1] == '.')
            return false;
    }
    return true;
}

/* A whole number at t[b..e) (saturating at 100000).  Returns the offset of
 * the first byte that is not a digit: e when the whole span is a number,
 * b when there is none. */
static size_t scan_number(const char *t, size_t b, size_t e, long *out)
{
    long v = 0;
    size_t i = b;
    while (i < e && isdigit((unsigned char)t[i])) {
        if (v < 100000)
            v = v * 10 + (t[i] - '0');
        i++;
    }
    *out = v;
    return i;
}

/* "all", "none" or a number of breaths, for `prompts:` and `, prompts N`. */
static bool parse_prompts(struct parser *p, const struct line *l, size_t b, size_t e,
                          int32_t *out)
{
    long k;
    size_t i;
    if (word_is(l->text, b, e, "all")) {
        *out = INT32_MAX;
    } else if (word_is(l->text, b, e, "none")) {
        *out = 0;
    } else if ((i = scan_number(l->text, b, e, &k)) == b || i != e) {
        ERR(p, l, i == b ? b : i, "prompts is a number of breaths, 'all' or 'none'");
        return false;
    } else {
        *out = (int32_t)k;
    }
    return true;
}

/* --- the tree ------------------------------------------------------------ */

static struct node *new_node(struct parser *p, enum node_kind kind, const struct line *l)
{
    struct node *n = arena_alloc(p->a, sizeof(*n));
    if (!n) {
        p->oom = true;
        return NULL;
    }
    n->kind = kind;
    n->pos = pos_at(p, l, l->begin);
    struct frame *f = &p->stack[p->depth];
    *f->tail = n;
    f->tail = &n->next;
    p->seen_step = true;
    p->last_indent = l->indent;
    p->last_kind = kind;
    p->block = NULL;
    p->cur = n;
    return n;
}

static void open_block(struct parser *p, struct node *n, const struct line *l)
{
    p->block = n;
    p->block_indent = l->indent;
    p->cue_tail = &n->cues;
}

/* Parse a duration at t[b..e) for `what`, reporting errors at the right
 * column.  Returns false on error. */
static bool take_duration(struct parser *p, const struct line *l, size_t b, size_t e,
                          unsigned allowed, bool allow_zero, const char *what,
                          struct duration *out, struct src_pos *where)
{
    b = skip_ws(l->text, b, e);
    e = trim_end(l->text, b, e);
    if (b == e) {
        ERR(p, l, b, "%s needs a duration, e.g. '%s'", what,
            allowed & (1u << DUR_BREATHS) ? "6 breaths" : "30s");
        return false;
    }
    char msg[160];
    size_t off;
    const char *err = duration_parse(l->text + b, e - b, allowed, out, &off, msg, sizeof msg);
    if (err) {
        ERR(p, l, b + off, "%s", err);
        return false;
    }
    if (!allow_zero && ((out->unit == DUR_TIME && out->ms == 0) ||
                        (out->unit != DUR_TIME && out->count == 0))) {
        ERR(p, l, b, "%s must last longer than zero", what);
        return false;
    }
    if (where)
        *where = pos_at(p, l, b);
    return true;
}

/* --- headers ------------------------------------------------------------- */

/* A level for the *-volume: headers: an optional sign, digits with an
 * optional fraction (at most 6 digits each side), optionally "dB" after
 * optional spaces, within the volume range.  On failure *off is where the
 * problem is. */
static bool parse_db(const char *t, size_t b, size_t e, double *out, size_t *off)
{
    size_t i = b;
    double sign = 1.0;
    *off = b;
    if (i < e && (t[i] == '-' || t[i] == '+'))
        sign = t[i++] == '-' ? -1.0 : 1.0;
    double v = 0.0, scale = 1.0;
    size_t d0 = i;
    while (i < e && isdigit((unsigned char)t[i]) && i - d0 < 6)
        v = v * 10.0 + (t[i++] - '0');
    if (i == d0)
        return false;
    if (i < e && t[i] == '.') {
        size_t f0 = ++i;
        while (i < e && isdigit((unsigned char)t[i]) && i - f0 < 6) {
            scale /= 10.0;
            v += (t[i++] - '0') * scale;
        }
        if (i == f0) {
            *off = i;
            return false;
        }
    }
    size_t j = skip_ws(t, i, e);
    if (j + 2 == e && (t[j] == 'd' || t[j] == 'D') && (t[j + 1] == 'b' || t[j + 1] == 'B'))
        i = e;
    if (i != e) {
        *off = j;
        return false;
    }
    v *= sign;
    if (v < SESSION_MIN_VOLUME_DB || v > SESSION_MAX_VOLUME_DB)
        return false;
    *out = v;
    return true;
}

static void parse_header(struct parser *p, const struct line *l, size_t name_end, int which)
{
    const char *t = l->text;
    size_t vb = skip_ws(t, name_end + 1, l->end);
    size_t ve = l->end;
    struct header *h[] = {&p->s->title, &p->s->about, &p->s->pace,    &p->s->voice, &p->s->speed,
                          &p->s->bell,  &p->s->chime, &p->s->prompts, &p->s->gap,   &p->s->safety,
                          &p->s->guide, &p->s->ambience, &p->s->voice_volume,
                          &p->s->bell_volume, &p->s->ambience_volume, &p->s->language,
                          &p->s->phrases};
    struct header *hd = h[which];
    if (p->seen_step) {
        ERR(p, l, l->begin, "header '%s:' must come before the first step", header_names[which]);
        return;
    }
    if (hd->set) {
        ERR(p, l, l->begin, "'%s:' is given twice (first on line %d)", header_names[which],
            hd->pos.line);
        return;
    }
    if (which == HEADER_PHRASES) {
        if (vb != ve) {
            ERR(p, l, vb, "'phrases:' takes its entries on the lines below it, indented, "
                          "e.g. '  inhale: Breathe in slowly.'");
            return;
        }
        hd->set = true;
        hd->value = "";
        hd->pos = pos_at(p, l, vb);
        p->in_phrases = true;
        p->phrases_indent = l->indent;
        p->phrase_tail = &p->s->phrase_lines;
        return;
    }
    if (vb == ve) {
        ERR(p, l, vb, "'%s:' needs a value", header_names[which]);
        return;
    }
    hd->set = true;
    hd->value = text_dup(p, t, vb, ve);
    hd->pos = pos_at(p, l, vb);
    const char *v = t + vb;
    size_t n = ve - vb;
    switch (which) {
    case 2: { /* pace */
        size_t off;
        const char *err = pace_parse(v, n, &p->s->pace_value, &off);
        if (err)
            ERR(p, l, vb + off, "%s", err);
        break;
    }
    case 3: /* voice */
        for (size_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)v[i];
            if (!(isalnum(c) || c == '-' || c == '+' || c == '_' || c == ':')) {
                ERR(p, l, vb + i, "a voice name has letters, digits, '-', '+', '_' and ':' only");
                break;
            }
        }
        break;
    case 4: { /* speed */
        long sp;
        size_t i = scan_number(t, vb, ve, &sp);
        if (i == vb || i != ve)
            ERR(p, l, i, "speed is a whole number of words per minute, 80 to 450");
        else if (sp < 80 || sp > 450)
            ERR(p, l, vb, "speed %ld is out of range: 80 to 450 words per minute", sp);
        else
            p->s->speed_value = (int)sp;
        break;
    }
    case 5: /* bell */
    case 6: /* chime */
        if (!plain_name(t, vb, ve))
            ERR(p, l, vb, "a sound name is a plain file name without '/' or '..'");
        break;
    case 7: { /* prompts */
        int32_t k;
        if (parse_prompts(p, l, vb, ve, &k))
            p->s->prompts_value = k;
        break;
    }
    case 8: { /* gap */
        struct duration dur;
        if (take_duration(p, l, vb, ve, 1u << DUR_TIME, true, "gap:", &dur, NULL)) {
            if (dur.ms > 60000)
                ERR(p, l, vb, "gap: can be at most 60 seconds");
            else
                p->s->gap_ms = dur.ms;
        }
        break;
    }
    case 10: /* guide */
        if (word_is(t, vb, ve, "swell"))
            p->s->guide_value = SESSION_GUIDE_SWELL;
        else if (word_is(t, vb, ve, "tone"))
            p->s->guide_value = SESSION_GUIDE_TONE;
        else if (word_is(t, vb, ve, "none"))
            p->s->guide_value = SESSION_GUIDE_NONE;
        else
            ERR(p, l, vb, "guide: is 'swell', 'tone' or 'none'");
        break;
    case 11: /* ambience */
        if (!plain_name(t, vb, ve))
            ERR(p, l, vb, "ambience: is 'ocean', 'rain', 'drone', 'none' or a sound name");
        break;
    case 12: /* voice-volume */
    case 13: /* bell-volume */
    case 14: { /* ambience-volume */
        double db;
        size_t off;
        if (!parse_db(t, vb, ve, &db, &off)) {
            ERR(p, l, off, "%s: is a level in dB from %g to %g, e.g. '-6 dB'", header_names[which],
                SESSION_MIN_VOLUME_DB, SESSION_MAX_VOLUME_DB);
            break;
        }
        double *dst = which == 12 ? &p->s->voice_db : which == 13 ? &p->s->bell_db
                                                                  : &p->s->ambience_db;
        *dst = db;
        break;
    }
    default:
        break;
    }
}

/* --- steps --------------------------------------------------------------- */

static const char *kind_word(enum node_kind kind)
{
    return kind == NODE_FLOW ? "flow" : kind == NODE_BREATHE ? "breathe" : "pose";
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
    size_t w = skip_ws(t, i, e);
    if (i == b || !(word_is(t, w, e, "rounds") || word_is(t, w, e, "round"))) {
        ERR(p, l, i == b ? b : w, "a flow repeats a number of rounds, e.g. 'flow Sun salutation, 3 rounds'");
        return 0;
    }
    if (k < 1 || k > SESSION_MAX_REPEAT) {
        ERR(p, l, b, "a flow has 1 to %d rounds", SESSION_MAX_REPEAT);
        return 0;
    }
    return (int32_t)k;
}

/* `pose NAME, DURATION[, OPTION...]`, and flow and breathe, which share the
 * form: `flow NAME, N rounds[, OPTION...]`, `breathe NAME, DURATION[,
 * OPTION...]`. */
static void parse_named(struct parser *p, const struct line *l, size_t rest, enum node_kind kind)
{
    const char *t = l->text;
    const char *what = kind_word(kind);
    struct node *n = new_node(p, kind, l);
    if (!n)
        return;
    n->prompts = -1;
    open_block(p, n, l);
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
    if (!comma) {
        ERR(p, l, l->end, "%s '%s' needs a %s, e.g. '%s %s, %s'", what, n->text,
            kind == NODE_FLOW ? "number of rounds" : "duration", what, n->text,
            kind == NODE_FLOW ? "3 rounds" : kind == NODE_BREATHE ? "5 min" : "6 breaths");
        return;
    }
    size_t db = name_end + 1;
    const char *c2 = memchr(t + db, ',', l->end - db);
    size_t de = c2 ? (size_t)(c2 - t) : l->end;
    if (kind == NODE_FLOW) {
        n->count = take_rounds(p, l, db, de);
        n->dur.unit = DUR_NONE;
        n->dur_pos = pos_at(p, l, skip_ws(t, db, de));
    } else if (!take_duration(p, l, db, de,
                              (1u << DUR_TIME) | (1u << DUR_BREATHS) | (1u << DUR_REPS), false,
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
        if (kind == NODE_POSE && (!strcmp(opt, "alternate") || !strcmp(opt, "alternating"))) {
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
        if (!strcmp(opt, "up on exhale") || !strcmp(opt, "alternate") || !strcmp(opt, "alternating"))
            ERR(p, l, ob, "'%s' is for poses counted in reps, not for a %s", opt, what);
        else if (sug)
            ERR(p, l, ob, "unknown %s option '%s' (did you mean '%s'?)", what, opt, sug);
        else if (kind == NODE_POSE)
            ERR(p, l, ob,
                "unknown pose option '%s': use 'each side', 'left', 'right', 'pace IN OUT', "
                "'prompts N', 'up on exhale', 'alternate' or 'no chime'",
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

/* Check the {placeholders} in text t[b..e): each must be known.  Reports
 * the first unknown one with a suggestion; returns false then. */
static bool check_placeholders(struct parser *p, const struct line *l, size_t b, size_t e)
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
        *kind = take_duration(p, l, b + 2, h, 1u << DUR_TIME, true, "'at'", &d, NULL) ? CUE_AT : -1;
        c->ms = d.ms;
        return true;
    }
    if (starts_with_word_then_digit(t, b, h, "every")) {
        *kind = take_duration(p, l, b + 5, h, 1u << DUR_TIME, false, "'every'", &d, NULL) ? CUE_EVERY
                                                                                          : -1;
        c->ms = d.ms;
        return true;
    }
    if (starts_with_word_then_digit(t, b, h, "hold")) {
        *kind = take_duration(p, l, b + 4, h, (1u << DUR_BREATHS) | (1u << DUR_TIME) | (1u << DUR_REPS),
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
        *kind = take_duration(p, l, b, h - 5, 1u << DUR_TIME, false, "'left'", &d, NULL) ? CUE_LEFT
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

static void parse_cue(struct parser *p, const struct line *l)
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
        which = find_word(cue_names, t, b, we);
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
            const char *sug = diag_suggest(t + b, we - b, cue_names);
            if (sug)
                WARN(p, l, b, "'%.*s:' is not a cue name (did you mean '%s:'?); the line is spoken as it is",
                     (int)(we - b), t + b, sug);
        }
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
                which >= 0 ? cue_names[which] : "?");
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
                    kind_word(n->kind), (int)(we - l->begin), t + l->begin, c->pos.line);
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
    if (kind != CUE_COUNTDOWN && !check_placeholders(p, l, b, l->end))
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

static void parse_step(struct parser *p, const struct line *l)
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
        struct node *n = new_node(p, kw == 1 ? NODE_REST : NODE_SILENCE, l);
        if (!n)
            return;
        open_block(p, n, l);
        take_duration(p, l, rest, l->end, 1u << DUR_TIME, false, kw == 1 ? "rest" : "silence",
                      &n->dur, &n->dur_pos);
        return;
    }
    case 2: { /* say */
        struct node *n = new_node(p, NODE_SAY, l);
        if (!n)
            return;
        if (rest == l->end) {
            ERR(p, l, rest, "'say' needs the words to speak");
            return;
        }
        if (!check_placeholders(p, l, rest, l->end))
            return;
        n->text = text_dup(p, t, rest, l->end);
        n->text_pos = pos_at(p, l, rest);
        return;
    }
    case 3: { /* bell [NAME][, DURATION] */
        struct node *n = new_node(p, NODE_BELL, l);
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
            take_duration(p, l, (size_t)(comma - t) + 1, l->end, 1u << DUR_TIME, false, "a bell",
                          &n->dur, &n->dur_pos);
        return;
    }
    case 5: { /* repeat N [times|rounds] */
        struct node *n = new_node(p, NODE_REPEAT, l);
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
        struct node *n = new_node(p, NODE_INCLUDE, l);
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
        struct node *n = new_node(p, NODE_AT, l);
        if (!n)
            return;
        if (!take_duration(p, l, rest, l->end, 1u << DUR_TIME, true, "'at'", &n->dur, &n->dur_pos))
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

/* "  key: text" under `phrases:`: one catalog entry replaced. */
static void parse_phrase(struct parser *p, const struct line *l)
{
    const char *t = l->text;
    size_t b = l->begin, ke = b;
    while (ke < l->end && (islower((unsigned char)t[ke]) || isdigit((unsigned char)t[ke]) ||
                           t[ke] == '_'))
        ke++;
    if (ke == b || ke == l->end || t[ke] != ':') {
        ERR(p, l, b, "a line under 'phrases:' is 'key: text', e.g. 'next: Now {pose}.' "
                     "('asanavox phrases' lists the keys)");
        return;
    }
    int key = phrase_key_find(t + b, ke - b);
    if (key < 0) {
        const char *sug = diag_suggest(t + b, ke - b, phrase_key_names);
        if (sug)
            ERR(p, l, b, "unknown phrase '%.*s' (did you mean '%s'?)", (int)(ke - b), t + b, sug);
        else
            ERR(p, l, b, "unknown phrase '%.*s' ('asanavox phrases' lists the keys)",
                (int)(ke - b), t + b);
        return;
    }
    size_t vb = skip_ws(t, ke + 1, l->end);
    if (vb == l->end) {
        ERR(p, l, vb, "phrase '%s' needs its words after the ':'", phrase_key_names[key]);
        return;
    }
    for (const struct phrase_line *q = p->s->phrase_lines; q; q = q->next) {
        if (q->key == key) {
            ERR(p, l, b, "phrase '%s' is given twice (first on line %d)", phrase_key_names[key],
                q->pos.line);
            return;
        }
    }
    struct phrase_line *q = arena_alloc(p->a, sizeof(*q));
    if (!q) {
        p->oom = true;
        return;
    }
    q->key = key;
    q->text = text_dup(p, t, vb, l->end);
    q->pos = pos_at(p, l, vb);
    q->next = NULL;
    *p->phrase_tail = q;
    p->phrase_tail = &q->next;
}

static void parse_line(struct parser *p, const struct line *l)
{
    const char *t = l->text;
    if (p->in_phrases) {
        if (l->indent > p->phrases_indent) {
            parse_phrase(p, l);
            return;
        }
        p->in_phrases = false;
    }
    /* Cue lines of the open pose or rest. */
    if (p->block && l->indent > p->block_indent) {
        parse_cue(p, l);
        return;
    }
    p->block = NULL;
    /* "name:" at the start is a header (or a misplaced cue). */
    size_t ne = l->begin;
    while (ne < l->end && (isalpha((unsigned char)t[ne]) || t[ne] == '_' || t[ne] == '-'))
        ne++;
    if (ne > l->begin && ne < l->end && t[ne] == ':') {
        int h = find_word(header_names, t, l->begin, ne);
        if (h >= 0) {
            parse_header(p, l, ne, h);
            return;
        }
        if (find_word(cue_names, t, l->begin, ne) >= 0) {
            ERR(p, l, l->begin, "cue line outside a pose: '%.*s:' belongs indented under a 'pose'",
                (int)(ne - l->begin), t + l->begin);
            return;
        }
        const char *sug = diag_suggest(t + l->begin, ne - l->begin, header_names);
        if (sug)
            ERR(p, l, l->begin, "unknown header '%.*s:' (did you mean '%s:'?)",
                (int)(ne - l->begin), t + l->begin, sug);
        else
            ERR(p, l, l->begin, "unknown header '%.*s:'", (int)(ne - l->begin), t + l->begin);
        return;
    }
    int errors = diag_errors(p->d);
    p->cur = NULL;
    parse_step(p, l);
    if (p->cur && diag_errors(p->d) > errors)
        p->cur->bad = true;
}

/* Split a raw line into indentation, content and comment.  Returns false
 * when the line has nothing to parse. */
static bool scan_line(struct line *l)
{
    const char *t = l->text;
    size_t i = 0;
    int col = 0;
    while (i < l->len && is_space(t[i])) {
        col = t[i] == '\t' ? (col / 8 + 1) * 8 : col + 1;
        i++;
    }
    size_t e = i;
    while (e < l->len) {
        if (t[e] == '#' && !(e > 0 && t[e - 1] == '\\'))
            break;
        e++;
    }
    e = trim_end(t, i, e);
    l->begin = i;
    l->end = e;
    l->indent = col;
    return e > i;
}

static const char *dir_of(struct arena *a, const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return ".";
    if (slash == path)
        return "/";
    return arena_strndup(a, path, (size_t)(slash - path));
}

int session_parse(const char *path, const char *data, size_t len, struct diag *d,
                  struct session **out)
{
    struct arena *a = arena_create();
    struct session *s = a ? arena_alloc(a, sizeof(*s)) : NULL;
    if (!s)
        goto fail;
    s->arena = a;
    s->path = arena_strdup(a, path);
    s->dir = s->path ? dir_of(a, s->path) : NULL;
    if (!s->path || !s->dir)
        goto fail;
    s->pace_value = (struct pace){.ms = {4000, 0, 6000, 0}, .to = {4000, 0, 6000, 0}};
    s->prompts_value = 3;
    s->gap_ms = 1000;

    struct parser p = {.s = s, .a = a, .d = d};
    p.stack[0].tail = &s->steps;

    if (len > SESSION_MAX_FILE_BYTES) {
        struct src_pos pos = {.path = s->path};
        diag_error(d, &pos, "file is larger than 1 MiB (%zu bytes); is it really a session?", len);
        *out = s;
        return AV_OK;
    }
    char *buf = arena_strndup(a, data, len);
    if (!buf)
        goto fail;
    size_t off = 0;
    if (len >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3))
        off = 3;
    int number = 0;
    while (off < len && !p.oom && !diag_full(d)) {
        number++;
        const char *nl = memchr(buf + off, '\n', len - off);
        size_t end = nl ? (size_t)(nl - buf) : len;
        struct line l = {.text = buf + off, .len = end - off, .number = number};
        off = nl ? end + 1 : len;
        if (l.len > 0 && l.text[l.len - 1] == '\r')
            l.len--;
        if (l.len > SESSION_MAX_LINE_BYTES) {
            l.len = SESSION_MAX_LINE_BYTES; /* show a prefix only */
            l.len -= l.len - utf8_validate(l.text, l.len);
            ERR(&p, &l, l.len, "line is longer than %d bytes", SESSION_MAX_LINE_BYTES);
            continue;
        }
        const char *nul = memchr(l.text, '\0', l.len);
        if (nul) {
            size_t at = (size_t)(nul - l.text);
            l.len = at; /* the caret line must not print past the NUL */
            ERR(&p, &l, at, "NUL byte in the file; session files are text");
            continue;
        }
        size_t bad = utf8_validate(l.text, l.len);
        if (bad != l.len) {
            size_t shown = l.len;
            l.len = bad; /* print only the valid prefix of the line */
            ERR(&p, &l, bad, "invalid UTF-8 (byte 0x%02X); session files are UTF-8",
                (unsigned char)l.text[bad]);
            (void)shown;
            continue;
        }
        if (!scan_line(&l))
            continue;
        parse_line(&p, &l);
    }
    if (p.oom)
        goto fail;
    for (int k = p.depth; k > 0; k--) {
        struct node *r = p.stack[k].node;
        diag_error(d, &r->pos, "'repeat' without 'end'");
    }
    *out = s;
    return AV_OK;
fail:
    arena_destroy(a);
    return AV_ENOMEM;
}

void session_destroy(struct session *s)
{
    if (s)
        arena_destroy(s->arena);
}
