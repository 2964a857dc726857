/* err.c - see err.h. */
#include "err.h"
#include "helios.h"

#include <stdio.h>
#include <string.h>

void hl_err_clear(hl_err *e)
{
    e->code = HELIOS_OK;
    e->offset = -1;
    e->msg[0] = '\0';
    e->note_offset = -1;
    e->note[0] = '\0';
}

void hl_err_prefix(hl_err *e, int code, const char *fmt, ...)
{
    if (e->code == 0)
        return;
    char msg[HL_ERR_MSG_MAX];
    memcpy(msg, e->msg, sizeof msg);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n < sizeof e->msg) {
        size_t room = sizeof e->msg - (size_t)n - 1, len = strnlen(msg, sizeof msg - 1);
        memcpy(e->msg + n, msg, len < room ? len : room);
        e->msg[n + (len < room ? len : room)] = '\0';
    }
    if (code)
        e->code = code;
}

void hl_err_note(hl_err *e, int offset, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    e->note_offset = offset;
    vsnprintf(e->note, sizeof e->note, fmt, ap);
    va_end(ap);
}

int hl_err_vset(hl_err *e, int code, int offset, const char *fmt, va_list ap)
{
    if (e->code != HELIOS_OK)
        return code;
    e->code = code;
    e->offset = offset;
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    return code;
}

int hl_err_set(hl_err *e, int code, int offset, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    hl_err_vset(e, code, offset, fmt, ap);
    va_end(ap);
    return code;
}
