/*
 * dynbuf.h - a growing byte buffer with a size cap (curl's dynbuf habit).
 *
 * Everything the shell reads from its input (lines, statements, CSV fields)
 * grows in one of these, so no input can overflow a fixed buffer and none
 * can grow without bound: past the cap an append fails and leaves the
 * buffer as it was.  The contents are always NUL-terminated (the NUL is not
 * counted in len), so hl_dbuf_str() can be handed to C string functions.
 */
#ifndef HL_DYNBUF_H
#define HL_DYNBUF_H

#include <stddef.h>

typedef struct HlDbuf {
    char *buf;      /* owned; NULL until the first append */
    size_t len;     /* bytes used, not counting the NUL */
    size_t alloc;   /* bytes allocated */
    size_t cap;     /* the most len may ever be */
} HlDbuf;

#define HL_DBUF_INIT(cap_) { NULL, 0, 0, (cap_) }

/* 0 on success; -1 when the cap would be passed or memory ran out, and
 * then the buffer is unchanged. */
int hl_dbuf_add(HlDbuf *b, const void *p, size_t n);
int hl_dbuf_addc(HlDbuf *b, char c);
int hl_dbuf_adds(HlDbuf *b, const char *s);
/* printf-style append; same result as hl_dbuf_add. */
int hl_dbuf_printf(HlDbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void hl_dbuf_reset(HlDbuf *b);                 /* empty, keeps the memory */
void hl_dbuf_free(HlDbuf *b);                  /* frees; accepts a zeroed buffer */
const char *hl_dbuf_str(const HlDbuf *b);      /* "" when empty */

#endif
