/*
 * golden_plan.c — `asanavox plan [--json] FILE` with speech lengths that
 * do not depend on espeak-ng: a text lasts (bytes + 4) / 14 seconds
 * (compile_env_fixed_speech()), everything else (files, includes, sounds)
 * is real.  tests/cli_golden.cmake compares its output with the golden
 * plans, so an upgrade of espeak-ng does not change them; one golden plan
 * per voice engine is made with the real program on purpose.
 */
#include <stdio.h>
#include <string.h>

#include "asanavox/compile.h"
#include "asanavox/diag.h"
#include "asanavox/error.h"
#include "asanavox/timeline.h"
#include "cli/cli.h"

int main(int argc, char **argv)
{
    int json = argc == 3 && !strcmp(argv[1], "--json");
    if (argc != 2 + json) {
        fprintf(stderr, "usage: golden_plan [--json] FILE\n");
        return 2;
    }
    struct compile_env env;
    compile_env_default(&env, NULL);
    compile_env_fixed_speech(&env);
    struct compile_options o;
    compile_options_init(&o);
    struct diag *d = diag_create();
    struct timeline *tl = NULL;
    int err = d ? compile_session(argv[argc - 1], &o, &env, d, &tl) : AV_ENOMEM;
    if (d)
        diag_print(d, stderr);
    diag_destroy(d);
    if (err) {
        fprintf(stderr, "golden_plan: %s\n", av_strerror(err));
        return 2;
    }
    if (json)
        cli_plan_print_json(tl);
    else
        cli_plan_print_table(tl);
    timeline_destroy(tl);
    return fflush(stdout) == 0 ? 0 : 1;
}
