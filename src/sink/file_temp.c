/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * file_temp.c — the file sink's temporary files: removing the ones a
 * killed render left behind, and keeping an existing target's mode.
 *
 * A render writes ".NAME.PID.N.tmp" next to its target and renames it at
 * the end; SIGKILL (or a power cut) leaves it there.  The next render into
 * the same directory removes such files when they are certainly stale:
 * the name has exactly our pattern, the file is a regular file of ours,
 * untouched for over a minute, and no process with that PID exists.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sink_internal.h"

enum { STALE_SECONDS = 60 };

/* The PID in ".NAME.PID.N.tmp", or 0 when `name` is not of that form. */
static long temp_pid(const char *name)
{
    size_t len = strlen(name);
    if (len < 9 || name[0] != '.' || strcmp(name + len - 4, ".tmp") != 0)
        return 0;
    /* Walk back over ".N" and ".PID". */
    const char *end = name + len - 4, *p = end;
    while (p > name && p[-1] >= '0' && p[-1] <= '9')
        p--;
    if (p == end || p <= name + 1 || p[-1] != '.')
        return 0;
    const char *n_start = p;
    p--;
    const char *pid_end = p;
    while (p > name && p[-1] >= '0' && p[-1] <= '9')
        p--;
    if (p == pid_end || p <= name + 1 || p[-1] != '.' || pid_end - p > 9 || n_start == end)
        return 0;
    return strtol(p, NULL, 10);
}

void sink_file_clean_stale(const char *dir)
{
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return;
    DIR *d = fdopendir(dfd);
    if (!d) {
        close(dfd);
        return;
    }
    time_t now = time(NULL);
    struct dirent *de;
    while ((de = readdir(d))) {
        long pid = temp_pid(de->d_name);
        if (pid <= 0 || pid == (long)getpid())
            continue;
        struct stat st;
        if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode) ||
            st.st_uid != geteuid() || now - st.st_mtime <= STALE_SECONDS)
            continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue; /* alive, or someone else's we cannot signal */
        (void)unlinkat(dfd, de->d_name, 0);
    }
    closedir(d);
}

void sink_file_keep_mode(int fd, const char *target)
{
    struct stat st;
    if (stat(target, &st) == 0 && S_ISREG(st.st_mode))
        (void)fchmod(fd, st.st_mode & 07777);
}
