/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cmd_phrases.c — `asanavox phrases [LANG]`: print a built-in phrase catalog.
 *
 * The entries are printed as the lines of a `phrases:` block, so a teacher
 * can copy the ones to change into a session.
 */
#include <stdio.h>
#include <string.h>

#include "asanavox/escape.h"
#include "asanavox/phrases.h"
#include "cli.h"
#include "commands.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: asanavox phrases [LANG]\n\n"
               "Print the words asanavox says on its own in language LANG (default en),\n"
               "one 'key: text' line each, as in a session's 'phrases:' block.\n"
               "Languages: %s.\n\n",
            phrase_languages());
    cli_print_options(f, 0, NULL);
}

int cmd_phrases(int argc, char **argv)
{
    int first;
    int done = cli_parse_plain("phrases", usage, argc, argv, &first);
    if (done >= 0)
        return done;
    if (argc - first > 1) {
        char a[64], b[64];
        fprintf(stderr, "asanavox phrases: one language at a time ('%s' and '%s')\n",
                esc_str(a, sizeof a, argv[first]), esc_str(b, sizeof b, argv[first + 1]));
        return EXIT_USAGE;
    }
    const char *lang = first < argc ? argv[first] : "en";
    const struct phrase_catalog *cat = phrase_catalog_find(lang);
    if (!cat) {
        char shown[64];
        fprintf(stderr, "asanavox phrases: no built-in phrases for '%s'; the languages are %s\n",
                esc_str(shown, sizeof shown, lang), phrase_languages());
        return EXIT_USAGE;
    }
    printf("# %s (%s), espeak-ng voice %s.  Languages: %s.\n"
           "# To change one for a session, copy its line under 'phrases:' in the header.\n"
           "language: %s\nphrases:\n",
           cat->name, cat->english_name, cat->voice, phrase_languages(), cat->lang);
    for (int k = 0; k < PHRASE_N; k++)
        printf("  %s: %s\n", phrase_key_names[k], cat->text[k]);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "asanavox phrases: cannot write to standard output\n");
        return EXIT_RUNTIME;
    }
    return EXIT_OK;
}
