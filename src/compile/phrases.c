/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * phrases.c — the built-in phrase catalogs and their lookups (phrases.h).
 *
 * Each catalog is written for spoken yoga practice in its language, not
 * translated word for word: German and Spanish use the familiar form most
 * classes use, French and Portuguese the polite one, Russian the short
 * nouns teachers call out ("Вдох." "Выдох.").  Two rules keep them correct
 * whatever name is inserted: {pose} always follows a colon, so no language
 * has to put it in a case or agree a gender with it; and a side follows a
 * comma as a phrase of its own ("Taube, linke Seite").
 *
 * The {side} words stand alone in a teacher's sentence, so they are the
 * forms that need no agreement where the language has one: adverbs in
 * Polish and Russian ("w {side}" -> "w lewo", "{side}" -> "влево"), the
 * oblique form in Hindi ("{side} ओर" -> "बाईं ओर").
 */
#include "asanavox/phrases.h"

#include <strings.h>
#include <string.h>

#include "asanavox/strbuf.h"

const char *const phrase_key_names[PHRASE_N + 1] = {
    [PHRASE_INHALE] = "inhale",
    [PHRASE_EXHALE] = "exhale",
    [PHRASE_HOLD] = "hold",
    [PHRASE_UP] = "up",
    [PHRASE_DOWN] = "down",
    [PHRASE_LAST_ONE] = "last_one",
    [PHRASE_LAST_ROUND] = "last_round",
    [PHRASE_HALFWAY] = "halfway",
    [PHRASE_REST] = "rest",
    [PHRASE_REST_NAME] = "rest_name",
    [PHRASE_NEXT] = "next",
    [PHRASE_SWITCH_SIDES] = "switch_sides",
    [PHRASE_LEFT] = "left",
    [PHRASE_RIGHT] = "right",
    [PHRASE_LEFT_SIDE] = "left_side",
    [PHRASE_RIGHT_SIDE] = "right_side",
    [PHRASE_OPENING] = "opening",
    [PHRASE_COUNT_1] = "count_1",
    [PHRASE_COUNT_2] = "count_2",
    [PHRASE_COUNT_3] = "count_3",
    [PHRASE_COUNT_4] = "count_4",
    [PHRASE_COUNT_5] = "count_5",
    [PHRASE_COUNT_6] = "count_6",
    [PHRASE_COUNT_7] = "count_7",
    [PHRASE_COUNT_8] = "count_8",
    [PHRASE_COUNT_9] = "count_9",
    [PHRASE_COUNT_10] = "count_10",
    [PHRASE_N] = NULL,
};

/* The countdown numbers, one to ten, as designated initializers. */
#define COUNTS(a, b, c, d, e, f, g, h, i, j)                                                      \
    [PHRASE_COUNT_1] = a, [PHRASE_COUNT_2] = b, [PHRASE_COUNT_3] = c, [PHRASE_COUNT_4] = d,       \
    [PHRASE_COUNT_5] = e, [PHRASE_COUNT_6] = f, [PHRASE_COUNT_7] = g, [PHRASE_COUNT_8] = h,       \
    [PHRASE_COUNT_9] = i, [PHRASE_COUNT_10] = j

