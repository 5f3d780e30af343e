/*
 * main.c — asanavox's entry point: pick a subcommand and run it.
 */
#include <stdio.h>
#include <string.h>

#include "asanavox/config.h"
#include "commands.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: asanavox COMMAND [OPTIONS] [ARGS]\n\n"
               "Guided yoga practice by voice: compile a sequence file into spoken cues,\n"
               "bells and breath prompts.\n\ncommands:\n");
    for (const struct command *c = asanavox_commands; c->name; c++)
        fprintf(f, "  %-8s %s\n", c->name, c->summary);
    fprintf(f, "\nRun 'asanavox COMMAND --help' for a command's options.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *name = argv[1];
    if (!strcmp(name, "--help") || !strcmp(name, "-h") || !strcmp(name, "help")) {
        usage(stdout);
        return EXIT_OK;
    }
    if (!strcmp(name, "--version") || !strcmp(name, "-V")) {
        printf("asanavox %s\n", ASANAVOX_VERSION);
        return EXIT_OK;
    }
    for (const struct command *c = asanavox_commands; c->name; c++) {
        if (strcmp(c->name, name))
            continue;
        /* --version works after any command too ("asanavox plan --version"). */
        for (int i = 2; i < argc && strcmp(argv[i], "--"); i++) {
            if (!strcmp(argv[i], "--version")) {
                printf("asanavox %s\n", ASANAVOX_VERSION);
                return EXIT_OK;
            }
        }
        return c->run(argc - 1, argv + 1);
    }
    fprintf(stderr, "asanavox: unknown command '%s'\n", name);
    usage(stderr);
    return EXIT_USAGE;
}
