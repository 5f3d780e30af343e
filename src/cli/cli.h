/*
 * cli.h — what the subcommands share: option parsing and loading a session.
 *
 * Called from the main thread only.  Functions that print do so to stderr.
 */
#ifndef ASANAVOX_CLI_H
#define ASANAVOX_CLI_H

#include <stdbool.h>

#include "asanavox/compile.h"

struct voice;
struct timeline;

/* If argv[*i] is one of the options every session command accepts —
 * --pace IN[:HOLD]:OUT[:HOLD], --voice NAME, --language LANG, --speed WPM,
 * --prompts N|all|none
 * (as "--opt value" or "--opt=value") — store it in `o`, advance *i past its
 * value and return 1.  Return 0 when argv[*i] is something else.  Return -1
 * after printing "asanavox CMD: ..." when the value is missing or bad. */
int cli_take_session_option(const char *cmd, int argc, char **argv, int *i,
                            struct compile_options *o);

/* If argv[*i] is `longopt` (or `shortopt`, which may be NULL) as
 * "--opt VALUE" or "--opt=VALUE": set *val, advance *i past the value and
 * return 1.  Return 0 when argv[*i] is something else, and -1 after
 * printing "asanavox CMD: --opt needs a value" when the value is missing. */
int cli_take_value(const char *cmd, const char *longopt, const char *shortopt, int argc,
                   char **argv, int *i, const char **val);

/* Parse all of `s` as a whole number (or a number) within [lo, hi].
 * Returns false when it is not one or out of range. */
bool cli_parse_long(const char *s, long lo, long hi, long *out);
bool cli_parse_double(const char *s, double lo, double hi, double *out);

/* Help text for the options above, for a command's --help. */
extern const char cli_session_options_help[];

/* Parse "4:6", "4:2:6:2", "4 6" (also with decimals) into seconds
 * (inhale, hold, exhale, hold).  Returns 0, or AV_EINVAL when malformed or
 * when a phase is negative or inhale/exhale is zero. */
int cli_parse_pace(const char *s, double pace[4]);

/* Resolve NAME (a path or a session name, see paths.h) and compile it,
 * printing diagnostics to stderr.  The voice: when `voice` points to a
 * voice, that one is used (and stays the caller's); when it points to NULL,
 * a voice is created and handed back in *voice on success (espeak-ng can
 * be started only once per process, so commands that compile several
 * sessions pass the same voice each time); when `voice` itself is NULL, a
 * voice is created and destroyed here.  On success returns 0 with *tl for
 * the caller to destroy.  Otherwise returns the exit status to use: 2 for
 * a missing or invalid session, 1 for a runtime failure (voice). */
int cli_compile(const char *cmd, const char *name, const struct compile_options *o,
                struct voice **voice, struct timeline **tl);

/* Create the voice, printing the reason on failure.  Returns 0 or 1 (the
 * exit status). */
int cli_voice(const char *cmd, struct voice **voice);

/* 1 if `arg` is "--help" or "-h". */
bool cli_is_help(const char *arg);

#endif
