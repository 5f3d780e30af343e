/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cli_options.c — the command-line option parser (getopt_long) and the
 * options check, plan, render and play share.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asanavox/config.h"
#include "asanavox/error.h"
#include "cli.h"
#include "asanavox/escape.h"
#include "asanavox/phrases.h"
#include "asanavox/session.h"
#include "cli_options.h"

bool cli_use_cache = true;

static const struct cli_option session_options[] = {
    {"pace", CLI_PACE, "IN[:HOLD]:OUT[:HOLD]", "breath pace in seconds (replaces the session's pace:)"},
    {"voice", CLI_VOICE, "NAME", "espeak-ng voice (e.g. en-us, en-gb)"},
    {"language", CLI_LANGUAGE, "LANG", "built-in phrases (and voice) in LANG: en, de, es, fr, ..."},
    {"speed", CLI_SPEED, "WPM", "speaking speed, 80 to 450 words per minute"},
    {"prompts", CLI_PROMPTS, "N|all|none", "breaths per hold with spoken prompts"},
    {"guide", CLI_GUIDE, "swell|tone|none", "how breaths without prompts sound (replaces guide:)"},
    {"ambience", CLI_AMBIENCE, "NAME", "ambient bed: ocean, rain, drone or none (replaces ambience:)"},
    {0},
};

static const struct cli_option rate_options[] = {
    {"rate", CLI_RATE, "HZ", "sample rate, 8000 to 192000 (default 48000)"},
    {0},
};

static const struct cli_option audio_options[] = {
    {"mono", CLI_MONO, NULL, "one channel instead of two"},
    {"volume", CLI_VOLUME, "DB", "louder or softer than the -16 LUFS default, -40 to 20"},
    {"voice-volume", CLI_VOICE_VOLUME, "DB", "the voice alone, -40 to 20 dB (replaces voice-volume:)"},
    {"bell-volume", CLI_BELL_VOLUME, "DB", "bells and breath guides, -40 to 20 dB"},
    {"ambience-volume", CLI_AMBIENCE_VOLUME, "DB", "the ambient bed, -40 to 20 dB"},
    {0},
};

static const struct cli_option cache_options[] = {
    {"no-cache", CLI_NO_CACHE, NULL, "neither read nor write the speech and session caches"},
    {0},
};

static const struct cli_option variant_options[] = {
    {"length", CLI_LENGTH, "DURATION", "scale the holds so the session lasts about this long (20m, 1:30:00)"},
    {"skip", CLI_SKIP, "NAME", "leave out the pose, flow or breathe steps named NAME (repeatable)"},
    {0},
};

static const struct cli_option always_options[] = {
    {"help", CLI_HELP, NULL, "show this help"},
    {"version", CLI_VERSION, NULL, "print the version"},
    {0},
};

void cli_common_init(struct cli_common *c)
{
    memset(c, 0, sizeof *c);
    compile_options_init(&c->co);
}

static void add_table(struct cli_parser *p, const struct cli_option *t)
{
    for (; t && t->name; t++) {
        /* The tables are ours and small; running out is a programming
         * error that the parser tests would show at once. */
        if (p->n_opt == CLI_MAX_OPTIONS)
            abort();
        p->opt[p->n_opt++] = t;
    }
}

void cli_parser_init(struct cli_parser *p, const char *cmd, unsigned groups,
                     const struct cli_option *own, void (*usage)(FILE *f), int argc, char **argv)
{
    memset(p, 0, sizeof *p);
    p->cmd = cmd;
    p->argc = argc;
    p->argv = argv;
    p->groups = groups;
    p->own = own;
    p->usage = usage;
    if (groups & CLI_SESSION)
        add_table(p, session_options);
    if (groups & CLI_RATE_OPT)
        add_table(p, rate_options);
    if (groups & CLI_AUDIO)
        add_table(p, audio_options);
    if (groups & (CLI_SESSION | CLI_CACHE_OPT))
        add_table(p, cache_options);
    if (groups & CLI_VARIANT)
        add_table(p, variant_options);
    add_table(p, own);
    add_table(p, always_options);
    /* ':' first: a missing value comes back as ':' rather than '?', and
     * getopt prints nothing (opterr = 0 below); we print our own lines. */
    char *s = p->shortopts;
    *s++ = ':';
    for (int i = 0; i < p->n_opt; i++) {
        const struct cli_option *o = p->opt[i];
        p->longopts[i] = (struct option){o->name, o->arg ? required_argument : no_argument,
                                         NULL, o->key};
        if (o->key > 0 && o->key < 128) {
            *s++ = (char)o->key;
            if (o->arg)
                *s++ = ':';
        }
    }
    *s = '\0';
    p->longopts[p->n_opt] = (struct option){0};
    /* 0, not 1: glibc then starts afresh (a previous parse may have left
     * state behind, e.g. in the tests that parse many command lines). */
    optind = 0;
    opterr = 0;
}