static const struct phrase_catalog catalogs[] = {
    {"en", "English", "English", "en-us", {
        [PHRASE_INHALE] = "Breathe in.",
        [PHRASE_EXHALE] = "Breathe out.",
        [PHRASE_HOLD] = "Hold.",
        [PHRASE_UP] = "Up.",
        [PHRASE_DOWN] = "Down.",
        [PHRASE_LAST_ONE] = "Last one.",
        [PHRASE_LAST_ROUND] = "Last round.",
        [PHRASE_HALFWAY] = "Halfway.",
        [PHRASE_REST] = "Rest.",
        [PHRASE_REST_NAME] = "Rest",
        [PHRASE_NEXT] = "Next: {pose}.",
        [PHRASE_SWITCH_SIDES] = "Switch sides.",
        [PHRASE_LEFT] = "left",
        [PHRASE_RIGHT] = "right",
        [PHRASE_LEFT_SIDE] = "left side",
        [PHRASE_RIGHT_SIDE] = "right side",
        [PHRASE_OPENING] = "{title}. {safety}",
        COUNTS("One.", "Two.", "Three.", "Four.", "Five.",
               "Six.", "Seven.", "Eight.", "Nine.", "Ten."),
    }},
    {"de", "Deutsch", "German", "de", {
        [PHRASE_INHALE] = "Einatmen.",
        [PHRASE_EXHALE] = "Ausatmen.",
        [PHRASE_HOLD] = "Atem halten.",
        [PHRASE_UP] = "Nach oben.",
        [PHRASE_DOWN] = "Nach unten.",
        [PHRASE_LAST_ONE] = "Ein letztes Mal.",
        [PHRASE_LAST_ROUND] = "Letzte Runde.",
        [PHRASE_HALFWAY] = "Die Hälfte ist geschafft.",
        [PHRASE_REST] = "Entspann dich.",
        [PHRASE_REST_NAME] = "Pause",
        [PHRASE_NEXT] = "Als Nächstes: {pose}.",
        [PHRASE_SWITCH_SIDES] = "Seitenwechsel.",
        [PHRASE_LEFT] = "links",
        [PHRASE_RIGHT] = "rechts",
        [PHRASE_LEFT_SIDE] = "linke Seite",
        [PHRASE_RIGHT_SIDE] = "rechte Seite",
        [PHRASE_OPENING] = "{title}. {safety}",
        COUNTS("Eins.", "Zwei.", "Drei.", "Vier.", "Fünf.",
               "Sechs.", "Sieben.", "Acht.", "Neun.", "Zehn."),
    }},
    {"es", "Español", "Spanish", "es", {
        [PHRASE_INHALE] = "Inhala.",
        [PHRASE_EXHALE] = "Exhala.",
        [PHRASE_HOLD] = "Retén el aire.",
        [PHRASE_UP] = "Sube.",
        [PHRASE_DOWN] = "Baja.",
        [PHRASE_LAST_ONE] = "La última.",
        [PHRASE_LAST_ROUND] = "Última ronda.",
        [PHRASE_HALFWAY] = "Ya vas por la mitad.",
        [PHRASE_REST] = "Descansa.",
        [PHRASE_REST_NAME] = "Descanso",
        [PHRASE_NEXT] = "A continuación: {pose}.",
        [PHRASE_SWITCH_SIDES] = "Cambia de lado.",
        [PHRASE_LEFT] = "izquierda",
        [PHRASE_RIGHT] = "derecha",
        [PHRASE_LEFT_SIDE] = "lado izquierdo",
        [PHRASE_RIGHT_SIDE] = "lado derecho",
        [PHRASE_OPENING] = "{title}. {safety}",
        COUNTS("Uno.", "Dos.", "Tres.", "Cuatro.", "Cinco.",
               "Seis.", "Siete.", "Ocho.", "Nueve.", "Diez."),
    }},
    {"fr", "Français", "French", "fr", {
        [PHRASE_INHALE] = "Inspirez.",
        [PHRASE_EXHALE] = "Expirez.",
        [PHRASE_HOLD] = "Retenez le souffle.",
        [PHRASE_UP] = "Montez.",
        [PHRASE_DOWN] = "Descendez.",
        [PHRASE_LAST_ONE] = "Une dernière fois.",
        [PHRASE_LAST_ROUND] = "Dernier tour.",
        [PHRASE_HALFWAY] = "Vous êtes à mi-parcours.",
        [PHRASE_REST] = "Reposez-vous.",
        [PHRASE_REST_NAME] = "Repos",
        [PHRASE_NEXT] = "Ensuite : {pose}.",
        [PHRASE_SWITCH_SIDES] = "Changez de côté.",
        [PHRASE_LEFT] = "gauche",
        [PHRASE_RIGHT] = "droite",
        [PHRASE_LEFT_SIDE] = "côté gauche",
        [PHRASE_RIGHT_SIDE] = "côté droit",
        [PHRASE_OPENING] = "{title}. {safety}",
        COUNTS("Un.", "Deux.", "Trois.", "Quatre.", "Cinq.",
               "Six.", "Sept.", "Huit.", "Neuf.", "Dix."),
    }},
    {"it", "Italiano", "Italian", "it", {
        [PHRASE_INHALE] = "Inspira.",
        [PHRASE_EXHALE] = "Espira.",
        [PHRASE_HOLD] = "Trattieni il respiro.",
        [PHRASE_UP] = "Sali.",
        [PHRASE_DOWN] = "Scendi.",
        [PHRASE_LAST_ONE] = "Un'ultima volta.",
        [PHRASE_LAST_ROUND] = "Ultimo giro.",
        [PHRASE_HALFWAY] = "Sei a metà.",
        [PHRASE_REST] = "Riposa.",
        [PHRASE_REST_NAME] = "Riposo",
        [PHRASE_NEXT] = "A seguire: {pose}.",
        [PHRASE_SWITCH_SIDES] = "Cambia lato.",
        [PHRASE_LEFT] = "sinistra",
        [PHRASE_RIGHT] = "destra",
        [PHRASE_LEFT_SIDE] = "lato sinistro",
        [PHRASE_RIGHT_SIDE] = "lato destro",
        [PHRASE_OPENING] = "{title}. {safety}",
        COUNTS("Uno.", "Due.", "Tre.", "Quattro.", "Cinque.",
               "Sei.", "Sette.", "Otto.", "Nove.", "Dieci."),
    }},
    {"pt", "Português", "Portuguese", "pt", {
        [PHRASE_INHALE] = "Inspire.",
        [PHRASE_EXHALE] = "Expire.",
        [PHRASE_HOLD] = "Retenha o ar.",
        [PHRASE_UP] = "Suba.",
        [PHRASE_DOWN] = "Desça.",
        [PHRASE_LAST_ONE] = "Última vez.",
        [PHRASE_LAST_ROUND] = "Última série.",
        [PHRASE_HALFWAY] = "Já passou metade do tempo.",
        [PHRASE_REST] = "Descanse.",
        [PHRASE_REST_NAME] = "Descanso",
        [PHRASE_NEXT] = "A seguir: {pose}.",
        [PHRASE_SWITCH_SIDES] = "Mude de lado.",
        [PHRASE_LEFT] = "esquerda",
        [PHRASE_RIGHT] = "direita",
        [PHRASE_LEFT_SIDE] = "lado esquerdo",
        [PHRASE_RIGHT_SIDE] = "lado direito",
        [PHRASE_OPENING] = "{title}. {safety}",
        COUNTS("Um.", "Dois.", "Três.", "Quatro.", "Cinco.",
               "Seis.", "Sete.", "Oito.", "Nove.", "Dez."),
    }},
    {"nl", "Nederlands", "Dutch", "nl", {
        [PHRASE_INHALE] = "Adem in.",
        [PHRASE_EXHALE] = "Adem uit.",
        [PHRASE_HOLD] = "Houd de adem vast.",
        [PHRASE_UP] = "Omhoog.",
        [PHRASE_DOWN] = "Omlaag.",
        [PHRASE_LAST_ONE] = "Nog één keer.",
        [PHRASE_LAST_ROUND] = "Laatste ronde.",
        [PHRASE_HALFWAY] = "Je bent halverwege.",
        [PHRASE_REST] = "Kom tot rust.",
        [PHRASE_REST_NAME] = "Rust",
        [PHRASE_NEXT] = "Hierna: {pose}.",
        [PHRASE_SWITCH_SIDES] = "Wissel van kant.",
        [PHRASE_LEFT] = "links",
        [PHRASE_RIGHT] = "rechts",
        [PHRASE_LEFT_SIDE] = "linkerkant",
        [PHRASE_RIGHT_SIDE] = "rechterkant",
        [PHRASE_OPENING] = "{title}. {safety}",
        COUNTS("Één.", "Twee.", "Drie.", "Vier.", "Vijf.",
               "Zes.", "Zeven.", "Acht.", "Negen.", "Tien."),
    }},
    {"pl", "Polski", "Polish", "pl", {
        [PHRASE_INHALE] = "Wdech.",
        [PHRASE_EXHALE] = "Wydech.",
        [PHRASE_HOLD] = "Zatrzymaj oddech.",
        [PHRASE_UP] = "W górę.",
        [PHRASE_DOWN] = "W dół.",
        [PHRASE_LAST_ONE] = "Ostatni raz.",
        [PHRASE_LAST_ROUND] = "Ostatnia runda.",
        [PHRASE_HALFWAY] = "Połowa za tobą.",
        [PHRASE_REST] = "Odpocznij.",
        [PHRASE_REST_NAME] = "Odpoczynek",
        [PHRASE_NEXT] = "Następnie: {pose}.",
        [PHRASE_SWITCH_SIDES] = "Zmiana strony.",
        [PHRASE_LEFT] = "lewo",
        [PHRASE_RIGHT] = "prawo",
        [PHRASE_LEFT_SIDE] = "lewa strona",
        [PHRASE_RIGHT_SIDE] = "prawa strona",
        [PHRASE_OPENING] = "{title}. {safety}",
        COUNTS("Jeden.", "Dwa.", "Trzy.", "Cztery.", "Pięć.",
               "Sześć.", "Siedem.", "Osiem.", "Dziewięć.", "Dziesięć."),
    }},
    {"ru", "Русский", "Russian", "ru", {
        [PHRASE_INHALE] = "Вдох.",
        [PHRASE_EXHALE] = "Выдох.",
        [PHRASE_HOLD] = "Задержка дыхания.",
        [PHRASE_UP] = "Вверх.",
        [PHRASE_DOWN] = "Вниз.",
        [PHRASE_LAST_ONE] = "Последний раз.",
        [PHRASE_LAST_ROUND] = "Последний круг.",
        [PHRASE_HALFWAY] = "Половина позади.",
        [PHRASE_REST] = "Отдыхаем.",
        [PHRASE_REST_NAME] = "Отдых",
        [PHRASE_NEXT] = "Далее: {pose}.",
        [PHRASE_SWITCH_SIDES] = "Меняем сторону.",
        [PHRASE_LEFT] = "влево",
        [PHRASE_RIGHT] = "вправо",
        [PHRASE_LEFT_SIDE] = "левая сторона",
        [PHRASE_RIGHT_SIDE] = "правая сторона",
        [PHRASE_OPENING] = "{title}. {safety}",
        COUNTS("Один.", "Два.", "Три.", "Четыре.", "Пять.",
               "Шесть.", "Семь.", "Восемь.", "Девять.", "Десять."),
    }},
    {"hi", "हिन्दी", "Hindi", "hi", {
        [PHRASE_INHALE] = "साँस अंदर लें।",
        [PHRASE_EXHALE] = "साँस बाहर छोड़ें।",
        [PHRASE_HOLD] = "साँस रोकें।",
        [PHRASE_UP] = "ऊपर।",
        [PHRASE_DOWN] = "नीचे।",
        [PHRASE_LAST_ONE] = "आख़िरी बार।",
        [PHRASE_LAST_ROUND] = "आख़िरी चक्र।",
        [PHRASE_HALFWAY] = "आधा समय हो गया।",
        [PHRASE_REST] = "आराम करें।",
        [PHRASE_REST_NAME] = "आराम",
        [PHRASE_NEXT] = "अगला आसन: {pose}।",
        [PHRASE_SWITCH_SIDES] = "अब दूसरी तरफ़।",
        [PHRASE_LEFT] = "बाईं",
        [PHRASE_RIGHT] = "दाईं",
        [PHRASE_LEFT_SIDE] = "बाईं ओर",
        [PHRASE_RIGHT_SIDE] = "दाईं ओर",
        [PHRASE_OPENING] = "{title}। {safety}",
        COUNTS("एक।", "दो।", "तीन।", "चार।", "पाँच।", "छह।", "सात।", "आठ।", "नौ।", "दस।"),
    }},
};

