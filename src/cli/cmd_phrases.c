/*
 * cmd_phrases.c — `asanavox phrases [LANG]`: print a built-in phrase catalog.
 *
 * The entries are printed as the lines of a `phrases:` block, so a teacher
 * can copy the ones to change into a session.
 */
#include <stdio.h>
#include <string.h>

#include "asanavox/phrases.h"
#include "cli.h"
#include "commands.h"

static void help(FILE *f)
{
    fprintf(f, "usage: asanavox phrases [LANG]\n\n"
               "Print the words asanavox says on its own in language LANG (default en),\n"
               "one 'key: text' line each, as in a session's 'phrases:' block.\n"
               "Languages: %s.\n",
            phrase_languages());
}

int cmd_phrases(int argc, char **argv)
{
    const char *lang = NULL;
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            help(stdout);
            return EXIT_OK;
        }
        if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "asanavox phrases: unknown option '%s'\n", argv[i]);
            help(stderr);
            return EXIT_USAGE;
        }
        if (lang) {
            fprintf(stderr, "asanavox phrases: one language at a time ('%s' and '%s')\n", lang,
                    argv[i]);
            return EXIT_USAGE;
        }
        lang = argv[i];
    }
    const struct phrase_catalog *cat = phrase_catalog_find(lang ? lang : "en");
    if (!cat) {
        fprintf(stderr, "asanavox phrases: no built-in phrases for '%s'; the languages are %s\n",
                lang, phrase_languages());
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