static const struct cli_option *find_key(const struct cli_parser *p, int key)
{
    for (int i = 0; i < p->n_opt; i++)
        if (p->opt[i]->key == key)
            return p->opt[i];
    return NULL;
}

/* The unknown option `arg` ("--xyz[=v]" or "-x"): say whether it is
 * unknown or an ambiguous prefix, and of which options. */
static void report_unknown(const struct cli_parser *p, const char *arg, int short_key)
{
    if (short_key) {
        fprintf(stderr, "asanavox %s: unknown option '-%c' (see 'asanavox %s --help')\n", p->cmd,
                short_key, p->cmd);
        return;
    }
    const char *name = arg + 2;
    size_t len = strcspn(name, "=");
    int matches = 0;
    for (int i = 0; i < p->n_opt; i++)
        matches += !strncmp(p->opt[i]->name, name, len);
    if (matches > 1 && len > 0) {
        fprintf(stderr, "asanavox %s: option '--%.*s' is ambiguous; it could be", p->cmd,
                (int)len, name);
        for (int i = 0; i < p->n_opt; i++)
            if (!strncmp(p->opt[i]->name, name, len))
                fprintf(stderr, " --%s", p->opt[i]->name);
        fputc('\n', stderr);
        return;
    }
    fprintf(stderr, "asanavox %s: unknown option '%.*s' (see 'asanavox %s --help')\n", p->cmd,
            (int)(len + 2), arg, p->cmd);
}

/* Store a shared option's value.  Returns 0, or CLI_EXIT_USAGE after
 * printing why the value is bad. */
