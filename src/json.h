/*
 * json.h - a small JSON writer, and a reader for flat objects.
 *
 * The catalog stores the options of an object as one JSON object whose
 * values are scalars or arrays of scalars:
 *
 *     {"privacy_budget":0.5,"compliance_mode":"HIPAA","features":["age","bmi"]}
 *
 * The reader accepts exactly that shape (RFC 8259 syntax; nested objects and
 * arrays inside arrays are refused) and turns it into a list of members in
 * text order.  It never crashes on bad input: malformed text is an error with
 * the byte offset where reading stopped.  The writer builds any JSON (objects
 * and arrays nest up to HL_JSON_MAX_DEPTH) into a growing buffer capped at
 * HL_JSON_MAX_SIZE bytes.
 *
 * What this module does not do: no comments, no trailing commas, no NaN or
 * infinities (the writer writes them as null), no "\u0000" inside strings
 * (C strings cannot hold it), no UTF-8 validation (bytes >= 0x20 pass
 * through both ways unchanged).  Numbers are written and read the same way
 * whatever the C locale's decimal point is.
 *
 * Ownership: every char * and array in an HlJsonValue / HlJsonObject is owned
 * by it and released by hl_json_value_clear() / hl_json_object_clear().
 */
#ifndef HL_JSON_H
#define HL_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define HL_JSON_MAX_DEPTH 32
#define HL_JSON_MAX_SIZE (64u << 20)    /* writer and reader: 64 MiB */

typedef enum HlJsonType {
    HL_JSON_NULL = 0,
    HL_JSON_BOOL,               /* i is 0 or 1 */
    HL_JSON_INT,                /* a number without fraction or exponent that fits int64 */
    HL_JSON_REAL,               /* any other number */
    HL_JSON_STRING,
    HL_JSON_ARRAY               /* of scalars (never of arrays) */
} HlJsonType;

typedef struct HlJsonValue {
    HlJsonType type;
    int64_t i;                  /* INT, BOOL */
    double r;                   /* REAL; also set for INT */
    char *s;                    /* STRING: owned, unescaped, NUL-terminated */
    struct HlJsonValue *items;  /* ARRAY: owned */
    int nitems;
} HlJsonValue;

typedef struct HlJsonMember {
    char *key;                  /* owned */
    int off;                    /* byte offset of the key's opening quote */
    HlJsonValue val;
} HlJsonMember;

typedef struct HlJsonObject {
    HlJsonMember *v;            /* owned, in text order */
    int n, cap;
} HlJsonObject;

/* --- reading ----------------------------------------------------------- */

/* Parses `text` (NUL-terminated), a flat object, into *out (which the call
 * initializes; clear it with hl_json_object_clear() even on failure).
 * Duplicate keys are an error.  Returns HELIOS_OK, or HELIOS_ERROR (malformed
 * text; err->offset is the byte offset in `text`) or HELIOS_NOMEM, with *out
 * left empty. */
int hl_json_parse_object(const char *text, HlJsonObject *out, hl_err *err);

/* Parses `text`, one scalar or one array of scalars with optional blanks
 * around it, into *out.  Same errors as hl_json_parse_object(). */
int hl_json_parse_value(const char *text, HlJsonValue *out, hl_err *err);

/* The value of `key` (exact, case-sensitive), or NULL. */
const HlJsonValue *hl_json_object_get(const HlJsonObject *o, const char *key);

/* Release what the value / object owns and reset it to empty; accept NULL. */
void hl_json_value_clear(HlJsonValue *v);
void hl_json_object_clear(HlJsonObject *o);

/* Deep copy; returns HELIOS_OK or HELIOS_NOMEM (then *dst is empty). */
int hl_json_value_copy(HlJsonValue *dst, const HlJsonValue *src);

/* Appends key/value to the object, taking ownership of `key` and of what
 * *val owns (even on failure).  Does not check for duplicates.  Returns
 * HELIOS_OK or HELIOS_NOMEM. */
int hl_json_object_push(HlJsonObject *o, char *key, HlJsonValue *val);

/* --- writing ----------------------------------------------------------- */

typedef struct HlJsonWriter {
    char *buf;
    size_t len, cap;
    int depth;                          /* open containers */
    unsigned char kind[HL_JSON_MAX_DEPTH];   /* '{' or '[' */
    int count[HL_JSON_MAX_DEPTH];       /* values (or keys) written at that level */
    int want_value;                     /* a key was written; its value is due */
    int failed;                         /* out of memory, too big, or misuse */
} HlJsonWriter;

void hl_json_writer_init(HlJsonWriter *w);
/* Frees the buffer; accepts NULL. */
void hl_json_writer_clear(HlJsonWriter *w);
/* The finished text (malloc'd; caller frees), or NULL when anything failed
 * or a container is still open.  The writer is reset either way. */
char *hl_json_writer_finish(HlJsonWriter *w);

/* Each call writes one token.  Misuse (a value inside an object without a
 * key, a key outside an object, unbalanced ends) marks the writer failed:
 * hl_json_writer_finish() then returns NULL. */
void hl_json_begin_object(HlJsonWriter *w);
void hl_json_end_object(HlJsonWriter *w);
void hl_json_begin_array(HlJsonWriter *w);
void hl_json_end_array(HlJsonWriter *w);
void hl_json_key(HlJsonWriter *w, const char *key);
void hl_json_string(HlJsonWriter *w, const char *s);      /* NULL writes null */
void hl_json_int(HlJsonWriter *w, int64_t i);
void hl_json_real(HlJsonWriter *w, double r);  /* shortest text that reads back
                                                  exactly, always with '.' or 'e' */
void hl_json_bool(HlJsonWriter *w, int b);
void hl_json_null(HlJsonWriter *w);
void hl_json_value(HlJsonWriter *w, const HlJsonValue *v);
/* key + value in one call */
void hl_json_member(HlJsonWriter *w, const char *key, const HlJsonValue *v);

/* --- helpers ----------------------------------------------------------- */

/* `s` as a quoted, escaped JSON string (malloc'd; caller frees), or NULL
 * when out of memory. */
char *hl_json_quote(const char *s);
/* One value as JSON text (malloc'd; caller frees), or NULL. */
char *hl_json_value_text(const HlJsonValue *v);
/* Writes the shortest decimal text of r that reads back to exactly r into
 * buf (at least 32 bytes), always with '.' or 'e' ("1.0", "1e-05");
 * "null" when r is not finite.  Returns buf. */
char *hl_json_format_real(double r, char *buf, size_t n);

#endif
