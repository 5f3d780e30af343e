/*
 * cli_common.c — option parsing and session loading shared by commands.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asanavox/diag.h"
#include "asanavox/error.h"
#include "asanavox/paths.h"
#include "asanavox/phrases.h"
#include "asanavox/timeline.h"
#include "asanavox/voice.h"
#include "cli.h"
#include "commands.h"

const char cli_session_options_help[] =
    "  --pace IN[:HOLD]:OUT[:HOLD]  breath pace in seconds (replaces the session's pace:)\n"
    "  --voice NAME                 espeak-ng voice (e.g. en-us, en-gb)\n"
    "  --language LANG              built-in phrases (and voice) in LANG: en, de, es, fr, ...\n"
    "  --speed WPM                  speaking speed, 80 to 450 words per minute\n"
    "  --prompts N|all|none         breaths per hold with spoken prompts\n";

bool cli_is_help(const char *arg)
{
    return !strcmp(arg, "--help") || !strcmp(arg, "-h");
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

int cli_take_value(const char *cmd, const char *longopt, const char *shortopt, int argc,
                   char **argv, int *i, const char **val)
{
    const char *a = argv[*i];
    size_t n = strlen(longopt);
    if (!strncmp(a, longopt, n) && a[n] == '=') {
        *val = a + n + 1;
        return 1;
    }
    if (strcmp(a, longopt) != 0 && !(shortopt && !strcmp(a, shortopt)))
        return 0;
    if (*i + 1 >= argc) {
        fprintf(stderr, "asanavox %s: %s needs a value\n", cmd, a);
        return -1;
    }
    *val = argv[++*i];
    return 1;
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
    if (end == s || *end || errno || !(v >= lo && v <= hi))
        return false;
    *out = v;
    return true;
}

int cli_take_session_option(const char *cmd, int argc, char **argv, int *i,
                            struct compile_options *o)
{
    const char *v;
    int r;
    if ((r = cli_take_value(cmd, "--pace", NULL, argc, argv, i, &v)) != 0) {
        if (r > 0 && !cli_parse_pace(v, o->pace)) {
            o->has_pace = true;
            return 1;
        }
        if (r > 0)
            fprintf(stderr, "asanavox %s: --pace wants IN:OUT or IN:HOLD:OUT:HOLD in seconds, e.g. --pace 4:6\n",
                    cmd);
        return -1;
    }
    if ((r = cli_take_value(cmd, "--voice", NULL, argc, argv, i, &v)) != 0) {
        if (r > 0 && *v) {
            o->voice = v;
            return 1;
        }
        if (r > 0)
            fprintf(stderr, "asanavox %s: --voice wants an espeak-ng voice name, e.g. en-us\n", cmd);
        return -1;
    }
    if ((r = cli_take_value(cmd, "--language", NULL, argc, argv, i, &v)) != 0) {
        if (r > 0 && phrase_catalog_find(v)) {
            o->language = v;
            return 1;
        }
        if (r > 0)
            fprintf(stderr, "asanavox %s: --language: no built-in phrases for '%s'; the languages are %s\n",
                    cmd, v, phrase_languages());
        return -1;
    }
    if ((r = cli_take_value(cmd, "--speed", NULL, argc, argv, i, &v)) != 0) {
        long sp;
        if (r > 0 && cli_parse_long(v, 80, 450, &sp)) {
            o->speed = (int)sp;
            return 1;
        }
        if (r > 0)
            fprintf(stderr, "asanavox %s: --speed wants words per minute, 80 to 450\n", cmd);
        return -1;
    }
    if ((r = cli_take_value(cmd, "--prompts", NULL, argc, argv, i, &v)) != 0) {
        long k;
        if (r < 0)
            return -1;
        if (!strcmp(v, "all"))
            o->prompts = INT_MAX;
        else if (!strcmp(v, "none"))
            o->prompts = 0;
        else if (cli_parse_long(v, 0, INT_MAX, &k))
            o->prompts = (int)k;
        else {
            fprintf(stderr, "asanavox %s: --prompts wants a number, 'all' or 'none'\n", cmd);
            return -1;
        }
        return 1;
    }
    return 0;
}

static void print_search_path(FILE *f)
{
    char **dirs;
    if (paths_session_dirs(&dirs))
        return;
    fprintf(f, "  looked in:");
    for (char **d = dirs; *d; d++)
        fprintf(f, " %s", *d);
    fprintf(f, "\n  'asanavox list' shows the sessions there.\n");
    paths_free_list(dirs);
}

int cli_voice(const char *cmd, struct voice **voice)
{
    int err = voice_create(voice);
    if (err) {
        fprintf(stderr, "asanavox %s: cannot start espeak-ng: %s (is espeak-ng-data installed?)\n",
                cmd, av_strerror(err));
        return EXIT_RUNTIME;
    }
    return EXIT_OK;
}

int cli_compile(const char *cmd, const char *name, const struct compile_options *o,
                struct voice **voice_out, struct timeline **tl)
{
    char *path = NULL;
    int err = paths_find_session(name, &path);
    if (err == AV_EINVAL) {
        fprintf(stderr, "asanavox %s: '%s' is not a session name (use a path with '/' for files)\n",
                cmd, name);
        return EXIT_USAGE;
    }
    if (err == AV_ENOENT) {
        if (paths_is_file_arg(name)) {
            fprintf(stderr, "asanavox %s: %s: no such file\n", cmd, name);
        } else {
            fprintf(stderr, "asanavox %s: no session named '%s'\n", cmd, name);
            print_search_path(stderr);
        }
        return EXIT_USAGE;
    }
    if (err) {
        fprintf(stderr, "asanavox %s: %s\n", cmd, av_strerror(err));
        return EXIT_RUNTIME;
    }
    struct voice *voice = voice_out && *voice_out ? *voice_out : NULL;
    bool ours = !voice;
    if (ours && cli_voice(cmd, &voice)) {
        free(path);
        return EXIT_RUNTIME;
    }
    struct diag *d = diag_create();
    if (!d) {
        if (ours)
            voice_destroy(voice);
        free(path);
        fprintf(stderr, "asanavox %s: out of memory\n", cmd);
        return EXIT_RUNTIME;
    }
    struct compile_env env;
    compile_env_default(&env, voice);
    err = compile_session(path, o, &env, d, tl);
    diag_print(d, stderr);
    diag_destroy(d);
    int status = EXIT_OK;
    if (err == AV_ESYNTAX || err == AV_EINVAL) {
        status = EXIT_USAGE;
    } else if (err == AV_ENOENT || err == AV_EIO) {
        fprintf(stderr, "asanavox %s: cannot read %s: %s\n", cmd, path, av_strerror(err));
        status = EXIT_USAGE;
    } else if (err) {
        fprintf(stderr, "asanavox %s: %s\n", cmd, av_strerror(err));
        status = EXIT_RUNTIME;
    }
    free(path);
    if (ours) {
        if (status || !voice_out)
            voice_destroy(voice);
        else
            *voice_out = voice;
    }
    return status;
}
