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

static void help(FILE *f)
{
    fprintf(f, "usage: asanavox check [OPTIONS] FILE|NAME...\n\n"
               "Check session files: silent with exit status 0 when they are valid;\n"
               "otherwise every error as path:line:col: error: message, exit status 2.\n"
               "Warnings (cues too long for their time...) do not change the status.\n\n"
               "options:\n%s",
            cli_session_options_help);
}

int cmd_check(int argc, char **argv)
{
    struct compile_options o;
    compile_options_init(&o);
    const char *names[256];
    int n = 0;
    bool only_names = false;
    for (int i = 1; i < argc; i++) {
        if (!only_names && cli_is_help(argv[i])) {
            help(stdout);
            return EXIT_OK;
        }
        if (!only_names && !strcmp(argv[i], "--")) {
            only_names = true;
            continue;
        }
        if (!only_names && argv[i][0] == '-' && argv[i][1]) {
            int r = cli_take_session_option("check", argc, argv, &i, &o);
            if (r < 0)
                return EXIT_USAGE;
            if (r == 0) {
                fprintf(stderr, "asanavox check: unknown option '%s'\n", argv[i]);
                help(stderr);
                return EXIT_USAGE;
            }
            continue;
        }
        if (n == (int)(sizeof(names) / sizeof(names[0]))) {
            fprintf(stderr, "asanavox check: at most 256 sessions at once\n");
            return EXIT_USAGE;
        }
        names[n++] = argv[i];
    }
    if (n == 0) {
        help(stderr);
        return EXIT_USAGE;
    }
    struct voice *voice = NULL;
    if (cli_voice("check", &voice))
        return EXIT_RUNTIME;
    int status = EXIT_OK;
    for (int k = 0; k < n; k++) {
        struct timeline *tl = NULL;
        int r = cli_compile("check", names[k], &o, &voice, &tl);
        timeline_destroy(tl);
        /* Each session gets the whole speech budget (voice.h). */
        voice_clear_cache(voice);
        if (r > status)
            status = r;
    }
    voice_destroy(voice);
    return status;
}
