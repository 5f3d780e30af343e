/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * parse_header.c — the header lines of a session (title:, pace:, voice:,
 * the volumes, language:, phrases: and the rest) and the phrase entries
 * indented under `phrases:`.
 */
#include "parse_internal.h"

const char *const parse_header_names[] = {"title", "about", "pace", "voice", "speed",
                                           "bell", "chime", "prompts", "gap", "safety",
                                           "guide", "ambience", "voice-volume",
                                           "bell-volume", "ambience-volume", "language", "phrases",
                                           NULL};
enum { HEADER_LANGUAGE = 15, HEADER_PHRASES = 16 };

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

void parse_header(struct parser *p, const struct line *l, size_t name_end, int which)
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
        ERR(p, l, l->begin, "header '%s:' must come before the first step",
            parse_header_names[which]);
        return;
    }
    if (hd->set) {
        ERR(p, l, l->begin, "'%s:' is given twice (first on line %d)", parse_header_names[which],
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
        ERR(p, l, vb, "'%s:' needs a value", parse_header_names[which]);
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
        if (parse_take_duration(p, l, vb, ve, 1u << DUR_TIME, true, "gap:", &dur, NULL)) {
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
            ERR(p, l, off, "%s: is a level in dB from %g to %g, e.g. '-6 dB'",
                parse_header_names[which], SESSION_MIN_VOLUME_DB, SESSION_MAX_VOLUME_DB);
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

/* "  key: text" under `phrases:`: one catalog entry replaced. */
void parse_phrase(struct parser *p, const struct line *l)
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
