/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cmd_voices.c — `asanavox voices`: the voices of both speech engines
 * (espeak-ng and, when built in, flite) that voice: and --voice take.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "asanavox/voice.h"
#include "cli.h"
#include "commands.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: asanavox voices\n\n"
               "List the voices 'voice:' and '--voice' take: espeak-ng's (add a variant such as\n"
               "+klatt4 to a name) and flite's English voices (flite:NAME).  '*' marks the\n"
               "default for English.\n\n");
    cli_print_options(f, 0, NULL);
}

static void print_one(void *ctx, const struct voice_info *vi)
{
    (void)ctx;
    bool dflt = !strcmp(vi->name, VOICE_DEFAULT_LANGUAGE) && !strcmp(vi->engine, "espeak-ng");
    printf("%c %-10s %-24s %s%s\n", dflt ? '*' : ' ', vi->engine, vi->name, vi->language,
           dflt ? "  (default: " VOICE_DEFAULT ")" : "");
}

int cmd_voices(int argc, char **argv)
{
    int first;
    int done = cli_parse_plain("voices", usage, argc, argv, &first);
    if (done >= 0)
        return done;
    if (first < argc) {
        fprintf(stderr, "asanavox voices: unexpected argument '%s'\n", argv[first]);
        usage(stderr);
        return EXIT_USAGE;
    }
    struct voice *v;
    int status = cli_voice("voices", &v);
    if (status)
        return status;
    printf("  %-10s %-24s %s\n", "ENGINE", "VOICE", "LANGUAGE");
    voice_list(v, print_one, NULL);
    voice_destroy(v);
    if (fflush(stdout) != 0 || ferror(stdout))
        return EXIT_RUNTIME;
    return EXIT_OK;
}