enum { N_CATALOGS = sizeof(catalogs) / sizeof(catalogs[0]) };

int phrase_key_find(const char *name, size_t len)
{
    for (int k = 0; k < PHRASE_N; k++)
        if (strlen(phrase_key_names[k]) == len && !memcmp(phrase_key_names[k], name, len))
            return k;
    return -1;
}

size_t phrase_catalog_count(void) { return N_CATALOGS; }

const struct phrase_catalog *phrase_catalog_at(size_t i)
{
    return i < N_CATALOGS ? &catalogs[i] : NULL;
}

static const struct phrase_catalog *find_n(const char *lang, size_t len)
{
    for (size_t i = 0; i < N_CATALOGS; i++)
        if (strlen(catalogs[i].lang) == len && !strncasecmp(catalogs[i].lang, lang, len))
            return &catalogs[i];
    return NULL;
}

const struct phrase_catalog *phrase_catalog_find(const char *lang)
{
    return find_n(lang, strlen(lang));
}

const struct phrase_catalog *phrase_catalog_for_voice(const char *voice)
{
    /* flite's voices (voice.h) speak English only. */
    if (!strncmp(voice, "flite:", 6))
        return &catalogs[0];
    return find_n(voice, strcspn(voice, "-+_"));
}

const char *phrase_languages(void)
{
    /* Built from the table once would need a lock or a static buffer; the
     * list is short and fixed, so it is spelled out, and a test checks it
     * against the table. */
    return "en, de, es, fr, it, pt, nl, pl, ru, hi";
}

