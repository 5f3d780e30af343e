#include <stddef.h>

#include "commands.h"

/* Add a command here and in commands.h; main() and --help pick it up. */
const struct command asanavox_commands[] = {
    {"list", "list the sessions on the search path", cmd_list},
    {"check", "check session files and report every error", cmd_check},
    {"plan", "print the compiled timeline of a session", cmd_plan},
    {NULL, NULL, NULL},
};
