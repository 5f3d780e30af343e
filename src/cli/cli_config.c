/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cli_config.c — reading the preferences file and putting its options in
 * front of a command line (cli_config.h).
 *
 * The file is small and line-based, so it is read by hand here: the
 * session parser's header rules (one `key: value` per line, `#` comments)
 * are simple enough that sharing its lexer would cost more than these
 * lines, and its diagnostics are about session files.
 */
#include "cli_config.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asanavox/error.h"
#include "asanavox/utf8.h"
#include "commands.h"

static const struct cli_config_key keys[] = {
    {"voice", false, "espeak-ng voice (replaces the session's voice:)"},
    {"speed", false, "words per minute (replaces the session's speed:)"},
    {"language", false, "built-in phrases in this language"},
    {"pace", false, "breath pace IN:OUT or IN:HOLD:OUT:HOLD (replaces pace:)"},
    {"prompts", false, "breaths per hold with spoken prompts (replaces prompts:)"},
    {"volume", false, "dB louder or softer than -16 LUFS"},
    {"voice-volume", false, "dB for the voice alone"},
    {"bell-volume", false, "dB for bells and breath guides"},
    {"ambience", false, "ambient bed: ocean, rain, drone or none"},
    {"ambience-volume", false, "dB for the ambient bed"},
    {"guide", false, "breaths without prompts: swell, tone or none"},
    {"mono", true, "one channel instead of two (yes/no)"},
    {"rate", false, "sample rate in Hz"},
    {"device", false, "play's output device (see 'asanavox devices')"},
    {"delay", false, "play's quiet lead-in before the session (e.g. 20s)"},
    {"format", false, "render's format when no -o is given: wav, flac, ogg, opus or mp3"},
    {"output-dir", false, "where render writes NAME.FORMAT by default"},
    {"history", true, "keep the practice log (yes/no; default yes)"},
    {0},
};

const struct cli_config_key *cli_config_keys(void)
{
    return keys;
}

static const struct cli_config_key *find_key(const char *name, size_t len)
{
    for (const struct cli_config_key *k = keys; k->name; k++)
        if (strlen(k->name) == len && !strncmp(k->name, name, len))
            return k;
    return NULL;
}

char *cli_config_path(void)
{
    const char *xdg = getenv("XDG_CONFIG_HOME");
    const char *home = getenv("HOME");
    char buf[4096];
    int n;
    if (xdg && xdg[0] == '/')
        n = snprintf(buf, sizeof buf, "%s/asanavox/config", xdg);
    else if (home && home[0])
        n = snprintf(buf, sizeof buf, "%s/.config/asanavox/config", home);
    else
        return NULL;
    if (n < 0 || (size_t)n >= sizeof buf)
        return NULL;
    return strdup(buf);
}

int cli_config_yes_no(const char *v)
{
    static const char *const yes[] = {"yes", "on", "true", "1"};
    static const char *const no[] = {"no", "off", "false", "0"};
    for (size_t i = 0; i < 4; i++) {
        if (!strcmp(v, yes[i]))
            return 1;
        if (!strcmp(v, no[i]))
            return 0;
    }
    return -1;
}

void cli_config_deinit(struct cli_config *cfg)
{
    free(cfg->path);
    for (size_t i = 0; i < cfg->n; i++) {
        free(cfg->e[i].key);
        free(cfg->e[i].value);
    }
    free(cfg->e);
    for (size_t i = 0; i < cfg->n_args; i++)
        free(cfg->args[i]);
    free(cfg->args);
    free(cfg->argv);
    memset(cfg, 0, sizeof *cfg);
}

const char *cli_config_get(const struct cli_config *cfg, const char *key, int *line)
{
    for (size_t i = 0; i < cfg->n; i++) {
        if (!strcmp(cfg->e[i].key, key)) {
            if (line)
                *line = cfg->e[i].line;
            return cfg->e[i].value;
        }
    }
    return NULL;
}

