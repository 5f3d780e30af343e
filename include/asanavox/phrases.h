/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * phrases.h — the words asanavox says on its own, in ten languages.
 *
 * Every sentence or word the compiler adds by itself ("Breathe in.",
 * "Next: {pose}.", the {side} words, the countdown numbers...) is a catalog
 * entry under a stable key (enum phrase_key; the key names are what a
 * session's `phrases:` block and `asanavox phrases` use).  The catalogs are
 * static tables compiled into the program, so an installed binary needs no
 * data files; docs/FORMAT.md lists the keys.
 *
 * Some entries are templates: {pose}, {title} and {safety} are filled in by
 * phrase_expand().  Entries are written so that the inserted name is never
 * inflected (a colon before {pose}, a comma before the side), because the
 * compiler cannot decline a teacher's pose name.
 *
 * Everything here is constant data and pure functions: any thread.
 */
#ifndef ASANAVOX_PHRASES_H
#define ASANAVOX_PHRASES_H

#include <stdbool.h>
#include <stddef.h>

struct strbuf;

enum phrase_key {
    PHRASE_INHALE,       /* breath prompt, inhale phase */
    PHRASE_EXHALE,       /* breath prompt, exhale phase */
    PHRASE_HOLD,         /* breath prompt, either hold phase */
    PHRASE_UP,           /* reps: the lifting phase */
    PHRASE_DOWN,         /* reps: the lowering phase */
    PHRASE_LAST_ONE,     /* said before the last rep's "up" */
    PHRASE_LAST_ROUND,   /* said before a flow's last round */
    PHRASE_HALFWAY,      /* halfway through a timed hold */
    PHRASE_REST,         /* a rest without cue lines */
    PHRASE_REST_NAME,    /* a rest step's name in the plan */
    PHRASE_NEXT,         /* during a rest: the pose after it, {pose} */
    PHRASE_SWITCH_SIDES, /* before the second side of `each side` */
    PHRASE_LEFT,         /* {side} in cue text */
    PHRASE_RIGHT,
    PHRASE_LEFT_SIDE,    /* after a pose name: "Pigeon, left side" */
    PHRASE_RIGHT_SIDE,
    PHRASE_OPENING,      /* the opening, {title} and {safety} */
    PHRASE_COUNT_1,      /* countdown numbers, one to ten */
    PHRASE_COUNT_2,
    PHRASE_COUNT_3,
    PHRASE_COUNT_4,
    PHRASE_COUNT_5,
    PHRASE_COUNT_6,
    PHRASE_COUNT_7,
    PHRASE_COUNT_8,
    PHRASE_COUNT_9,
    PHRASE_COUNT_10,
    PHRASE_N
};

struct phrase_catalog {
    const char *lang;         /* ISO 639-1 code: "de" */
    const char *name;         /* the language's own name: "Deutsch" */
    const char *english_name; /* "German" */
    const char *voice;        /* espeak-ng voice used when only the language is given */
    const char *text[PHRASE_N];
};

/* The key names ("inhale", "next", "count_10"...), in enum order and
 * NULL-terminated (for diag_suggest()). */
extern const char *const phrase_key_names[PHRASE_N + 1];

/* The key named `name[0..len)`, or -1. */
int phrase_key_find(const char *name, size_t len);

/* The catalogs, English first.  phrase_catalog_at() returns NULL past the
 * last one. */
size_t phrase_catalog_count(void);
const struct phrase_catalog *phrase_catalog_at(size_t i);

/* The catalog for a language code ("de", case-insensitive), or NULL. */
const struct phrase_catalog *phrase_catalog_find(const char *lang);

/* The catalog for an espeak-ng voice name: its language part before the
 * first '-' or '+' ("en-us" -> en, "pt-br" -> pt, "de+f3" -> de); English
 * for flite's voices ("flite:slt").  NULL when there is no catalog for it. */
const struct phrase_catalog *phrase_catalog_for_voice(const char *voice);

/* "de, en, es, ..." — the language codes, for messages. */
const char *phrase_languages(void);

/* Append `tmpl` to `sb`, replacing each {NAME} for which `vars` (pairs of
 * name and value, ended by a NULL name) has a value.  Other braces are kept
 * as written.  A full stop (. or ।) right after an inserted value that already ends a
 * sentence is dropped ("Next: Child's pose." rather than "...pose..").
 * Allocation failures are left in `sb` (strbuf_failed()). */
void phrase_expand(struct strbuf *sb, const char *tmpl, const char *const *vars);

/* True when s[0..len) ends with sentence punctuation: . ! ? … or the
 * Devanagari danda । (trailing spaces do not count). */
bool phrase_ends_sentence(const char *s, size_t len);

#endif