static int take_common(const struct cli_parser *p, int key, const char *v, struct cli_common *c)
{
    const char *cmd = p->cmd;
    long n;
    switch (key) {
    case CLI_PACE:
        if (cli_parse_pace(v, c->co.pace) == AV_OK) {
            c->co.has_pace = true;
            return 0;
        }
        fprintf(stderr,
                "asanavox %s: --pace wants IN:OUT or IN:HOLD:OUT:HOLD in seconds, e.g. --pace 4:6\n",
                cmd);
        return CLI_EXIT_USAGE;
    case CLI_VOICE:
        if (*v) {
            c->co.voice = v;
            return 0;
        }
        fprintf(stderr, "asanavox %s: --voice wants an espeak-ng voice name, e.g. en-us\n", cmd);
        return CLI_EXIT_USAGE;
    case CLI_LANGUAGE: {
        if (phrase_catalog_find(v)) {
            c->co.language = v;
            return 0;
        }
        char shown[64];
        fprintf(stderr, "asanavox %s: --language: no built-in phrases for '%s'; the languages are %s\n",
                cmd, esc_str(shown, sizeof shown, v), phrase_languages());
        return CLI_EXIT_USAGE;
    }
    case CLI_SPEED:
        if (cli_parse_long(v, 80, 450, &n)) {
            c->co.speed = (int)n;
            return 0;
        }
        fprintf(stderr, "asanavox %s: --speed wants words per minute, 80 to 450\n", cmd);
        return CLI_EXIT_USAGE;
    case CLI_PROMPTS:
        if (!strcmp(v, "all"))
            c->co.prompts = INT_MAX;
        else if (!strcmp(v, "none"))
            c->co.prompts = 0;
        else if (cli_parse_long(v, 0, INT_MAX, &n))
            c->co.prompts = (int)n;
        else {
            fprintf(stderr, "asanavox %s: --prompts wants a number, 'all' or 'none'\n", cmd);
            return CLI_EXIT_USAGE;
        }
        return 0;
    case CLI_RATE:
        if (cli_parse_long(v, 8000, 192000, &n)) {
            c->co.rate = (int)n;
            c->rate_given = true;
            return 0;
        }
        fprintf(stderr, "asanavox %s: --rate must be 8000 to 192000 Hz, not '%s'\n", cmd, v);
        return CLI_EXIT_USAGE;
    case CLI_MONO:
        c->mono = true;
        return 0;
    case CLI_NO_CACHE:
        c->no_cache = true;
        cli_use_cache = false; /* read where the voice is made (cli_voice()) */
        return 0;
    case CLI_LENGTH:
        if (cli_parse_length(v, &c->co.length_ms))
            return 0;
        fprintf(stderr, "asanavox %s: --length wants a time such as 20m, 45s or 1:30:00, not '%s'\n",
                cmd, v);
        return CLI_EXIT_USAGE;
    case CLI_SKIP:
        if (!*v) {
            fprintf(stderr, "asanavox %s: --skip wants the name of a pose, flow or breathe step\n",
                    cmd);
            return CLI_EXIT_USAGE;
        }
        if (c->co.n_skip == COMPILE_MAX_SKIP) {
            fprintf(stderr, "asanavox %s: at most %d --skip options\n", cmd, COMPILE_MAX_SKIP);
            return CLI_EXIT_USAGE;
        }
        c->skip[c->co.n_skip++] = v;
        c->co.skip = c->skip;
        return 0;
    case CLI_VOLUME:
        if (cli_parse_double(v, -40.0, 20.0, &c->volume_db))
            return 0;
        fprintf(stderr, "asanavox %s: --volume must be -40 to 20 dB, not '%s'\n", cmd, v);
        return CLI_EXIT_USAGE;
    case CLI_GUIDE:
        if (!strcmp(v, "swell"))
            c->co.guide = TL_GUIDE_SWELL;
        else if (!strcmp(v, "tone"))
            c->co.guide = TL_GUIDE_TONE;
        else if (!strcmp(v, "none"))
            c->co.guide = TL_GUIDE_NONE;
        else {
            fprintf(stderr, "asanavox %s: --guide wants swell, tone or none\n", cmd);
            return CLI_EXIT_USAGE;
        }
        return 0;
    case CLI_AMBIENCE: {
        /* A plain sound name, like the ambience: header: it is looked up
         * next to the session and in sounds/, never as a path. */
        size_t len = strlen(v);
        bool plain = len > 0 && len <= 128 && v[0] != '.' && !strstr(v, "..");
        for (size_t i = 0; plain && i < len; i++) {
            unsigned char ch = (unsigned char)v[i];
            plain = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.';
        }
        if (plain) {
            c->co.ambience = v;
            return 0;
        }
        fprintf(stderr, "asanavox %s: --ambience wants ocean, rain, drone, none or a sound name\n",
                cmd);
        return CLI_EXIT_USAGE;
    }
    case CLI_VOICE_VOLUME:
    case CLI_BELL_VOLUME:
    case CLI_AMBIENCE_VOLUME: {
        double db;
        if (cli_parse_double(v, -40.0, 20.0, &db)) {
            if (key == CLI_VOICE_VOLUME)
                c->co.has_voice_db = true, c->co.voice_db = db;
            else if (key == CLI_BELL_VOLUME)
                c->co.has_bell_db = true, c->co.bell_db = db;
            else
                c->co.has_ambience_db = true, c->co.ambience_db = db;
            return 0;
        }
        fprintf(stderr, "asanavox %s: --%s must be -40 to 20 dB, not '%s'\n", cmd,
                key == CLI_VOICE_VOLUME  ? "voice-volume"
                : key == CLI_BELL_VOLUME ? "bell-volume"
                                         : "ambience-volume",
                v);
        return CLI_EXIT_USAGE;
    }
    }
    return 1; /* not a shared option */
}

