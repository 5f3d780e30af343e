/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * paths.h — finding sessions and sounds by name.
 *
 * Session search path, in order: ./sessions (a development build only,
 * see datadirs.h), each directory of $ASANAVOX_PATH (colon-separated),
 * then sessions/ in each data directory of datadirs.h ($XDG_DATA_HOME's,
 * a development build's source tree, the install next to the program,
 * $XDG_DATA_DIRS').  Sounds: next to the session file, ./sounds (a
 * development build only), then sounds/ in each data directory.
 *
 * Names taken from session files must be plain (paths_plain_name()); these
 * functions refuse anything else, so a shared file can never reach outside
 * the directories above.  They read environment variables and the file
 * system, and keep no state: any thread may call them.
 */
#ifndef ASANAVOX_PATHS_H
#define ASANAVOX_PATHS_H

#include <stdbool.h>
#include <stddef.h>

#define SESSION_EXT ".yoga"

/* True when `name` has only letters, digits, '-', '_' and '.', does not
 * start with '.' and has no "..". */
bool paths_plain_name(const char *name);

/* True when a command-line NAME means a file path (it contains '/' or ends
 * in ".yoga") rather than a session name. */
bool paths_is_file_arg(const char *name);

/* The session directories in search order, as a NULL-terminated array of
 * malloc'd strings (free with paths_free_list()).  Directories that do not
 * exist are included; callers skip them.  Returns 0 or AV_ENOMEM. */
int paths_session_dirs(char ***dirs);

void paths_free_list(char **list);

/* Resolve a command-line NAME (see paths_is_file_arg()) to a path
 * (malloc'd).  A path is followed wherever its links lead (the user named
 * it) but must be a regular file.  A name is looked up in the session
 * directories, where the first directory that has NAME.yoga decides: it
 * must be a regular file whose real path stays inside that directory.
 * When no directory has NAME.yoga, the one session whose name starts with
 * NAME is taken ("morn" for "morning-5").  A name is anything `list`
 * shows (spaces too), without '/', control characters or a leading '.'.
 * Returns 0, AV_ENOENT, AV_ENOTREG (a directory, FIFO, device...),
 * AV_ELINK (a link out of its directory), AV_EINVAL (a name that is not plain)
 * or AV_ENOMEM. */
int paths_find_session(const char *name, char **path);

/* For a NAME paths_find_session() did not find: a malloc'd hint such as
 * "did you mean 'morning-5'?" (names that differ only in case and
 * punctuation, or by a typo) or "it could be 'a' 'b'" (an ambiguous
 * prefix), or NULL when there is nothing to say. */
char *paths_session_hint(const char *name);

/* Resolve `include NAME` from a file in `from_dir`: from_dir first, then
 * the session path.  Same returns and rules as for a name in
 * paths_find_session(), but on AV_ENOTREG *path is set too: the FIFO,
 * directory or device found, so that the message can name what it is
 * (safefile_kind()); the caller frees it then as well. */
int paths_find_include(const char *name, const char *from_dir, char **path);

/* Resolve a sound name to NAME.wav (see above for where), with the same
 * rules and returns as paths_find_include(). */
int paths_find_sound(const char *name, const char *session_dir, char **path);

/* A session found on the search path. */
struct session_entry {
    char *name; /* "upper-back-flow" (malloc'd) */
    char *path; /* "sessions/upper-back-flow.yoga" (malloc'd) */
};

/* Every NAME.yoga in the session directories, sorted by name; a name in an
 * earlier directory hides the same name later on the path, exactly as
 * paths_find_session() does.  Directories that do not exist are skipped.
 * Returns 0 with a malloc'd array (free with paths_free_sessions()), or
 * AV_ENOMEM. */
int paths_list_sessions(struct session_entry **out, size_t *count);

void paths_free_sessions(struct session_entry *v, size_t count);

/* A malloc'd "dir/name", or NULL when out of memory. */
char *paths_join(const char *dir, const char *name);

#endif