/* Bytes of the UTF-8 character ending at s[len-1], when it is one of the
 * multi-byte sentence ends: … (U+2026) or । (U+0964). */
static size_t wide_end(const char *s, size_t len)
{
    static const char *const ends[] = {"\xE2\x80\xA6", "\xE0\xA5\xA4", "\xE0\xA5\xA5"};
    for (size_t k = 0; k < sizeof(ends) / sizeof(ends[0]); k++)
        if (len >= 3 && !memcmp(s + len - 3, ends[k], 3))
            return 3;
    return 0;
}

bool phrase_ends_sentence(const char *s, size_t len)
{
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    if (len == 0)
        return false;
    char c = s[len - 1];
    return c == '.' || c == '!' || c == '?' || wide_end(s, len) > 0;
}

void phrase_expand(struct strbuf *sb, const char *tmpl, const char *const *vars)
{
    const char *p = tmpl;
    while (*p) {
        const char *open = strchr(p, '{');
        if (!open) {
            strbuf_puts(sb, p);
            return;
        }
        strbuf_append(sb, p, (size_t)(open - p));
        const char *close = strchr(open, '}');
        const char *value = NULL;
        if (close) {
            size_t n = (size_t)(close - open - 1);
            for (const char *const *v = vars; v && v[0]; v += 2)
                if (strlen(v[0]) == n && !memcmp(v[0], open + 1, n))
                    value = v[1];
        }
        if (!value) {
            strbuf_putc(sb, '{');
            p = open + 1;
            continue;
        }
        strbuf_puts(sb, value);
        p = close + 1;
        if (phrase_ends_sentence(value, strlen(value))) {
            if (*p == '.')
                p++;
            else if (!strncmp(p, "\xE0\xA5\xA4", 3)) /* । */
                p += 3;
        }
    }
}
