/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cmd_table.c — the table of subcommands that main() dispatches on.
 */
#include <stddef.h>

#include "commands.h"

/* Add a command here and in commands.h; main() and --help pick it up. */
const struct command asanavox_commands[] = {
    {"list", "list the sessions on the search path", cmd_list},
    {"check", "check session files and report every error", cmd_check},
    {"plan", "print the compiled timeline of a session", cmd_plan},
    {"render", "write a session as one audio file (wav, flac, ogg, opus, mp3)", cmd_render},
    {"play", "play a session through the sound card, with keys", cmd_play},
    {"devices", "list the sound output devices play can use", cmd_devices},
    {"config", "show the preferences and where each comes from", cmd_config},
    {"history", "show recent practice, minutes this week and month, the run of days", cmd_history},
    {"cache", "clear the speech and session caches (cache clear)", cmd_cache},
    {"voices", "list the voices of espeak-ng and flite", cmd_voices},
    {"phrases", "print the built-in phrases of a language, to override them", cmd_phrases},
    {NULL, NULL, NULL},
};
