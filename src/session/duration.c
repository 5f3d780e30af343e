/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * duration.c — the duration and pace forms of FORMAT.md.
 *
 * Times are kept in integer milliseconds so that layout arithmetic is exact;
 * decimals beyond the millisecond are rejected rather than rounded.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "asanavox/diag.h"
#include "asanavox/session.h"

/* Parse an unsigned decimal number with at most 3 fraction digits at s[*i],
 * in thousandths.  Returns 0 on success, -1 when there is no number, -2
 * when it has more than 3 decimals, -3 when it is absurdly large. */
static int parse_milli(const char *s, size_t len, size_t *i, int64_t *out)
{
    size_t p = *i;
    int64_t whole = 0;
    int digits = 0;
    while (p < len && isdigit((unsigned char)s[p])) {
        if (whole > 100000000)
            return -3;
        whole = whole * 10 + (s[p] - '0');
        p++;
        digits++;
    }
    int64_t frac = 0;
    int fd = 0;
    if (p < len && s[p] == '.' && p + 1 < len && isdigit((unsigned char)s[p + 1])) {
        p++;
        while (p < len && isdigit((unsigned char)s[p])) {
            if (fd == 3)
                return -2;
            frac = frac * 10 + (s[p] - '0');
            fd++;
            p++;
        }
    }
    if (digits == 0 && fd == 0)
        return -1;
    while (fd < 3) {
        frac *= 10;
        fd++;
    }
    *out = whole * 1000 + frac;
    *i = p;
    return 0;
}

static size_t skip_space(const char *s, size_t len, size_t i)
{
    while (i < len && (s[i] == ' ' || s[i] == '\t'))
        i++;
    return i;
}

struct unit {
    const char *name;
    enum dur_unit kind;
    int64_t scale; /* ms per unit for times */
    int rank;      /* h=3, m=2, s=1: times must come in descending order */
};

static const struct unit units[] = {
    {"h", DUR_TIME, 3600000, 3},      {"hr", DUR_TIME, 3600000, 3},
    {"hrs", DUR_TIME, 3600000, 3},    {"hour", DUR_TIME, 3600000, 3},
    {"hours", DUR_TIME, 3600000, 3},  {"m", DUR_TIME, 60000, 2},
    {"min", DUR_TIME, 60000, 2},      {"mins", DUR_TIME, 60000, 2},
    {"minute", DUR_TIME, 60000, 2},   {"minutes", DUR_TIME, 60000, 2},
    {"s", DUR_TIME, 1000, 1},         {"sec", DUR_TIME, 1000, 1},
    {"secs", DUR_TIME, 1000, 1},      {"second", DUR_TIME, 1000, 1},
    {"seconds", DUR_TIME, 1000, 1},   {"breath", DUR_BREATHS, 0, 0},
    {"breaths", DUR_BREATHS, 0, 0},   {"rep", DUR_REPS, 0, 0},
    {"reps", DUR_REPS, 0, 0},
};

static const char *const unit_words[] = {"seconds", "minutes", "hours", "breaths", "reps",
                                         "sec", "min", NULL};

static const char *const expected =
    "expected a duration like '30s', '2 min', '1:30', '6 breaths' or '8 reps'";

static const struct unit *find_unit(const char *w, size_t n)
{
    for (size_t k = 0; k < sizeof(units) / sizeof(units[0]); k++)
        if (strlen(units[k].name) == n && !strncmp(units[k].name, w, n))
            return &units[k];
    return NULL;
}

/* "M:SS" or "H:MM:SS" at s[0..len) */
static const char *parse_clock(const char *s, size_t len, int64_t *ms, size_t *err_off)
{
    int64_t part[3];
    int n = 0;
    size_t i = 0;
    for (;;) {
        if (n == 3) {
            *err_off = i;
            return "a clock time has at most three parts (H:MM:SS)";
        }
        size_t start = i;
        int64_t v = 0;
        int digits = 0;
        while (i < len && isdigit((unsigned char)s[i])) {
            if (v > 1000000) {
                *err_off = start;
                return "number too large";
            }
            v = v * 10 + (s[i] - '0');
            i++;
            digits++;
        }
        if (!digits) {
            *err_off = i;
            return expected;
        }
        if (n > 0 && (digits != 2 || v > 59)) {
            *err_off = start;
            return "minutes and seconds after ':' are two digits, 00 to 59";
        }
        part[n++] = v;
        if (i == len)
            break;
        if (s[i] != ':') {
            *err_off = i;
            return expected;
        }
        i++;
    }
    if (n == 2)
        *ms = (part[0] * 60 + part[1]) * 1000;
    else
        *ms = ((part[0] * 60 + part[1]) * 60 + part[2]) * 1000;
    return NULL;
}

