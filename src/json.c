/* json.c - see json.h. */
#include "json.h"
#include "helios.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------- */
/* values                                                                  */

void hl_json_value_clear(HlJsonValue *v)
{
    if (!v)
        return;
    free(v->s);
    for (int i = 0; i < v->nitems; i++)
        hl_json_value_clear(&v->items[i]);
    free(v->items);
    memset(v, 0, sizeof *v);
}

void hl_json_object_clear(HlJsonObject *o)
{
    if (!o)
        return;
    for (int i = 0; i < o->n; i++) {
        free(o->v[i].key);
        hl_json_value_clear(&o->v[i].val);
    }
    free(o->v);
    memset(o, 0, sizeof *o);
}

int hl_json_value_copy(HlJsonValue *dst, const HlJsonValue *src)
{
    memset(dst, 0, sizeof *dst);
    dst->type = src->type;
    dst->i = src->i;
    dst->r = src->r;
    if (src->s && !(dst->s = strdup(src->s)))
        goto oom;
    if (src->nitems > 0) {
        dst->items = calloc((size_t)src->nitems, sizeof *dst->items);
        if (!dst->items)
            goto oom;
        for (int i = 0; i < src->nitems; i++) {
            dst->nitems = i + 1;
            if (hl_json_value_copy(&dst->items[i], &src->items[i]) != HELIOS_OK)
                goto oom;
        }
    }
    return HELIOS_OK;
oom:
    hl_json_value_clear(dst);
    return HELIOS_NOMEM;
}

int hl_json_object_push(HlJsonObject *o, char *key, HlJsonValue *val)
{
    if (o->n == o->cap) {
        int cap = o->cap ? o->cap * 2 : 8;
        HlJsonMember *v = realloc(o->v, (size_t)cap * sizeof *v);
        if (!v) {
            free(key);
            hl_json_value_clear(val);
            return HELIOS_NOMEM;
        }
        o->v = v;
        o->cap = cap;
    }
    HlJsonMember *m = &o->v[o->n++];
    m->key = key;
    m->off = -1;
    m->val = *val;
    memset(val, 0, sizeof *val);
    return HELIOS_OK;
}

const HlJsonValue *hl_json_object_get(const HlJsonObject *o, const char *key)
{
    for (int i = 0; o && i < o->n; i++)
        if (strcmp(o->v[i].key, key) == 0)
            return &o->v[i].val;
    return NULL;
}

/* ---------------------------------------------------------------------- */
/* numbers, independent of the C locale                                    */

/* The locale's decimal point when it is one character, else '.'. */
static char locale_point(void)
{
    const char *p = localeconv()->decimal_point;
    return (p && p[0] && !p[1]) ? p[0] : '.';
}

char *hl_json_format_real(double r, char *buf, size_t n)
{
    if (!isfinite(r)) {
        snprintf(buf, n, "null");
        return buf;
    }
    char pt = locale_point();
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, n, "%.*g", prec, r);
        char tmp[64];
        snprintf(tmp, sizeof tmp, "%s", buf);
        if (strtod(tmp, NULL) == r)
            break;
    }
    int has_mark = 0;
    for (char *c = buf; *c; c++) {
        if (*c == pt && pt != '.')
            *c = '.';
        if (*c == '.' || *c == 'e')
            has_mark = 1;
    }
    if (!has_mark) {
        size_t l = strlen(buf);
        if (l + 3 <= n)
            memcpy(buf + l, ".0", 3);
    }
    return buf;
}

/* Converts JSON number text s[0..len) (already validated) to a double. */
static double parse_real(const char *s, size_t len)
{
    char tmp[128];
    if (len >= sizeof tmp)
        len = sizeof tmp - 1;   /* longer mantissas lose nothing a double keeps */
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    char pt = locale_point();
    if (pt != '.')
        for (char *c = tmp; *c; c++)
            if (*c == '.')
                *c = pt;
    return strtod(tmp, NULL);
}

/* ---------------------------------------------------------------------- */
/* reader                                                                  */

typedef struct Reader {
    const char *t;
    size_t pos;
    hl_err *err;
} Reader;

static int rd_fail(Reader *r, const char *what)
{
    char found[16];
    unsigned char c = (unsigned char)r->t[r->pos];
    if (!c)
        snprintf(found, sizeof found, "end of text");
    else if (c >= 0x20 && c < 0x7f)
        snprintf(found, sizeof found, "'%c'", c);
    else
        snprintf(found, sizeof found, "byte 0x%02x", c);
    return hl_err_set(r->err, HELIOS_ERROR, (int)r->pos,
                      "malformed JSON at byte %zu: expected %s, found %s",
                      r->pos, what, found);
}

