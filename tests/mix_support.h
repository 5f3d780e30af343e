/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * mix_support.h — a whole session mixed in one read, for the tests that
 * compare mixes (header-only; include after <cmocka.h>).
 */
#ifndef ASANAVOX_TEST_MIX_SUPPORT_H
#define ASANAVOX_TEST_MIX_SUPPORT_H

#include <stdlib.h>

#include "asanavox/error.h"
#include "asanavox/mixer.h"
#include "asanavox/timeline.h"

/* The whole of `tl` mixed mono with the default options, the voice `v`
 * (may be NULL) and the clip store in `store_dir` (NULL: none); malloc'd,
 * tl->duration samples. */
static inline float *mix_mono_whole(const struct timeline *tl, struct voice *v,
                                    const char *store_dir)
{
    struct mixer_options mo;
    mixer_options_init(&mo);
    mo.channels = 1;
    mo.store_dir = store_dir;
    struct mixer *m;
    assert_int_equal(mixer_create(tl, v, &mo, &m), AV_OK);
    float *out = malloc((size_t)tl->duration * sizeof(float));
    assert_non_null(out);
    size_t got;
    assert_int_equal(mixer_read(m, out, (size_t)tl->duration, &got), AV_OK);
    assert_int_equal(got, (size_t)tl->duration);
    mixer_destroy(m);
    return out;
}

#endif