const char *duration_parse(const char *s, size_t len, unsigned allowed, struct duration *out,
                           size_t *err_off, char *msg, size_t msg_size)
{
    struct duration d = {.unit = DUR_NONE};
    *err_off = 0;
    if (len == 0)
        return expected;
    if (memchr(s, ':', len)) {
        const char *e = parse_clock(s, len, &d.ms, err_off);
        if (e)
            return e;
        d.unit = DUR_TIME;
    } else {
        size_t i = 0;
        int last_rank = 99;
        while (i < len) {
            size_t num_at = i;
            int64_t v;
            int r = parse_milli(s, len, &i, &v);
            if (r == -1) {
                *err_off = i;
                return expected;
            }
            if (r == -2) {
                *err_off = num_at;
                return "at most three decimals (milliseconds)";
            }
            if (r == -3) {
                *err_off = num_at;
                return "number too large";
            }
            i = skip_space(s, len, i);
            size_t w = i;
            /* A unit is a word of letters, in any script: "Atemzüge" is
             * reported whole, not cut at the 'ü'. */
            while (i < len && (isalpha((unsigned char)s[i]) || (unsigned char)s[i] >= 0x80))
                i++;
            if (i == w) {
                *err_off = w;
                return w == len ? "missing unit: say '30s', '6 breaths' or '8 reps'" : expected;
            }
            const struct unit *u = find_unit(s + w, i - w);
            if (!u) {
                const char *sug = diag_suggest(s + w, i - w, unit_words);
                *err_off = w;
                /* Quote at most 24 characters, cut between characters, so
                 * the message fits `msg` whole. */
                size_t shown = 0;
                for (int chars = 0; w + shown < i && chars < 24; chars++) {
                    shown++;
                    while (w + shown < i && ((unsigned char)s[w + shown] & 0xC0) == 0x80)
                        shown++;
                }
                const char *more = w + shown < i ? "..." : "";
                if (sug)
                    snprintf(msg, msg_size, "unknown duration unit '%.*s%s' (did you mean '%s'?)",
                             (int)shown, s + w, more, sug);
                else
                    snprintf(msg, msg_size, "unknown duration unit '%.*s%s'", (int)shown, s + w,
                             more);
                return msg;
            }
            if (u->kind != DUR_TIME) {
                if (d.unit != DUR_NONE || v % 1000 != 0) {
                    *err_off = num_at;
                    return d.unit != DUR_NONE ? "breaths and reps cannot be combined with other units"
                                              : "breaths and reps are whole numbers";
                }
                if (v / 1000 > 10000) {
                    *err_off = num_at;
                    return "at most 10000 breaths or reps";
                }
                d.unit = u->kind;
                d.count = (int32_t)(v / 1000);
            } else {
                if (d.unit != DUR_NONE && d.unit != DUR_TIME) {
                    *err_off = w;
                    return "breaths and reps cannot be combined with other units";
                }
                if (u->rank >= last_rank) {
                    *err_off = num_at;
                    return "units must go from hours to minutes to seconds, each once";
                }
                last_rank = u->rank;
                if (v > SESSION_MAX_MS * 1000 / u->scale) {
                    *err_off = num_at;
                    return "a duration can be at most 24 hours";
                }
                d.unit = DUR_TIME;
                /* v is in thousandths of the unit. */
                d.ms += v * u->scale / 1000;
                if (v * u->scale % 1000 != 0) {
                    *err_off = num_at;
                    return "a duration must be a whole number of milliseconds";
                }
            }
            i = skip_space(s, len, i);
            if (i < len && d.unit != DUR_TIME) {
                *err_off = i;
                return "unexpected text after the duration";
            }
        }
    }
    if (d.unit == DUR_TIME && d.ms > SESSION_MAX_MS) {
        *err_off = 0;
        return "a duration can be at most 24 hours";
    }
    if (!(allowed & (1u << d.unit))) {
        *err_off = 0;
        if (allowed == (1u << DUR_TIME))
            return "expected a time like '30s', '2 min' or '1:30' (breaths and reps are for poses)";
        return expected;
    }
    *out = d;
    return NULL;
}

