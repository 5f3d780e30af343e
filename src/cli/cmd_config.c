/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cmd_config.c — `asanavox config`: the effective preferences and where
 * each comes from.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_config.h"
#include "cli_state.h"
#include "commands.h"

enum { OPT_PATH = CLI_OWN };

static const struct cli_option options[] = {
    {"path", OPT_PATH, NULL, "print only the config file's path"},
    {0},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: asanavox config [--path]\n\n"
               "Show the settings play and render start from, and where each comes from:\n"
               "the config file ($XDG_CONFIG_HOME/asanavox/config, default\n"
               "~/.config/asanavox/config; one 'key: value' per line, as session headers)\n"
               "or the default.  The command line beats the config file, which beats the\n"
               "session's own voice:, speed:, pace: and prompts: headers.\n\n");
    cli_print_options(f, 0, options);
}

/* What a key is when the config file does not set it. */
static const char *default_text(const char *key)
{
    static const struct {
        const char *key, *text;
    } d[] = {
        {"voice", "the session's voice:, else en-us+klatt2"},
        {"speed", "the session's speed:, else 170 with the default voice, 150 with others"},
        {"language", "the session's language:, else en"},
        {"pace", "the session's pace:"},
        {"prompts", "the session's prompts:"},
        {"volume", "0 (-16 LUFS)"},
        {"voice-volume", "0"},
        {"bell-volume", "0"},
        {"ambience", "the session's ambience:, else none"},
        {"ambience-volume", "0"},
        {"guide", "the session's guide:"},
        {"mono", "no"},
        {"rate", "48000 (play: the device's when it must)"},
        {"device", "the default output"},
        {"delay", "0"},
        {"format", "wav"},
        {"output-dir", "the current directory"},
        {"history", "yes"},
    };
    for (size_t i = 0; i < sizeof d / sizeof d[0]; i++)
        if (!strcmp(d[i].key, key))
            return d[i].text;
    return "";
}

/* Keys that are no command-line option but are read by a command. */
static bool config_only(const char *key)
{
    return !strcmp(key, "device") || !strcmp(key, "delay") || !strcmp(key, "format") ||
           !strcmp(key, "output-dir") || !strcmp(key, "history");
}

/* Print `s` with control characters as '?' (the file was checked, but a
 * path from the environment was not). */
static void print_clean(const char *s)
{
    for (; *s; s++)
        putchar((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s);
}

int cmd_config(int argc, char **argv)
{
    bool path_only = false;
    struct cli_common c;
    cli_common_init(&c);
    struct cli_parser p;
    cli_parser_init(&p, "config", 0, options, usage, argc, argv);
    const char *val;
    int key;
    while ((key = cli_next(&p, &c, &val)) >= 0)
        if (key == OPT_PATH)
            path_only = true;
    if (key != CLI_END)
        return cli_exit_status(key);
    if (p.optind < argc) {
        fprintf(stderr, "asanavox config: no operands ('%s'); edit the file to change a setting\n",
                argv[p.optind]);
        return EXIT_USAGE;
    }
    struct cli_config cfg;
    int st = cli_config_load(&cfg, "config");
    if (st) {
        cli_config_deinit(&cfg);
        return st;
    }
    if (path_only) {
        if (!cfg.path) {
            fprintf(stderr, "asanavox config: neither XDG_CONFIG_HOME nor HOME is set\n");
            cli_config_deinit(&cfg);
            return EXIT_RUNTIME;
        }
        print_clean(cfg.path);
        putchar('\n');
        cli_config_deinit(&cfg);
        return EXIT_OK;
    }
    /* Which keys this build passes on: the shared option groups. */
    struct cli_parser all;
    cli_parser_init(&all, "config", CLI_SESSION | CLI_RATE_OPT | CLI_AUDIO, NULL, NULL, 0, NULL);

    printf("config file: ");
    print_clean(cfg.path ? cfg.path : "(none: neither XDG_CONFIG_HOME nor HOME is set)");
    printf("%s\n\n", cfg.found ? "" : " (not there: every setting is its default)");
    printf("%-16s %-40s %s\n", "key", "value", "from");
    for (const struct cli_config_key *k = cli_config_keys(); k->name; k++) {
        int line = 0;
        const char *v = cli_config_get(&cfg, k->name, &line);
        bool used = config_only(k->name) || cli_parser_has(&all, k->name);
        if (v) {
            printf("%-16s %-40s config line %d", k->name, v, line);
            if (!used)
                printf(" (kept; this build has no --%s)", k->name);
            putchar('\n');
        } else {
            printf("%-16s %-40s default\n", k->name, default_text(k->name));
        }
    }
    char *state = state_path("history");
    if (state) {
        printf("\npractice log: ");
        print_clean(state);
        putchar('\n');
    }
    free(state);
    cli_config_deinit(&cfg);
    return EXIT_OK;
}