static void config_error(const struct cli_config *cfg, int line, size_t col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void config_error(const struct cli_config *cfg, int line, size_t col, const char *fmt, ...)
{
    fprintf(stderr, "%s:%d:%zu: error: ", cfg->path, line, col);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* Read at most CLI_CONFIG_MAX_BYTES + 1 bytes of the file.  Returns 0,
 * AV_ENOENT (no file), AV_EIO (with errno) or AV_ENOMEM. */
static int slurp(const char *path, char **data, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return errno == ENOENT || errno == ENOTDIR ? AV_ENOENT : AV_EIO;
    char *buf = malloc(CLI_CONFIG_MAX_BYTES + 2);
    if (!buf) {
        fclose(f);
        return AV_ENOMEM;
    }
    size_t n = fread(buf, 1, CLI_CONFIG_MAX_BYTES + 1, f);
    int bad = ferror(f);
    int saved = errno;
    fclose(f);
    if (bad) {
        free(buf);
        errno = saved;
        return AV_EIO;
    }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return AV_OK;
}

/* Parse one line [s, s+len) (no newline).  Returns 0, or EXIT_USAGE /
 * EXIT_RUNTIME after reporting. */
static int parse_line(struct cli_config *cfg, const char *s, size_t len, int line)
{
    /* The comment ends the line; control characters (other than tab) are
     * never echoed, only their column. */
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f) {
            config_error(cfg, line, i + 1, "control character (byte %d)", c);
            return EXIT_USAGE;
        }
    }
    size_t bad = utf8_validate(s, len);
    if (bad != len) {
        config_error(cfg, line, bad + 1, "not UTF-8 text (byte 0x%02x)", (unsigned char)s[bad]);
        return EXIT_USAGE;
    }
    size_t end = len;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '#' && (i == 0 || s[i - 1] != '\\')) {
            end = i;
            break;
        }
    }
    size_t b = 0;
    while (b < end && (s[b] == ' ' || s[b] == '\t'))
        b++;
    while (end > b && (s[end - 1] == ' ' || s[end - 1] == '\t'))
        end--;
    if (b == end)
        return 0;
    const char *colon = memchr(s + b, ':', end - b);
    if (!colon) {
        config_error(cfg, line, b + 1, "expected 'key: value' (e.g. 'voice: en-gb')");
        return EXIT_USAGE;
    }
    size_t kend = (size_t)(colon - s);
    while (kend > b && (s[kend - 1] == ' ' || s[kend - 1] == '\t'))
        kend--;
    char key[64];
    size_t klen = kend - b;
    if (klen == 0 || klen >= sizeof key) {
        config_error(cfg, line, b + 1, "expected 'key: value' (e.g. 'voice: en-gb')");
        return EXIT_USAGE;
    }
    /* Keys are case-insensitive, as session headers are written in
     * lower case; "output dir" and "output_dir" mean "output-dir". */
    for (size_t i = 0; i < klen; i++) {
        char c = s[b + i];
        key[i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : (c == ' ' || c == '_') ? '-' : c;
    }
    key[klen] = '\0';
    const struct cli_config_key *k = find_key(key, klen);
    if (!k) {
        char shown[64];
        size_t j = 0;
        for (size_t i = 0; i < klen && j + 1 < sizeof shown; i++)
            shown[j++] = (unsigned char)key[i] < 0x80 ? key[i] : '?';
        shown[j] = '\0';
        config_error(cfg, line, b + 1, "unknown key '%s' ('asanavox config' lists the keys)", shown);
        return EXIT_USAGE;
    }
    int first;
    if (cli_config_get(cfg, k->name, &first)) {
        config_error(cfg, line, b + 1, "'%s:' is given twice (first on line %d)", k->name, first);
        return EXIT_USAGE;
    }
    size_t vb = (size_t)(colon - s) + 1;
    while (vb < end && (s[vb] == ' ' || s[vb] == '\t'))
        vb++;
    if (vb == end) {
        config_error(cfg, line, (size_t)(colon - s) + 1, "'%s:' needs a value", k->name);
        return EXIT_USAGE;
    }
    char *value = strndup(s + vb, end - vb);
    if (!value)
        return EXIT_RUNTIME;
    if (k->yes_no && cli_config_yes_no(value) < 0) {
        free(value);
        config_error(cfg, line, vb + 1, "'%s:' wants yes or no", k->name);
        return EXIT_USAGE;
    }
    struct cli_config_entry *grown = realloc(cfg->e, (cfg->n + 1) * sizeof *grown);
    char *kcopy = strdup(k->name);
    if (!grown || !kcopy) {
        if (grown)
            cfg->e = grown;
        free(kcopy);
        free(value);
        return EXIT_RUNTIME;
    }
    cfg->e = grown;
    cfg->e[cfg->n++] = (struct cli_config_entry){kcopy, value, line};
    return 0;
}

