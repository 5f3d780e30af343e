/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cli_config.h — the user's preferences file and the per-user state
 * directory.
 *
 * The preferences file is $XDG_CONFIG_HOME/asanavox/config (default
 * ~/.config/asanavox/config), in the syntax of session headers: one
 * `key: value` per line, `#` starts a comment, blank lines are ignored.
 * Most keys are the long names of command-line options ("voice: en-gb"
 * is "--voice en-gb"): a command puts the config's options that it takes
 * in front of its own command line (cli_config_apply()), so they are
 * checked by the same parser and the command line, read later, wins.  A
 * yes/no key (mono) takes yes, no, on, off, true or false.  A few keys are
 * not options: `format` and `output-dir` (render's default output),
 * `history` (on/off, see cli_state.h).
 *
 * Keys of options that this build does not have (cli_config_keys() lists
 * every key the file may hold) are kept and shown by `asanavox config`,
 * and passed on to no command.
 *
 * Errors ("PATH:LINE:COL: error: ...", exit status 2): an unknown key, a key
 * given twice, a line that is not `key: value`, control characters, a
 * file over 64 KiB, and (when a command applies it) a value its option
 * rejects.  A missing file is no error: every setting is its default.
 *
 * Main thread only; functions print their errors to stderr.
 */
#ifndef ASANAVOX_CLI_CONFIG_H
#define ASANAVOX_CLI_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "cli_options.h"

#define CLI_CONFIG_MAX_BYTES (64 * 1024)

struct cli_config_entry {
    char *key;
    char *value;
    int line;
};

struct cli_config {
    char *path;                    /* the file looked for (NULL: no HOME) */
    bool found;                    /* it exists and was read */
    struct cli_config_entry *e;    /* in file order */
    size_t n;
    char **args;                   /* "--key=value" strings cli_config_apply() made */
    size_t n_args;
    char **argv;                   /* the argv it made (args + the command's) */
};

/* One key the file may hold. */
struct cli_config_key {
    const char *name;
    bool yes_no;        /* the value is yes/no (on/off, true/false) */
    const char *what;   /* for `asanavox config` */
};

/* Every key, ending with a zeroed entry. */
const struct cli_config_key *cli_config_keys(void);

/* The path of the preferences file (malloc'd), or NULL when neither
 * $XDG_CONFIG_HOME (absolute) nor $HOME is set. */
char *cli_config_path(void);

/* Read the preferences file into `cfg` (zeroed first).  Returns 0 (also
 * when there is no file), EXIT_USAGE after printing what is wrong in it,
 * or EXIT_RUNTIME (out of memory, unreadable).  `cmd` names the command in
 * messages that have no line. */
int cli_config_load(struct cli_config *cfg, const char *cmd);

/* Free what `cfg` holds.  Accepts a zeroed cfg. */
void cli_config_deinit(struct cli_config *cfg);

/* The value of `key` and its line (*line may be NULL), or NULL. */
const char *cli_config_get(const struct cli_config *cfg, const char *key, int *line);

/* A yes/no value: 1 yes, 0 no, -1 neither. */
int cli_config_yes_no(const char *v);

/* Put the config's options that parser `p` (initialised, not yet read)
 * takes in front of its command line: each value is checked first on its
 * own, and a bad one is reported with the file's path and line.  After
 * this, cli_next() returns (or stores) config options first, then the
 * command line's, so the command line wins.  Returns 0, EXIT_USAGE
 * (reported) or EXIT_RUNTIME (out of memory). */
int cli_config_apply(struct cli_config *cfg, struct cli_parser *p);

/* Whether parser `p` has an option called `name`. */
bool cli_parser_has(const struct cli_parser *p, const char *name);

#endif
