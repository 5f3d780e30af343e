/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cmd_check.c — `asanavox check FILE|NAME...`: report every problem.
 */
#include <stdio.h>
#include <string.h>

#include "asanavox/compile.h"
#include "asanavox/timeline.h"
#include "asanavox/voice.h"
#include "cli.h"
#include "commands.h"

enum { GROUPS = CLI_SESSION };

static void help(FILE *f)
{
    fprintf(f, "usage: asanavox check [OPTIONS] FILE|NAME...\n\n"
               "Check session files: silent with exit status 0 when they are valid;\n"
               "otherwise every error as path:line:col: error: message, exit status 2.\n"
               "Warnings (cues too long for their time...) do not change the status.\n"
               "'-' reads a session from standard input.\n\n");
    cli_print_options(f, GROUPS, NULL);
}

int cmd_check(int argc, char **argv)
{
    struct cli_common c;
    cli_common_init(&c);
    struct cli_parser p;
    cli_parser_init(&p, "check", GROUPS, NULL, help, argc, argv);
    const char *val;
    int key = cli_next(&p, &c, &val);
    if (key != CLI_END)
        return cli_exit_status(key); /* check has no options of its own */
    char **names = argv + p.optind;
    int n = argc - p.optind;
    if (n == 0) {
        help(stderr);
        return EXIT_USAGE;
    }
    if (n > 256) {
        fprintf(stderr, "asanavox check: at most 256 sessions at once\n");
        return EXIT_USAGE;
    }
    struct voice *voice = NULL;
    if (cli_voice("check", &voice))
        return EXIT_RUNTIME;
    int status = EXIT_OK;
    for (int k = 0; k < n; k++) {
        struct timeline *tl = NULL;
        int r = cli_compile("check", names[k], &c.co, &voice, &tl);
        timeline_destroy(tl);
        /* Each session gets the whole speech budget (voice.h). */
        voice_clear_cache(voice);
        if (r > status)
            status = r;
    }
    voice_destroy(voice);
    return status;
}
