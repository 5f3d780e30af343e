/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * commands.h — the subcommands of the asanavox program.
 *
 * Each takes the arguments after its own name (argv[0] is the command
 * name) and returns the process exit status: 0 success, 1 a runtime failure
 * (I/O, device), 2 bad usage or an invalid session.  They print to stdout
 * and stderr and are called from main() only.
 */
#ifndef ASANAVOX_CLI_COMMANDS_H
#define ASANAVOX_CLI_COMMANDS_H

enum { EXIT_OK = 0, EXIT_RUNTIME = 1, EXIT_USAGE = 2 };

struct command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
};

int cmd_check(int argc, char **argv);
int cmd_plan(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_render(int argc, char **argv);
int cmd_play(int argc, char **argv);
int cmd_devices(int argc, char **argv);
int cmd_config(int argc, char **argv);
int cmd_history(int argc, char **argv);
int cmd_cache(int argc, char **argv);
int cmd_phrases(int argc, char **argv);
int cmd_voices(int argc, char **argv);

/* The table main() dispatches on, terminated by a zeroed entry. */
extern const struct command asanavox_commands[];

#endif
