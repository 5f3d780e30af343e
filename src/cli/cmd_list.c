/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cmd_list.c — `asanavox list [--json | --names]`: the sessions on the
 * search path.
 *
 * Each session is compiled (with real speech lengths, so durations match
 * `plan`).  The sessions come from paths_list_sessions(): a name found in
 * an earlier directory hides the same name later on the path, exactly as
 * NAME lookup does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asanavox/clock.h"
#include "asanavox/compile.h"
#include "asanavox/diag.h"
#include "asanavox/error.h"
#include "asanavox/escape.h"
#include "asanavox/paths.h"
#include "asanavox/session.h"
#include "asanavox/timeline.h"
#include "asanavox/voice.h"
#include "cli_catalog.h"
#include "cli_json.h"
#include "cli.h"
#include "commands.h"

enum { OPT_JSON = CLI_OWN, OPT_NAMES };

static const struct cli_option options[] = {
    {"json", OPT_JSON, NULL, "machine-readable output (see asanavox(1))"},
    {"names", OPT_NAMES, NULL, "only the names, one a line, without compiling (for completion)"},
    {0},
};

static void help(FILE *f)
{
    fprintf(f, "usage: asanavox list [--json | --names]\n\n"
               "List the sessions on the search path ($ASANAVOX_PATH, $XDG_DATA_HOME/asanavox/\n"
               "sessions, the installed sessions, $XDG_DATA_DIRS; for a development build also\n"
               "./sessions and the source tree) with title and length.\n\n");
    cli_print_options(f, CLI_CACHE_OPT, options);
}

/* --names: shell completion asks for these on every Tab, so nothing is
 * compiled. */
static int list_names(void)
{
    struct session_entry *v;
    size_t n;
    if (paths_list_sessions(&v, &n)) {
        fprintf(stderr, "asanavox list: out of memory\n");
        return EXIT_RUNTIME;
    }
    for (size_t i = 0; i < n; i++) {
        char name[256];
        printf("%s\n", esc_str(name, sizeof name, v[i].name));
    }
    paths_free_sessions(v, n);
    return fflush(stdout) != 0 || ferror(stdout) ? EXIT_RUNTIME : EXIT_OK;
}

int cmd_list(int argc, char **argv)
{
    bool json = false, names = false;
    struct cli_common c;
    cli_common_init(&c);
    struct cli_parser p;
    cli_parser_init(&p, "list", CLI_CACHE_OPT, options, help, argc, argv);
    const char *val;
    int key;
    while ((key = cli_next(&p, &c, &val)) >= 0) {
        if (key == OPT_JSON)
            json = true;
        else if (key == OPT_NAMES)
            names = true;
    }
    if (key != CLI_END)
        return cli_exit_status(key);
    if (json && names) {
        fprintf(stderr, "asanavox list: --json or --names, not both\n");
        return EXIT_USAGE;
    }
    if (p.optind < argc) {
        fprintf(stderr, "asanavox list: unexpected argument '%s'\n", argv[p.optind]);
        help(stderr);
        return EXIT_USAGE;
    }
    if (names)
        return list_names();
    int status = EXIT_OK;
    char **dirs = NULL;
    struct cli_session *v = NULL;
    size_t n = 0;
    struct voice *voice = NULL;
    if (paths_session_dirs(&dirs)) {
        fprintf(stderr, "asanavox list: out of memory\n");
        return EXIT_RUNTIME;
    }
    if (cli_voice("list", &voice)) { /* with the speech cache, unless --no-cache */
        status = EXIT_RUNTIME;
        goto done;
    }
    struct compile_options o;
    compile_options_init(&o);
    if (cli_catalog(&o, voice, &v, &n)) {
        fprintf(stderr, "asanavox list: out of memory\n");
        v = NULL;
        n = 0;
        status = EXIT_RUNTIME;
        goto done;
    }
    if (json) {
        /* "format" versions the layout, as in plan --json (asanavox(1)). */
        printf("{\"format\": 1, \"sessions\": [");
        for (size_t i = 0; i < n; i++) {
            printf("%s\n  {\"name\": ", i ? "," : "");
            json_string(stdout, v[i].name);
            printf(", \"path\": ");
            json_string(stdout, v[i].path);
            if (v[i].sum.valid) {
                printf(", \"title\": ");
                json_string(stdout, v[i].sum.title);
                printf(", \"about\": ");
                json_string(stdout, v[i].sum.about);
                printf(", \"duration\": ");
                json_seconds(stdout, v[i].sum.duration, v[i].sum.rate);
                printf(", \"valid\": true}");
            } else {
                printf(", \"title\": null, \"about\": null, \"duration\": null, \"valid\": false}");
            }
        }
        printf("\n]}\n");
    } else if (n == 0) {
        fprintf(stderr, "asanavox list: no sessions found; looked in:");
        for (char **d = dirs; *d; d++)
            fprintf(stderr, " %s", *d);
        fprintf(stderr, "\n");
    } else {
        printf("%-22s %8s  %s\n", "NAME", "LENGTH", "TITLE");
        for (size_t i = 0; i < n; i++) {
            char buf[32];
            if (v[i].sum.valid) {
                av_clock_text(v[i].sum.duration, v[i].sum.rate, buf, sizeof buf);
                char name[256];
                printf("%-22s %8s  ", esc_str(name, sizeof name, v[i].name), buf);
                esc_fputs(stdout, v[i].sum.title);
                putchar('\n');
            } else {
                char name[256];
                esc_str(name, sizeof name, v[i].name);
                printf("%-22s %8s  (has errors: run 'asanavox check %s')\n", name, "-", name);
            }
        }
    }
    if (fflush(stdout) != 0 || ferror(stdout))
        status = EXIT_RUNTIME;
done:
    cli_catalog_free(v, n);
    paths_free_list(dirs);
    voice_destroy(voice);
    return status;
}
