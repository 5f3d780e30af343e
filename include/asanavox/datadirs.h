/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * datadirs.h — where asanavox's data (sessions/ and sounds/) lives.
 *
 * Nothing about the machine that built the program is compiled into it:
 * the installed data is found relative to the running executable, so an
 * installed tree (bin/asanavox, share/asanavox/...) works wherever it is
 * moved.  The data directories, most important first (a session or sound
 * name found in an earlier one hides the same name later):
 *
 *   1. $XDG_DATA_HOME/asanavox (default ~/.local/share/asanavox): the
 *      user's own sessions and sounds, so they can replace shipped ones;
 *   2. a development build only: the source tree it was built from;
 *   3. EXE/../share/asanavox, EXE being the directory of the running
 *      program (/proc/self/exe) and "../share/asanavox" the install layout
 *      (bindir to datadir, from GNUInstallDirs at configure time);
 *   4. DIR/asanavox for each DIR of $XDG_DATA_DIRS (default
 *      /usr/local/share:/usr/share), for data installed by other means.
 *
 * A development build is a program run from its CMake build tree: CMake
 * writes the file `asanavox-source-dir` (the source tree's path) next to
 * the programs it builds there and never installs it.  Only a development
 * build also searches the current directory's sessions/ and sounds/
 * (paths.h), so that files lying around in whatever directory an
 * installed program is started from never override the user's own.
 *
 * These functions read the environment and the file system and keep no
 * state: any thread may call them.
 */
#ifndef ASANAVOX_DATADIRS_H
#define ASANAVOX_DATADIRS_H

#include <stdbool.h>

/* The source tree this program was built from (malloc'd, caller frees)
 * when it runs from its build tree, else NULL (also when out of memory). */
char *datadirs_dev_tree(void);

/* The data directories in the order above, as a NULL-terminated array of
 * malloc'd strings (free with paths_free_list()).  Directories that do not
 * exist are left out, except those of 1 and 4 (so that error messages can
 * say where to put files).  Returns 0 or AV_ENOMEM. */
int datadirs_list(char ***dirs);

#endif