int cli_config_load(struct cli_config *cfg, const char *cmd)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->path = cli_config_path();
    if (!cfg->path)
        return 0;
    char *data = NULL;
    size_t len = 0;
    int err = slurp(cfg->path, &data, &len);
    if (err == AV_ENOENT)
        return 0;
    if (err) {
        fprintf(stderr, "asanavox %s: cannot read %s: %s\n", cmd, cfg->path,
                err == AV_EIO ? strerror(errno) : av_strerror(err));
        return EXIT_RUNTIME;
    }
    cfg->found = true;
    int status = 0;
    if (len > CLI_CONFIG_MAX_BYTES) {
        fprintf(stderr, "%s:1:1: error: the file is over %d KiB; is it the right file?\n",
                cfg->path, CLI_CONFIG_MAX_BYTES / 1024);
        status = EXIT_USAGE;
        goto out;
    }
    size_t at = 0;
    int line = 1;
    if (len >= 3 && !memcmp(data, "\xEF\xBB\xBF", 3))
        at = 3; /* a byte-order mark, as some editors write */
    while (at < len && !status) {
        const char *nl = memchr(data + at, '\n', len - at);
        size_t n = nl ? (size_t)(nl - (data + at)) : len - at;
        size_t m = n;
        if (m && data[at + m - 1] == '\r')
            m--;
        status = parse_line(cfg, data + at, m, line++);
        at += n + 1;
    }
    if (status == EXIT_RUNTIME)
        fprintf(stderr, "asanavox %s: %s\n", cmd, av_strerror(AV_ENOMEM));
out:
    free(data);
    return status;
}

bool cli_parser_has(const struct cli_parser *p, const char *name)
{
    for (int i = 0; i < p->n_opt; i++)
        if (!strcmp(p->opt[i]->name, name))
            return true;
    return false;
}

static bool takes_value(const struct cli_parser *p, const char *name)
{
    for (int i = 0; i < p->n_opt; i++)
        if (!strcmp(p->opt[i]->name, name))
            return p->opt[i]->arg != NULL;
    return false;
}

/* "--name" or "--name=value" for entry `e`; NULL for a yes/no option set
 * to no (nothing to add) and when out of memory (*oom). */
static char *option_text(const struct cli_parser *p, const struct cli_config_entry *e, bool *oom)
{
    size_t n = strlen(e->key) + strlen(e->value) + 4;
    char *s = malloc(n);
    if (!s) {
        *oom = true;
        return NULL;
    }
    if (takes_value(p, e->key)) {
        snprintf(s, n, "--%s=%s", e->key, e->value);
    } else {
        if (cli_config_yes_no(e->value) != 1) {
            free(s);
            return NULL;
        }
        snprintf(s, n, "--%s", e->key);
    }
    return s;
}

int cli_config_apply(struct cli_config *cfg, struct cli_parser *p)
{
    if (cfg->n == 0)
        return 0;
    cfg->args = calloc(cfg->n, sizeof *cfg->args);
    cfg->argv = calloc((size_t)p->argc + cfg->n + 1, sizeof *cfg->argv);
    if (!cfg->args || !cfg->argv)
        goto oom;
    int argc = 0;
    cfg->argv[argc++] = p->argv[0];
    for (size_t i = 0; i < cfg->n; i++) {
        const struct cli_config_entry *e = &cfg->e[i];
        /* format: is render's default when no -o is given, not --format
         * (which would contradict an -o out.wav); the others are no options. */
        if (!cli_parser_has(p, e->key) || !strcmp(e->key, "format") ||
            !strcmp(e->key, "output-dir") || !strcmp(e->key, "history"))
            continue;
        bool oom = false;
        char *opt = option_text(p, e, &oom);
        if (oom)
            goto oom;
        if (!opt)
            continue;
        cfg->args[cfg->n_args++] = opt;
        /* Check the value on its own, so that an error names the line:
         * the parser's messages start "asanavox CMD: ", here
         * "asanavox CMD: PATH:LINE: ". */
        char label[4200];
        snprintf(label, sizeof label, "%s: %s:%d", p->cmd, cfg->path, e->line);
        char *one[] = {p->argv[0], opt, NULL};
        struct cli_parser q;
        struct cli_common scratch;
        cli_common_init(&scratch);
        cli_parser_init(&q, label, p->groups, p->own, NULL, 2, one);
        const char *val;
        int key;
        while ((key = cli_next(&q, &scratch, &val)) >= 0) {
        }
        if (key != CLI_END)
            return EXIT_USAGE;
        cfg->argv[argc++] = opt;
    }
    for (int i = 1; i < p->argc; i++)
        cfg->argv[argc++] = p->argv[i];
    cfg->argv[argc] = NULL;
    p->argc = argc;
    p->argv = cfg->argv;
    optind = 0; /* the checks above used getopt_long: start afresh */
    return 0;
oom:
    fprintf(stderr, "asanavox %s: %s\n", p->cmd, av_strerror(AV_ENOMEM));
    return EXIT_RUNTIME;
}
