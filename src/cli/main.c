/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * main.c — asanavox's entry point: pick a subcommand and run it.
 */
#include <malloc.h>
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
    fprintf(f, "\nRun 'asanavox help COMMAND' (or 'asanavox COMMAND --help') for a command's\n"
               "options, and 'man asanavox' for the whole manual.\n");
}

static const struct command *find_command(const char *name)
{
    for (const struct command *c = asanavox_commands; c->name; c++)
        if (!strcmp(c->name, name))
            return c;
    return NULL;
}

int main(int argc, char **argv)
{
#ifdef M_MMAP_THRESHOLD
    /* Large buffers (a clip's samples, a block ring) are mapped on their
     * own and given back to the system when freed.  glibc otherwise raises
     * its threshold to the size of the first such buffer freed, after which
     * clips come from the heaps of two threads and fragment them, so peak
     * memory drifted with the session's length and with thread timing. */
    mallopt(M_MMAP_THRESHOLD, 128 * 1024);
#endif
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *name = argv[1];
    if (!strcmp(name, "--help") || !strcmp(name, "-h") || (!strcmp(name, "help") && argc == 2)) {
        usage(stdout);
        return EXIT_OK;
    }
    if (!strcmp(name, "--version") || !strcmp(name, "-V")) {
        printf("asanavox %s\n", ASANAVOX_VERSION);
        return EXIT_OK;
    }
    if (!strcmp(name, "help")) {
        /* "asanavox help COMMAND" is "asanavox COMMAND --help". */
        const struct command *c = find_command(argv[2]);
        if (!c || argc > 3) {
            fprintf(stderr, "asanavox help: %s '%s'\n", c ? "one command at a time, not" : "no command",
                    c ? argv[3] : argv[2]);
            usage(stderr);
            return EXIT_USAGE;
        }
        char help[] = "--help";
        char *args[] = {argv[2], help, NULL};
        return c->run(2, args);
    }
    const struct command *c = find_command(name);
    if (c)
        return c->run(argc - 1, argv + 1);
    fprintf(stderr, "asanavox: unknown command '%s'\n", name);
    usage(stderr);
    return EXIT_USAGE;
}
