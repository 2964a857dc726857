/* dynbuf.c - see dynbuf.h. */
#include "dynbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int hl_dbuf_add(HlDbuf *b, const void *p, size_t n)
{
    if (n > b->cap || b->len > b->cap - n)
        return -1;
    if (b->len + n + 1 > b->alloc) {
        size_t want = b->alloc ? b->alloc : 64;
        while (want < b->len + n + 1)
            want = want > ((size_t)-1) / 2 ? b->len + n + 1 : want * 2;
        char *nb = realloc(b->buf, want);
        if (!nb)
            return -1;
        b->buf = nb;
        b->alloc = want;
    }
    if (n)
        memcpy(b->buf + b->len, p, n);
    b->len += n;
    b->buf[b->len] = '\0';
    return 0;
}

int hl_dbuf_addc(HlDbuf *b, char c)
{
    return hl_dbuf_add(b, &c, 1);
}

int hl_dbuf_adds(HlDbuf *b, const char *s)
{
    return hl_dbuf_add(b, s, strlen(s));
}

int hl_dbuf_printf(HlDbuf *b, const char *fmt, ...)
{
    va_list ap;
    char small[256];
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return -1;
    if ((size_t)n < sizeof small)
        return hl_dbuf_add(b, small, (size_t)n);
    char *big = malloc((size_t)n + 1);
    if (!big)
        return -1;
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    int rc = hl_dbuf_add(b, big, (size_t)n);
    free(big);
    return rc;
}

void hl_dbuf_reset(HlDbuf *b)
{
    b->len = 0;
    if (b->buf)
        b->buf[0] = '\0';
}

void hl_dbuf_free(HlDbuf *b)
{
    free(b->buf);
    b->buf = NULL;
    b->len = b->alloc = 0;
}

const char *hl_dbuf_str(const HlDbuf *b)
{
    return b->buf ? b->buf : "";
}
