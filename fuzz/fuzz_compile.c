/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fuzz_compile.c — libFuzzer target over the parser and compiler: all that
 * `check` and `plan` do short of speech synthesis and reading sound files.
 *
 * The input is split on lines "%%%%" into up to 8 files: the first is the
 * session s/main.yoga, the others s/a.yoga, s/b.yoga..., so includes (and
 * include cycles) get exercised too.  Build: cmake -DASANAVOX_FUZZ=ON
 * -DCMAKE_C_COMPILER=clang; run: build/fuzz/fuzz_compile fuzz/corpus.
 *
 * The variant options (--length, --skip) are chosen from the input's size,
 * so the same input always compiles the same way and some inputs go through
 * the --length search and the --skip pass.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "asanavox/compile.h"
#include "asanavox/diag.h"
#include "asanavox/timeline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[] = {"s/main.yoga", "s/a.yoga", "s/b.yoga", "s/c.yoga",
                                        "s/d.yoga",    "s/e.yoga", "s/f.yoga", "s/g.yoga"};
    struct mem_file files[8];
    size_t n = 0;
    const char *p = (const char *)data, *end = p + size;
    while (n < 8) {
        const char *sep = NULL;
        for (const char *q = p; q + 5 <= end; q++) {
            if ((q == p || q[-1] == '\n') && !memcmp(q, "%%%%\n", 5)) {
                sep = q;
                break;
            }
        }
        files[n].path = names[n];
        files[n].data = p;
        files[n].len = (size_t)((sep ? sep : end) - p);
        n++;
        if (!sep)
            break;
        p = sep + 5;
    }
    struct mem_fs fs = {files, n, 1.5};
    struct compile_env env;
    compile_env_memory(&env, &fs);
    struct compile_options o;
    compile_options_init(&o);
    static const char *const skip[] = {"a", "Cat cow"};
    if (size % 3 == 1)
        o.length_ms = (int64_t)(size % 1800 + 1) * 1000;
    if (size % 5 == 2) {
        o.skip = skip;
        o.n_skip = 2;
    }
    struct diag *d = diag_create();
    if (!d)
        return 0;
    struct timeline *tl = NULL;
    if (compile_session("s/main.yoga", &o, &env, d, &tl) == 0) {
        /* Invariants the player and mixer rely on. */
        for (size_t i = 0; i < tl->n_events; i++) {
            const struct tl_event *e = &tl->events[i];
            if (e->start < 0 || e->end < e->start || e->end > tl->duration ||
                e->clip_end > tl->duration || (i && tl->events[i - 1].start > e->start) ||
                e->step < 0 || (size_t)e->step >= tl->n_steps)
                __builtin_trap();
        }
        for (size_t i = 0; i < tl->n_steps; i++) {
            const struct tl_step *s = &tl->steps[i];
            if (s->start > s->hold_start || s->hold_start > s->hold_end || s->hold_end > s->end ||
                s->end > tl->duration || (i && tl->steps[i - 1].end > s->start))
                __builtin_trap();
        }
    }
    timeline_destroy(tl);
    diag_destroy(d);
    return 0;
}
