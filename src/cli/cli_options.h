/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cli_options.h — the command-line option parser every subcommand uses.
 *
 * A thin layer over getopt_long(3) (GNU): each command names the option
 * groups it shares with others (the session options of check, plan, render
 * and play; --rate; --mono and --volume of render and play) and a table of
 * its own options, and gets its options back one at a time.  getopt_long
 * gives "--opt value", "--opt=value", "-oVALUE", "-o VALUE", unambiguous
 * prefixes of long options ("--pa" for "--pace"), operands anywhere, and
 * "--" to end the options; "-" is an operand (a session read from standard
 * input, see cli_compile()).  Options of the shared groups are parsed and
 * checked here, into `struct cli_common`; -h/--help and -V/--version are
 * answered here for every command.  Every error is printed here as one line
 * "asanavox CMD: ...", so commands only map the result to an exit status.
 *
 * The command's help text lists its options from the same tables
 * (cli_print_options()), so help and parser cannot disagree.
 *
 * getopt_long keeps its state in libc globals (optind, optarg), so one
 * parser runs at a time, on the main thread; cli_parser_init() restarts it.
 * getopt_long permutes argv (operands move after the options).
 */
#ifndef ASANAVOX_CLI_OPTIONS_H
#define ASANAVOX_CLI_OPTIONS_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "asanavox/compile.h"

/* Keys of options.  An option with a short form uses its letter as key;
 * the others use codes from 256 up.  Commands' own long-only options take
 * keys from CLI_OWN up so they never collide with the shared ones. */
enum cli_key {
    CLI_HELP = 'h',
    CLI_VERSION = 'V',
    CLI_PACE = 256, /* group CLI_SESSION */
    CLI_VOICE,
    CLI_SPEED,
    CLI_PROMPTS,
    CLI_LANGUAGE,
    CLI_RATE,       /* group CLI_RATE_OPT */
    CLI_MONO,       /* group CLI_AUDIO */
    CLI_VOLUME,
    CLI_GUIDE,      /* group CLI_SESSION */
    CLI_AMBIENCE,
    CLI_VOICE_VOLUME, /* group CLI_AUDIO */
    CLI_BELL_VOLUME,
    CLI_AMBIENCE_VOLUME,
    CLI_NO_CACHE,   /* group CLI_CACHE_OPT (and CLI_SESSION) */
    CLI_LENGTH,     /* group CLI_VARIANT */
    CLI_SKIP,
    CLI_OWN = 512,
};

/* What cli_next() returns when there is no option to hand over. */
enum cli_result {
    CLI_END = -1,   /* all options read; operands are argv[p.optind..argc) */
    CLI_EXIT_OK = -2,    /* --help or --version was printed: exit 0 */
    CLI_EXIT_USAGE = -3, /* a bad option or value was reported: exit 2 */
};

/* The option groups a command can share. */
enum cli_group {
    CLI_SESSION = 1 << 0,  /* --pace --voice --language --speed --prompts --guide --ambience */
    CLI_RATE_OPT = 1 << 1, /* --rate HZ */
    CLI_AUDIO = 1 << 2,    /* --mono --volume DB --voice-volume DB --bell-volume DB
                              --ambience-volume DB */
    CLI_VARIANT = 1 << 3,  /* --length DURATION, --skip NAME (plan, render, play) */
    CLI_CACHE_OPT = 1 << 4, /* --no-cache (implied by CLI_SESSION: speech is cached) */
};

/* One option of a table (tables end with a zeroed entry). */
struct cli_option {
    const char *name; /* long name without "--" */
    int key;          /* short letter, or a code >= 256 (CLI_OWN + n for commands) */
    const char *arg;  /* the value's placeholder in help ("OUT"); NULL: takes none */
    const char *help; /* one line for --help */
};

/* Values of the shared groups, filled in by cli_next(). */
struct cli_common {
    struct compile_options co; /* --pace --voice --language --speed --prompts --guide --ambience
                                  --*-volume; --rate into co.rate */
    bool rate_given;           /* --rate was given (co.rate is its value) */
    bool mono;                 /* --mono */
    double volume_db;          /* --volume, -40 to 20 (0 when not given) */
    bool no_cache;             /* --no-cache (also clears cli_use_cache, cli.h) */
    /* --skip names (co.skip points here once one is given, so a
     * cli_common must not be copied after parsing). */
    const char *skip[COMPILE_MAX_SKIP];
};

enum { CLI_MAX_OPTIONS = 48 };

struct cli_parser {
    const char *cmd;
    int argc;
    char **argv;
    unsigned groups;
    const struct cli_option *own;
    void (*usage)(FILE *f);
    int optind; /* after CLI_END: index of the first operand */
    /* Every option the command accepts, and the same for getopt_long. */
    const struct cli_option *opt[CLI_MAX_OPTIONS];
    int n_opt;
    char shortopts[3 * CLI_MAX_OPTIONS + 2];
    struct option longopts[CLI_MAX_OPTIONS + 1];
};

/* Start parsing argv (argv[0] is the command's name) for command `cmd`
 * with the shared `groups` and the command's own options (`own`, may be
 * NULL).  `usage` prints the command's help (for --help). */
void cli_parser_init(struct cli_parser *p, const char *cmd, unsigned groups,
                     const struct cli_option *own, void (*usage)(FILE *f), int argc, char **argv);

/* The next of the command's own options: returns its key, with *value
 * set to its value (NULL when it takes none).  Options of the shared
 * groups are stored in `c` and not returned.  Returns CLI_END when only
 * operands are left (p->optind is the first), CLI_EXIT_OK after printing
 * help or the version, CLI_EXIT_USAGE after printing what is wrong. */
int cli_next(struct cli_parser *p, struct cli_common *c, const char **value);

/* The exit status for a negative cli_next() result other than CLI_END. */
int cli_exit_status(int result);

/* The whole option parse of a command that has no options of its own and
 * none of the shared groups (cache, devices, phrases, voices): only -h,
 * --help and the like.  Returns -1 with *first set to the index of the
 * first operand, or else the exit status the command returns at once (help
 * printed: 0; a wrong option, reported: 2). */
int cli_parse_plain(const char *cmd, void (*usage)(FILE *f), int argc, char **argv, int *first);

/* Parse a --length value: a time as a session writes it ("20m", "45s",
 * "1:30:00"), greater than zero, into milliseconds.  Returns false when it
 * is not one. */
bool cli_parse_length(const char *s, int64_t *ms);

/* Defaults for the shared values (compile_options_init(), no --rate, stereo, 0 dB). */
void cli_common_init(struct cli_common *c);

/* Print the "options:" lines for `groups` and `own` (the same tables the
 * parser uses), with -h/--help last. */
void cli_print_options(FILE *f, unsigned groups, const struct cli_option *own);

/* Parse "4:6", "4:2:6:2", "4 6" (also with decimals) into seconds
 * (inhale, hold, exhale, hold).  Returns 0, or AV_EINVAL when malformed or
 * when a phase is negative or inhale/exhale is zero. */
int cli_parse_pace(const char *s, double pace[4]);

/* Parse all of `s` as a whole number (or a number) within [lo, hi].
 * Returns false when it is not one or out of range. */
bool cli_parse_long(const char *s, long lo, long hi, long *out);
bool cli_parse_double(const char *s, double lo, double hi, double *out);

#endif
