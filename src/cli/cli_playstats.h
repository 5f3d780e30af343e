/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cli_playstats.h — `play --stats`: the time to first audio and its parts,
 * underruns, callback CPU, the buffer, the stop and peak memory, on stderr.
 */
#ifndef ASANAVOX_CLI_PLAYSTATS_H
#define ASANAVOX_CLI_PLAYSTATS_H

#include <stdbool.h>
#include <stdint.h>

#include "asanavox/player.h"

/* Print the report.  Times are av_now_ns() values: t_start the program's
 * start, t_compiled when the compile was done (with `streamed`, when its
 * layout began: the rest was laid out while play started), t_stop the stop
 * request (0: none).  cpu_playing and wall_playing are seconds while
 * playing; maxrss_kib the peak resident memory. */
void play_print_stats(const struct player_stats *ps, int64_t t_start, int64_t t_compiled,
                      int64_t t_stop, double cpu_playing, double wall_playing, long maxrss_kib,
                      bool streamed);

/* CPU seconds of the whole process so far (user and system). */
double play_cpu_seconds(void);

#endif
