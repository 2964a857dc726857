/*
 * err.h - how errors travel inside libhelios.
 *
 * A failing function returns a HELIOS_* code and fills an hl_err: the code,
 * a message (no location prefix, no trailing newline) and the byte offset of
 * the offending token in the statement text (-1 when unknown).  Only the
 * shell turns this into `file:line:col: error: message`.  The first error
 * set wins: hl_err_set() on an error that is already set does nothing, so a
 * caller can add context without hiding the root cause.
 */
#ifndef HL_ERR_H
#define HL_ERR_H

#include <stdarg.h>

#define HL_ERR_MSG_MAX 512

typedef struct hl_err {
    int code;                   /* HELIOS_OK when no error */
    int offset;                 /* byte offset into the statement text, -1 if unknown */
    char msg[HL_ERR_MSG_MAX];
    int note_offset;            /* a related place ("'(' opened here"), -1 if none */
    char note[128];
} hl_err;

void hl_err_clear(hl_err *e);
/* Sets the error unless one is already set; returns code. */
int hl_err_set(hl_err *e, int code, int offset, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int hl_err_vset(hl_err *e, int code, int offset, const char *fmt, va_list ap);
/* Puts context in front of the error that is set ("node 'n': " + its
 * message), keeping its code and offset; code 0 keeps the code too.
 * Nothing when no error is set. */
void hl_err_prefix(hl_err *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Attaches a note about a related place to the error that is set. */
void hl_err_note(hl_err *e, int offset, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
