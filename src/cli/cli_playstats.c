/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cli_playstats.c — what `play --stats` prints about a play (cli_playstats.h).
 */
#include "cli_playstats.h"

#include <stdio.h>
#include <sys/resource.h>

void play_print_stats(const struct player_stats *ps, int64_t t_start, int64_t t_compiled,
                      int64_t t_stop, double cpu_playing, double wall_playing, long maxrss_kib,
                      bool streamed)
{
    const struct sink_pa_stats *s = &ps->sink;
    FILE *f = stderr;
    if (s->first_audio_ns) {
        fprintf(f,
                "first audio:  %.0f ms after start (compile %.0f ms%s, mixer %.0f ms, first block "
                "%.0f ms, prebuffer and start %.0f ms; device opened in %.0f ms meanwhile)\n",
                (double)(s->first_audio_ns - t_start) / 1e6,
                (double)(t_compiled - t_start) / 1e6,
                streamed ? " until the layout began, the rest streamed" : "",
                (double)(ps->mixer_ns - ps->created_ns) / 1e6,
                (double)(ps->first_block_ns - ps->mixer_ns) / 1e6,
                (double)(s->first_audio_ns - ps->first_block_ns) / 1e6,
                (double)(ps->device_ns - ps->created_ns) / 1e6);
    } else {
        fprintf(f, "first audio:  none\n");
    }
    fprintf(f, "underruns:    %u (device underflows %u)\n", s->underruns, s->device_underflows);
    double wall = s->start_ns && s->stop_ns > s->start_ns ? (double)(s->stop_ns - s->start_ns) / 1e9
                                                          : 0.0;
    if (wall > 0)
        fprintf(f,
                "callback CPU: %.3f%% of one core (%lld callbacks; producer %.3f%%, whole "
                "process %.3f%%)\n",
                100.0 * (double)s->callback_ns / 1e9 / wall, (long long)s->callbacks,
                100.0 * ps->producer_cpu / wall,
                wall_playing > 0 ? 100.0 * cpu_playing / wall_playing : 0.0);
    fprintf(f, "played:       %lld frames in %.1f s to %s, %d Hz, %d channel%s\n",
            (long long)s->frames_out, wall, s->device, s->rate, s->channels,
            s->channels == 1 ? "" : "s");
    fprintf(f, "buffer:       latency %.0f ms (%lld frames), callbacks of up to %d frames\n",
            s->latency * 1000.0, (long long)(s->latency * s->rate), s->max_frames);
    if (t_stop && ps->silent_ns >= t_stop)
        fprintf(f,
                "stop:         %.0f ms from the request to silence (the fade; then up to %.0f ms "
                "in the device), stream closed after %.0f ms\n",
                (double)(ps->silent_ns - t_stop) / 1e6, s->latency * 1000.0,
                (double)(s->stop_ns - t_stop) / 1e6);
    fprintf(f, "memory:       peak %.1f MiB\n", (double)maxrss_kib / 1024.0);
}

double play_cpu_seconds(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return 0.0;
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}
