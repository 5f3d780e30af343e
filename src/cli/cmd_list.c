/*
 * cmd_list.c — `asanavox list [--json]`: the sessions on the search path.
 *
 * Each session is summarised by session_summary(): compiled (with real
 * speech lengths, so durations match `plan`), or taken from the summary
 * cache when nothing it depends on has changed.  The sessions come from paths_list_sessions(): a name found in
 * an earlier directory hides the same name later on the path, exactly as
 * NAME lookup does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asanavox/compile.h"
#include "asanavox/diag.h"
#include "asanavox/error.h"
#include "asanavox/paths.h"
#include "asanavox/session.h"
#include "asanavox/timeline.h"
#include "asanavox/voice.h"
#include "cli_json.h"
#include "cli.h"
#include "cli_summary.h"
#include "commands.h"

struct entry {
    char *name;
    char *path;
    struct session_summary sum; /* sum.valid false when the session has errors */
};

enum { OPT_JSON = CLI_OWN };

static const struct cli_option options[] = {
    {"json", OPT_JSON, NULL, "machine-readable output (see asanavox(1))"},
    {0},
};

static void help(FILE *f)
{
    fprintf(f, "usage: asanavox list [--json]\n\n"
               "List the sessions on the search path ($ASANAVOX_PATH, $XDG_DATA_HOME/asanavox/\n"
               "sessions, the installed sessions, $XDG_DATA_DIRS; for a development build also\n"
               "./sessions and the source tree) with title and length.\n\n");
    cli_print_options(f, CLI_CACHE_OPT, options);
}

int cmd_list(int argc, char **argv)
{
    bool json = false;
    struct cli_common c;
    cli_common_init(&c);
    struct cli_parser p;
    cli_parser_init(&p, "list", CLI_CACHE_OPT, options, help, argc, argv);
    const char *val;
    int key;
    while ((key = cli_next(&p, &c, &val)) >= 0)
        if (key == OPT_JSON)
            json = true;
    if (key != CLI_END)
        return cli_exit_status(key);
    if (p.optind < argc) {
        fprintf(stderr, "asanavox list: unexpected argument '%s'\n", argv[p.optind]);
        help(stderr);
        return EXIT_USAGE;
    }
    int status = EXIT_OK;
    char **dirs = NULL;
    struct entry *v = NULL;
    size_t n = 0;
    struct voice *voice = NULL;
    struct summary_ctx sctx;
    summary_ctx_init(&sctx, "list", &voice);
    if (paths_session_dirs(&dirs)) {
        summary_ctx_deinit(&sctx);
        fprintf(stderr, "asanavox list: out of memory\n");
        return EXIT_RUNTIME;
    }
    struct session_entry *found = NULL;
    if (paths_list_sessions(&found, &n) || !(v = calloc(n ? n : 1, sizeof(*v)))) {
        fprintf(stderr, "asanavox list: out of memory\n");
        paths_free_sessions(found, n);
        n = 0;
        status = EXIT_RUNTIME;
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        v[i].name = found[i].name; /* ownership moves to the entries */
        v[i].path = found[i].path;
    }
    free(found);
    struct compile_options o;
    compile_options_init(&o);
    for (size_t i = 0; i < n; i++) {
        int err = session_summary(&sctx, v[i].path, &o, &v[i].sum);
        if (err) {
            if (err != AV_EVOICE) /* the voice's failure is reported already */
                fprintf(stderr, "asanavox list: %s\n", av_strerror(err));
            status = EXIT_RUNTIME;
            goto done;
        }
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
                format_clock(v[i].sum.duration * 1000 / v[i].sum.rate, buf, sizeof buf);
                /* Whole seconds are enough in a listing. */
                char *dot = strchr(buf, '.');
                if (dot)
                    *dot = '\0';
                printf("%-22s %8s  %s\n", v[i].name, buf, v[i].sum.title);
            } else {
                printf("%-22s %8s  (has errors: run 'asanavox check %s')\n", v[i].name, "-",
                       v[i].name);
            }
        }
    }
    if (fflush(stdout) != 0 || ferror(stdout))
        status = EXIT_RUNTIME;
done:
    for (size_t i = 0; i < n; i++) {
        free(v[i].name);
        free(v[i].path);
        session_summary_deinit(&v[i].sum);
    }
    free(v);
    paths_free_list(dirs);
    summary_ctx_deinit(&sctx);
    voice_destroy(voice);
    return status;
}