int cli_next(struct cli_parser *p, struct cli_common *c, const char **value)
{
    for (;;) {
        *value = NULL;
        int key = getopt_long(p->argc, p->argv, p->shortopts, p->longopts, NULL);
        if (key == -1) {
            p->optind = optind;
            return CLI_END;
        }
        /* The element just read, to name it in errors: argv is permuted
         * as getopt_long goes, so it is read back after the call.  For a
         * short option inside a cluster ("-mx") it may be an earlier
         * element, so short options are named by optopt instead. */
        const char *elem = optind > 0 && optind <= p->argc ? p->argv[optind - 1] : "";
        const bool is_long = elem[0] == '-' && elem[1] == '-';
        if (key == '?') {
            const struct cli_option *o = optopt ? find_key(p, optopt) : NULL;
            if (o && is_long)
                fprintf(stderr, "asanavox %s: --%s takes no value ('%s')\n", p->cmd, o->name,
                        elem);
            else
                report_unknown(p, elem, is_long ? 0 : optopt);
            return CLI_EXIT_USAGE;
        }
        if (key == ':') {
            const struct cli_option *o = find_key(p, optopt);
            if (o && is_long)
                fprintf(stderr, "asanavox %s: --%s needs a value (%s)\n", p->cmd, o->name,
                        o->arg);
            else
                fprintf(stderr, "asanavox %s: -%c needs a value\n", p->cmd, optopt);
            return CLI_EXIT_USAGE;
        }
        if (key == CLI_HELP) {
            if (p->usage)
                p->usage(stdout);
            return CLI_EXIT_OK;
        }
        if (key == CLI_VERSION) {
            printf("asanavox %s\n", ASANAVOX_VERSION);
            return CLI_EXIT_OK;
        }
        int r = take_common(p, key, optarg, c);
        if (r < 0)
            return r;
        if (r > 0) {
            *value = optarg;
            return key;
        }
    }
}

int cli_exit_status(int result)
{
    return result == CLI_EXIT_OK ? 0 : 2;
}

int cli_parse_plain(const char *cmd, void (*usage)(FILE *f), int argc, char **argv, int *first)
{
    struct cli_common c;
    cli_common_init(&c);
    struct cli_parser p;
    cli_parser_init(&p, cmd, 0, NULL, usage, argc, argv);
    const char *val;
    int key = cli_next(&p, &c, &val);
    if (key != CLI_END)
        return cli_exit_status(key);
    *first = p.optind;
    return -1;
}

static void print_table(FILE *f, const struct cli_option *t)
{
    for (; t && t->name; t++) {
        char left[64];
        if (t->key > 0 && t->key < 128)
            snprintf(left, sizeof left, "-%c, --%s%s%s", t->key, t->name, t->arg ? " " : "",
                     t->arg ? t->arg : "");
        else
            snprintf(left, sizeof left, "    --%s%s%s", t->name, t->arg ? " " : "",
                     t->arg ? t->arg : "");
        if (strlen(left) > 28)
            fprintf(f, "  %s\n  %-28s %s\n", left, "", t->help);
        else
            fprintf(f, "  %-28s %s\n", left, t->help);
    }
}

void cli_print_options(FILE *f, unsigned groups, const struct cli_option *own)
{
    fprintf(f, "options:\n");
    print_table(f, own);
    if (groups & CLI_AUDIO)
        print_table(f, audio_options);
    if (groups & CLI_RATE_OPT)
        print_table(f, rate_options);
    if (groups & CLI_SESSION)
        print_table(f, session_options);
    if (groups & (CLI_SESSION | CLI_CACHE_OPT))
        print_table(f, cache_options);
    if (groups & CLI_VARIANT)
        print_table(f, variant_options);
    print_table(f, always_options);
}

int cli_parse_pace(const char *s, double pace[4])
{
    double v[4];
    int n = 0;
    const char *p = s;
    while (*p) {
        while (*p == ':' || *p == ' ' || *p == '/')
            p++;
        if (!*p)
            break;
        if (n == 4)
            return AV_EINVAL;
        char *end;
        errno = 0;
        v[n] = strtod(p, &end);
        if (end == p || errno || v[n] < 0 || v[n] > 60 || v[n] != v[n])
            return AV_EINVAL;
        p = end;
        if (*p == 's')
            p++;
        if (*p && *p != ':' && *p != ' ' && *p != '/')
            return AV_EINVAL;
        n++;
    }
    if (n == 2) {
        pace[0] = v[0], pace[1] = 0, pace[2] = v[1], pace[3] = 0;
    } else if (n == 4) {
        for (int k = 0; k < 4; k++)
            pace[k] = v[k];
    } else {
        return AV_EINVAL;
    }
    if (pace[0] < 0.1 || pace[2] < 0.1)
        return AV_EINVAL;
    return AV_OK;
}

bool cli_parse_length(const char *s, int64_t *ms)
{
    struct duration d;
    size_t off;
    char msg[160];
    if (duration_parse(s, strlen(s), 1u << DUR_TIME, &d, &off, msg, sizeof msg) || d.ms <= 0)
        return false;
    *ms = d.ms;
    return true;
}

bool cli_parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || *end || errno || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

bool cli_parse_double(const char *s, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end || errno || !isfinite(v) || !(v >= lo && v <= hi))
        return false;
    *out = v;
    return true;
}