/* One pace of 2 or 4 numbers. */
static const char *pace_one(const char *s, size_t len, struct pace *out, size_t *err_off)
{
    int64_t v[4];
    int n = 0;
    size_t i = 0;
    for (;;) {
        while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == ':' || s[i] == '/'))
            i++;
        if (i == len)
            break;
        if (n == 4) {
            *err_off = i;
            return "a pace has 2 numbers (inhale exhale) or 4 (inhale hold exhale hold)";
        }
        size_t at = i;
        if (s[i] == '-') {
            *err_off = i;
            return "a pace cannot be negative";
        }
        int r = parse_milli(s, len, &i, &v[n]);
        if (r == -1) {
            *err_off = at;
            return "expected a number of seconds";
        }
        if (r == -2) {
            *err_off = at;
            return "at most three decimals (milliseconds)";
        }
        if (r == -3 || v[n] > 60000) {
            *err_off = at;
            return "a breath phase can be at most 60 seconds";
        }
        if (i < len && s[i] == 's')
            i++; /* "4s 6s" reads naturally too */
        if (i < len && !(s[i] == ' ' || s[i] == '\t' || s[i] == ':' || s[i] == '/')) {
            *err_off = i;
            return "expected a number of seconds";
        }
        n++;
    }
    if (n != 2 && n != 4) {
        *err_off = n == 0 ? 0 : len;
        return "a pace has 2 numbers (inhale exhale) or 4 (inhale hold exhale hold)";
    }
    struct pace p;
    if (n == 2) {
        p.ms[0] = (int32_t)v[0], p.ms[1] = 0, p.ms[2] = (int32_t)v[1], p.ms[3] = 0;
    } else {
        for (int k = 0; k < 4; k++)
            p.ms[k] = (int32_t)v[k];
    }
    if (p.ms[0] < 100 || p.ms[2] < 100) {
        *err_off = 0;
        return "inhale and exhale must last at least 0.1 seconds";
    }
    memcpy(p.to, p.ms, sizeof p.to);
    p.ramp = false;
    *out = p;
    return NULL;
}

const char *pace_parse(const char *s, size_t len, struct pace *out, size_t *err_off)
{
    /* "A to B": the word "to" between spaces splits a ramp. */
    size_t to = len;
    for (size_t i = 1; i + 3 < len; i++) {
        if ((s[i - 1] == ' ' || s[i - 1] == '\t') && s[i] == 't' && s[i + 1] == 'o' &&
            (s[i + 2] == ' ' || s[i + 2] == '\t')) {
            to = i;
            break;
        }
    }
    if (to == len)
        return pace_one(s, len, out, err_off);
    struct pace a, b;
    const char *err = pace_one(s, to, &a, err_off);
    if (err)
        return err;
    size_t bb = to + 2;
    while (bb < len && (s[bb] == ' ' || s[bb] == '\t'))
        bb++;
    err = pace_one(s + bb, len - bb, &b, err_off);
    if (err) {
        *err_off += bb;
        return err;
    }
    memcpy(a.to, b.ms, sizeof a.to);
    a.ramp = memcmp(a.ms, a.to, sizeof a.ms) != 0;
    *out = a;
    return NULL;
}

char *format_clock(int64_t ms, char *buf, size_t size)
{
    if (ms < 0)
        ms = 0;
    int64_t tenths = (ms % 1000) / 100;
    int64_t s = ms / 1000;
    if (s >= 3600)
        snprintf(buf, size, "%lld:%02lld:%02lld", (long long)(s / 3600), (long long)(s / 60 % 60),
                 (long long)(s % 60));
    else
        snprintf(buf, size, "%lld:%02lld", (long long)(s / 60), (long long)(s % 60));
    if (tenths) {
        size_t n = strlen(buf);
        snprintf(buf + n, size - n, ".%lld", (long long)tenths);
    }
    return buf;
}