static void rd_blank(Reader *r)
{
    while (r->t[r->pos] == ' ' || r->t[r->pos] == '\t' || r->t[r->pos] == '\n'
           || r->t[r->pos] == '\r')
        r->pos++;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static int rd_hex4(Reader *r, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hexval(r->t[r->pos]);
        if (h < 0)
            return rd_fail(r, "4 hexadecimal digits after \\u");
        v = v * 16 + (unsigned)h;
        r->pos++;
    }
    *out = v;
    return HELIOS_OK;
}

static size_t put_utf8(char *d, unsigned cp)
{
    if (cp < 0x80) { d[0] = (char)cp; return 1; }
    if (cp < 0x800) {
        d[0] = (char)(0xc0 | (cp >> 6));
        d[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        d[0] = (char)(0xe0 | (cp >> 12));
        d[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        d[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    d[0] = (char)(0xf0 | (cp >> 18));
    d[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    d[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    d[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* One \uXXXX escape (the "\u" already read), a surrogate pair included. */
static int rd_unicode(Reader *r, unsigned *cp)
{
    size_t at = r->pos - 2;
    if (rd_hex4(r, cp) != HELIOS_OK)
        return HELIOS_ERROR;
    if (*cp >= 0xdc00 && *cp <= 0xdfff)
        return hl_err_set(r->err, HELIOS_ERROR, (int)at,
                          "malformed JSON at byte %zu: unpaired surrogate", at);
    if (*cp >= 0xd800 && *cp <= 0xdbff) {
        unsigned lo = 0;
        if (r->t[r->pos] != '\\' || r->t[r->pos + 1] != 'u')
            return hl_err_set(r->err, HELIOS_ERROR, (int)at,
                              "malformed JSON at byte %zu: unpaired surrogate", at);
        r->pos += 2;
        if (rd_hex4(r, &lo) != HELIOS_OK)
            return HELIOS_ERROR;
        if (lo < 0xdc00 || lo > 0xdfff)
            return hl_err_set(r->err, HELIOS_ERROR, (int)at,
                              "malformed JSON at byte %zu: unpaired surrogate", at);
        *cp = 0x10000 + ((*cp - 0xd800) << 10) + (lo - 0xdc00);
    }
    if (*cp == 0)
        return hl_err_set(r->err, HELIOS_ERROR, (int)at,
                          "malformed JSON at byte %zu: \\u0000 is not supported", at);
    return HELIOS_OK;
}

/* A string; r->pos is at the opening quote.  *out is malloc'd. */
static int rd_string(Reader *r, char **out)
{
    r->pos++;
    size_t start = r->pos, n = 0;
    /* The decoded text is never longer than the raw text. */
    while (r->t[start + n] && r->t[start + n] != '"')
        n += (r->t[start + n] == '\\' && r->t[start + n + 1]) ? 2 : 1;
    char *d = malloc(n + 1);
    if (!d)
        return hl_err_set(r->err, HELIOS_NOMEM, -1, "out of memory");
    size_t k = 0;
    for (;;) {
        unsigned char c = (unsigned char)r->t[r->pos];
        if (c == '"') {
            r->pos++;
            break;
        }
        if (c == '\0') {
            free(d);
            return rd_fail(r, "'\"' to close the string");
        }
        if (c < 0x20) {
            free(d);
            return rd_fail(r, "an escaped control character");
        }
        r->pos++;
        if (c != '\\') {
            d[k++] = (char)c;
            continue;
        }
        char e = r->t[r->pos++];
        switch (e) {
        case '"': d[k++] = '"'; break;
        case '\\': d[k++] = '\\'; break;
        case '/': d[k++] = '/'; break;
        case 'b': d[k++] = '\b'; break;
        case 'f': d[k++] = '\f'; break;
        case 'n': d[k++] = '\n'; break;
        case 'r': d[k++] = '\r'; break;
        case 't': d[k++] = '\t'; break;
        case 'u': {
            unsigned cp = 0;
            if (rd_unicode(r, &cp) != HELIOS_OK) {
                free(d);
                return HELIOS_ERROR;
            }
            /* \uXXXX is 6 raw bytes and at most 3 UTF-8 bytes; a pair is
             * 12 raw bytes and 4 UTF-8 bytes: the buffer always suffices. */
            k += put_utf8(d + k, cp);
            break;
        }
        default:
            r->pos--;
            free(d);
            return rd_fail(r, "an escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u)");
        }
    }
    d[k] = '\0';
    *out = d;
    return HELIOS_OK;
}

static int rd_number(Reader *r, HlJsonValue *v)
{
    size_t start = r->pos;
    const char *t = r->t;
    int integral = 1;
    if (t[r->pos] == '-')
        r->pos++;
    if (t[r->pos] == '0')
        r->pos++;
    else if (t[r->pos] >= '1' && t[r->pos] <= '9')
        while (t[r->pos] >= '0' && t[r->pos] <= '9')
            r->pos++;
    else
        return rd_fail(r, "a digit");
    if (t[r->pos] == '.') {
        integral = 0;
        r->pos++;
        if (!(t[r->pos] >= '0' && t[r->pos] <= '9'))
            return rd_fail(r, "a digit after '.'");
        while (t[r->pos] >= '0' && t[r->pos] <= '9')
            r->pos++;
    }
    if (t[r->pos] == 'e' || t[r->pos] == 'E') {
        integral = 0;
        r->pos++;
        if (t[r->pos] == '+' || t[r->pos] == '-')
            r->pos++;
        if (!(t[r->pos] >= '0' && t[r->pos] <= '9'))
            return rd_fail(r, "a digit in the exponent");
        while (t[r->pos] >= '0' && t[r->pos] <= '9')
            r->pos++;
    }
    size_t len = r->pos - start;
    if (integral) {
        char tmp[32];
        if (len < sizeof tmp) {
            memcpy(tmp, t + start, len);
            tmp[len] = '\0';
            errno = 0;
            long long ll = strtoll(tmp, NULL, 10);
            if (errno == 0) {
                v->type = HL_JSON_INT;
                v->i = ll;
                v->r = (double)ll;
                return HELIOS_OK;
            }
        }
    }
    v->type = HL_JSON_REAL;
    v->r = parse_real(t + start, len);
    if (!isfinite(v->r)) {
        r->pos = start;
        return hl_err_set(r->err, HELIOS_ERROR, (int)start,
                          "malformed JSON at byte %zu: number out of range", start);
    }
    return HELIOS_OK;
}

static int rd_word(Reader *r, const char *w)
{
    size_t n = strlen(w);
    if (strncmp(r->t + r->pos, w, n) != 0)
        return 0;
    char c = r->t[r->pos + n];
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')
        return 0;
    r->pos += n;
    return 1;
}

static int rd_scalar(Reader *r, HlJsonValue *v)
{
    char c = r->t[r->pos];
    memset(v, 0, sizeof *v);
    if (c == '"') {
        v->type = HL_JSON_STRING;
        return rd_string(r, &v->s);
    }
    if (c == '-' || (c >= '0' && c <= '9'))
        return rd_number(r, v);
    if (rd_word(r, "true")) { v->type = HL_JSON_BOOL; v->i = 1; return HELIOS_OK; }
    if (rd_word(r, "false")) { v->type = HL_JSON_BOOL; v->i = 0; return HELIOS_OK; }
    if (rd_word(r, "null")) { v->type = HL_JSON_NULL; return HELIOS_OK; }
    if (c == '[' || c == '{')
        return hl_err_set(r->err, HELIOS_ERROR, (int)r->pos,
                          "malformed JSON at byte %zu: nested %s not supported",
                          r->pos, c == '[' ? "arrays are" : "objects are");
    return rd_fail(r, "a value");
}

/* A scalar or an array of scalars. */
static int rd_value(Reader *r, HlJsonValue *v)
{
    if (r->t[r->pos] != '[')
        return rd_scalar(r, v);
    memset(v, 0, sizeof *v);
    v->type = HL_JSON_ARRAY;
    r->pos++;
    rd_blank(r);
    if (r->t[r->pos] == ']') {
        r->pos++;
        return HELIOS_OK;
    }
    int cap = 0;
    for (;;) {
        rd_blank(r);
        if (v->nitems == cap) {
            int ncap = cap ? cap * 2 : 8;
            HlJsonValue *it = realloc(v->items, (size_t)ncap * sizeof *it);
            if (!it)
                goto oom;
            v->items = it;
            cap = ncap;
        }
        if (rd_scalar(r, &v->items[v->nitems]) != HELIOS_OK) {
            hl_json_value_clear(v);
            return r->err->code;
        }
        v->nitems++;
        rd_blank(r);
        if (r->t[r->pos] == ',') {
            r->pos++;
            continue;
        }
        if (r->t[r->pos] == ']') {
            r->pos++;
            return HELIOS_OK;
        }
        hl_json_value_clear(v);
        return rd_fail(r, "',' or ']'");
    }
oom:
    hl_json_value_clear(v);
    return hl_err_set(r->err, HELIOS_NOMEM, -1, "out of memory");
}

static int rd_check_size(Reader *r)
{
    if (strnlen(r->t, HL_JSON_MAX_SIZE + 1) > HL_JSON_MAX_SIZE)
        return hl_err_set(r->err, HELIOS_ERROR, 0,
                          "JSON text longer than %u bytes", HL_JSON_MAX_SIZE);
    return HELIOS_OK;
}

int hl_json_parse_value(const char *text, HlJsonValue *out, hl_err *err)
{
    Reader r = { text ? text : "", 0, err };
    memset(out, 0, sizeof *out);
    if (rd_check_size(&r) != HELIOS_OK)
        return err->code;
    rd_blank(&r);
    if (rd_value(&r, out) != HELIOS_OK)
        return err->code;
    rd_blank(&r);
    if (r.t[r.pos] != '\0') {
        hl_json_value_clear(out);
        return rd_fail(&r, "end of text");
    }
    return HELIOS_OK;
}

int hl_json_parse_object(const char *text, HlJsonObject *out, hl_err *err)
{
    Reader r = { text ? text : "", 0, err };
    memset(out, 0, sizeof *out);
    if (rd_check_size(&r) != HELIOS_OK)
        return err->code;
    rd_blank(&r);
    if (r.t[r.pos] != '{')
        return rd_fail(&r, "'{'");
    r.pos++;
    rd_blank(&r);
    if (r.t[r.pos] == '}') {
        r.pos++;
        goto end;
    }
    for (;;) {
        rd_blank(&r);
        if (r.t[r.pos] != '"') {
            rd_fail(&r, "a key in double quotes");
            goto fail;
        }
        size_t koff = r.pos;
        char *key;
        if (rd_string(&r, &key) != HELIOS_OK)
            goto fail;
        if (hl_json_object_get(out, key)) {
            free(key);
            hl_err_set(err, HELIOS_ERROR, (int)koff,
                       "malformed JSON at byte %zu: duplicate key", koff);
            goto fail;
        }
        rd_blank(&r);
        if (r.t[r.pos] != ':') {
            free(key);
            rd_fail(&r, "':'");
            goto fail;
        }
        r.pos++;
        rd_blank(&r);
        HlJsonValue v;
        if (rd_value(&r, &v) != HELIOS_OK) {
            free(key);
            goto fail;
        }
        if (hl_json_object_push(out, key, &v) != HELIOS_OK) {
            hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
            goto fail;
        }
        out->v[out->n - 1].off = (int)koff;
        rd_blank(&r);
        if (r.t[r.pos] == ',') {
            r.pos++;
            continue;
        }
        if (r.t[r.pos] == '}') {
            r.pos++;
            break;
        }
        rd_fail(&r, "',' or '}'");
        goto fail;
    }
end:
    rd_blank(&r);
    if (r.t[r.pos] != '\0') {
        rd_fail(&r, "end of text");
        goto fail;
    }
    return HELIOS_OK;
fail:
    hl_json_object_clear(out);
    return err->code;
}

/* ---------------------------------------------------------------------- */
/* writer                                                                  */

void hl_json_writer_init(HlJsonWriter *w)
{
    memset(w, 0, sizeof *w);
}

void hl_json_writer_clear(HlJsonWriter *w)
{
    if (!w)
        return;
    free(w->buf);
    hl_json_writer_init(w);
}

char *hl_json_writer_finish(HlJsonWriter *w)
{
    char *s = NULL;
    if (!w->failed && w->depth == 0 && !w->want_value && w->buf) {
        s = w->buf;
        w->buf = NULL;
    }
    hl_json_writer_clear(w);
    return s;
}

static void put(HlJsonWriter *w, const char *s, size_t n)
{
    if (w->failed)
        return;
    if (w->len + n + 1 > w->cap) {
        size_t cap = w->cap ? w->cap : 64;
        while (cap < w->len + n + 1)
            cap *= 2;
        if (cap > HL_JSON_MAX_SIZE + 1) {
            if (w->len + n + 1 > HL_JSON_MAX_SIZE + 1) {
                w->failed = 1;
                return;
            }
            cap = HL_JSON_MAX_SIZE + 1;
        }
        char *b = realloc(w->buf, cap);
        if (!b) {
            w->failed = 1;
            return;
        }
        w->buf = b;
        w->cap = cap;
    }
    memcpy(w->buf + w->len, s, n);
    w->len += n;
    w->buf[w->len] = '\0';
}

/* Before any value: the comma, and the check that a value may come here. */
static void pre_value(HlJsonWriter *w)
{
    if (w->depth == 0) {
        if (w->len > 0)
            w->failed = 1;          /* a second top-level value */
        return;
    }
    int d = w->depth - 1;
    if (w->kind[d] == '{') {
        if (!w->want_value)
            w->failed = 1;
        w->want_value = 0;
        return;
    }
    if (w->count[d]++ > 0)
        put(w, ",", 1);
}

static void open_container(HlJsonWriter *w, char c)
{
    pre_value(w);
    if (w->depth == HL_JSON_MAX_DEPTH) {
        w->failed = 1;
        return;
    }
    w->kind[w->depth] = (unsigned char)c;
    w->count[w->depth] = 0;
    w->depth++;
    put(w, &c, 1);
}

static void close_container(HlJsonWriter *w, char open, char c)
{
    if (w->depth == 0 || w->kind[w->depth - 1] != open || w->want_value) {
        w->failed = 1;
        return;
    }
    w->depth--;
    put(w, &c, 1);
}

void hl_json_begin_object(HlJsonWriter *w) { open_container(w, '{'); }
void hl_json_end_object(HlJsonWriter *w) { close_container(w, '{', '}'); }
void hl_json_begin_array(HlJsonWriter *w) { open_container(w, '['); }
void hl_json_end_array(HlJsonWriter *w) { close_container(w, '[', ']'); }

static void put_escaped(HlJsonWriter *w, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    put(w, "\"", 1);
    const char *run = s;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        const char *esc = NULL;
        char u[7];
        switch (c) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        case '\b': esc = "\\b"; break;
        case '\f': esc = "\\f"; break;
        default:
            if (c < 0x20 || c == 0x7f) {
                memcpy(u, "\\u00", 4);
                u[4] = hex[c >> 4];
                u[5] = hex[c & 15];
                u[6] = '\0';
                esc = u;
            }
        }
        if (esc) {
            put(w, run, (size_t)(s - run));
            put(w, esc, strlen(esc));
            run = s + 1;
        }
    }
    put(w, run, (size_t)(s - run));
    put(w, "\"", 1);
}

void hl_json_key(HlJsonWriter *w, const char *key)
{
    if (w->depth == 0 || w->kind[w->depth - 1] != '{' || w->want_value || !key) {
        w->failed = 1;
        return;
    }
    if (w->count[w->depth - 1]++ > 0)
        put(w, ",", 1);
    put_escaped(w, key);
    put(w, ":", 1);
    w->want_value = 1;
}

void hl_json_string(HlJsonWriter *w, const char *s)
{
    if (!s) {
        hl_json_null(w);
        return;
    }
    pre_value(w);
    put_escaped(w, s);
}

void hl_json_int(HlJsonWriter *w, int64_t i)
{
    char b[32];
    pre_value(w);
    int n = snprintf(b, sizeof b, "%lld", (long long)i);
    put(w, b, (size_t)n);
}

void hl_json_real(HlJsonWriter *w, double r)
{
    char b[40];
    pre_value(w);
    hl_json_format_real(r, b, sizeof b);
    put(w, b, strlen(b));
}

void hl_json_bool(HlJsonWriter *w, int b)
{
    pre_value(w);
    put(w, b ? "true" : "false", b ? 4 : 5);
}

void hl_json_null(HlJsonWriter *w)
{
    pre_value(w);
    put(w, "null", 4);
}

void hl_json_value(HlJsonWriter *w, const HlJsonValue *v)
{
    switch (v->type) {
    case HL_JSON_NULL: hl_json_null(w); break;
    case HL_JSON_BOOL: hl_json_bool(w, v->i != 0); break;
    case HL_JSON_INT: hl_json_int(w, v->i); break;
    case HL_JSON_REAL: hl_json_real(w, v->r); break;
    case HL_JSON_STRING: hl_json_string(w, v->s ? v->s : ""); break;
    case HL_JSON_ARRAY:
        hl_json_begin_array(w);
        for (int i = 0; i < v->nitems; i++)
            hl_json_value(w, &v->items[i]);
        hl_json_end_array(w);
        break;
    default:
        w->failed = 1;
    }
}

void hl_json_member(HlJsonWriter *w, const char *key, const HlJsonValue *v)
{
    hl_json_key(w, key);
    hl_json_value(w, v);
}

/* ---------------------------------------------------------------------- */
/* helpers                                                                 */

char *hl_json_quote(const char *s)
{
    HlJsonWriter w;
    hl_json_writer_init(&w);
    hl_json_string(&w, s ? s : "");
    return hl_json_writer_finish(&w);
}

char *hl_json_value_text(const HlJsonValue *v)
{
    HlJsonWriter w;
    hl_json_writer_init(&w);
    hl_json_value(&w, v);
    return hl_json_writer_finish(&w);
}
