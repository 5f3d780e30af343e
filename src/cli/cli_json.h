/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cli_json.h — the two JSON primitives the commands' --json output needs.
 */
#ifndef ASANAVOX_CLI_JSON_H
#define ASANAVOX_CLI_JSON_H

#include <stdint.h>
#include <stdio.h>

/* Write `s` (UTF-8, may be NULL for "") as a JSON string literal. */
void json_string(FILE *f, const char *s);

/* Write frames/rate as seconds with six decimals. */
void json_seconds(FILE *f, int64_t frames, int rate);

#endif
