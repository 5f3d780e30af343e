/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * strlist.h — a growable NULL-terminated list of malloc'd strings.
 *
 * Embedded and zero-initialised (`struct strlist l = {0};`).  The list owns
 * the strings added to it.  An allocation failure, or a NULL string handed
 * in (the caller's own strdup() that failed), makes the list "oom": the
 * failure is remembered and checked once at the end, instead of after every
 * add.  Once something is added, `v` is NULL-terminated, so the caller may
 * take it over as a `char **` (and free it as paths_free_list() does);
 * otherwise strlist_deinit() frees it.  Not thread-safe.
 */
#ifndef ASANAVOX_STRLIST_H
#define ASANAVOX_STRLIST_H

#include <stdbool.h>
#include <stddef.h>

struct strlist {
    char **v;   /* n strings and a NULL; NULL while empty */
    size_t n;
    size_t cap;
    bool oom;
};

/* Append `s` (malloc'd; ownership moves to the list).  NULL `s`, or no
 * memory to grow (then `s` is freed), sets `oom`. */
void strlist_add(struct strlist *l, char *s);

/* strlist_add(), unless the list holds an equal string already: then `s`
 * is freed and the list is unchanged. */
void strlist_add_unique(struct strlist *l, char *s);

/* Whether the list holds a string equal to `s`. */
bool strlist_has(const struct strlist *l, const char *s);

/* Free every string and the array; the list is empty again (not oom). */
void strlist_deinit(struct strlist *l);

#endif
