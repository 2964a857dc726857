/*
 * optvalue.h - one option value: its conversion, and the words for it in
 * messages.
 *
 * The part of the options module that looks at one value against one
 * definition (HlOptDef) and never at a whole option list:
 *   - hl_optv_convert() turns a statement value into its canonical JSON,
 *     checking type, range, enum and list items and accepting the lenient
 *     spellings options.h lists, or fails with a message that says what
 *     was expected and what was found;
 *   - hl_optv_suggest() is the one "did you mean" rule (hl_opt_suggest,
 *     hl_opt_suggest_choice);
 *   - the hl_optv_* text helpers word values, ranges and choices the same
 *     way in every message, in DESCRIBE and in the manual (hl_opt_domain).
 *
 * It does not know the option tables, the merged state or the conflict
 * rules (options.c), and it never touches the catalog.  Of options.h it
 * implements hl_opt_suggest_choice() and hl_opt_domain().  Internal to
 * src/options*.c: other modules use options.h.
 */
#ifndef HL_OPTVALUE_H
#define HL_OPTVALUE_H

#include "options.h"
#include "json.h"

#include <stddef.h>

#define HL_OPTV_MSG_MAX 48      /* longest user text quoted in a message */

/* Converts statement value v for option d into its canonical JSON *out.
 * *out is zeroed first and may hold a partial value on failure: the caller
 * clears it either way (hl_json_value_clear).  Returns HELIOS_OK, or
 * HELIOS_OPTION / HELIOS_NOMEM with *err set at the offending value. */
int hl_optv_convert(const HlOptDef *d, const HlValue *v, HlJsonValue *out, hl_err *err);

/* The best of cands[0..n) for `in` (case-insensitive): the smallest edit
 * distance within 1 (for up to 4 letters) or 2, else a prefix either way;
 * NULL when none.  Returns one of cands. */
const char *hl_optv_suggest(const char *const *cands, int n, const char *in);

/* Sets *err to HELIOS_OPTION at offset off; returns HELIOS_OPTION. */
int hl_optv_err(hl_err *err, int off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Sets *err to "out of memory"; returns HELIOS_NOMEM. */
int hl_optv_nomem(hl_err *err);

/* The text helpers write at most n bytes to buf, always terminated. */

/* x as a message shows it: integral values without a fraction ("5"). */
void hl_optv_fmt_num(double x, char *buf, size_t n);
/* s, cut to HL_OPTV_MSG_MAX bytes (not inside a UTF-8 sequence) + "...". */
void hl_optv_clip(const char *s, char *buf, size_t n);
/* A canonical value as a message shows it: 5, 0.5, 'HIPAA', true. */
void hl_optv_show(const HlJsonValue *v, char *buf, size_t n);
/* "'a', 'b' or 'c'" (sep_last " or ") or "'a', 'b', 'c'" (sep_last ", ");
 * ch is NULL-terminated; quote 0 leaves the items bare. */
void hl_optv_choices(const char *const *ch, int quote, const char *sep_last,
                     char *buf, size_t n);
/* 0 when x is within d's bounds (min, max and their HL_OPT_*_EXCL flags);
 * else "must be ..." in buf, and 1. */
int hl_optv_range_msg(const HlOptDef *d, double x, char *buf, size_t n);

#endif
