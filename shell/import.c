/*
 * import.c - .import FILE TABLE: CSV with a header row into a table.
 *
 * The CSV is RFC 4180: fields separated by ',', records by CRLF or LF (a
 * lone CR is taken as a line end too), a field in double quotes may hold
 * ',', '"' (doubled) and line breaks.  A UTF-8 byte order mark at the start
 * is skipped, and so are blank lines.  Being lenient where the RFC is
 * silent, a '"' inside an unquoted field is kept as it is.
 *
 * Two passes over the file.  The first checks every record (quotes, field
 * count against the header) and finds each column's type from all its
 * values: INTEGER when every non-empty value is a 64-bit integer, REAL when
 * every one is a number, else TEXT.  Nothing is written unless the whole
 * file is well formed.  The second pass inserts every row inside one
 * savepoint, binding typed values; any failure rolls it all back, the
 * table too when this import created it.  Empty values import as NULL.
 * Into an existing table, values are bound as text (empty: NULL) and the
 * table's declared column types convert them, so a TEXT column keeps
 * "007" as it is.
 *
 * Errors about the contents say FILE:LINE:COL and show the line.
 */
#include "shell.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <strings.h>
#include <sys/stat.h>

#define CSV_MAX_FIELDS 32767

typedef struct CsvPos {
    long line, col;
} CsvPos;

typedef struct Csv {
    FILE *f;
    const char *path;
    CsvPos pos;                 /* of the next byte */
    HlDbuf rec;                 /* the record's fields, each NUL-terminated */
    size_t *start, *len;        /* of each field in rec */
    CsvPos *fpos;               /* where each field starts */
    int nf, capf;
    CsvPos rec_pos, end_pos;    /* where the record starts and ends */
} Csv;

/* ---- errors that point into the file ---- */

/* Line `line` of the file (without its line end), into out. */
static void fetch_line(const char *path, long line, HlDbuf *out)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return;
    long l = 1;
    int ch;
    while (l < line && (ch = getc(f)) != EOF)
        if (ch == '\n')
            l++;
    while ((ch = getc(f)) != EOF && ch != '\n')
        if (hl_dbuf_addc(out, (char)ch) != 0)
            break;
    fclose(f);
}

static void csv_error(const Csv *c, CsvPos at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void csv_error(const Csv *c, CsvPos at, const char *fmt, ...)
{
    HlDbuf line = HL_DBUF_INIT(1 << 20), msg = HL_DBUF_INIT(1 << 20);
    va_list ap;
    char small[512];
    va_start(ap, fmt);
    vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    hl_dbuf_adds(&msg, small);
    fetch_line(c->path, at.line, &line);
    /* Pad with blanks when the line could not be read back whole, so the
     * caret still lands at the right column. */
    while (line.len < (size_t)(at.col - 1) && hl_dbuf_addc(&line, ' ') == 0)
        ;
    HlSrc src = { c->path, hl_dbuf_str(&line), line.len, at.line };
    hl_error_at(&src, at.col - 1, "%s", hl_dbuf_str(&msg));
    hl_dbuf_free(&line);
    hl_dbuf_free(&msg);
}

/* ---- the reader ---- */

static int csv_get(Csv *c)
{
    int ch = getc(c->f);
    if (ch == '\n') {
        c->pos.line++;
        c->pos.col = 1;
    } else if (ch != EOF) {
        c->pos.col++;
    }
    return ch;
}

static int csv_peek(Csv *c)
{
    int ch = getc(c->f);
    if (ch != EOF)
        ungetc(ch, c->f);
    return ch;
}

static int csv_open(Csv *c, const char *path)
{
    memset(c, 0, sizeof *c);
    c->path = path;
    c->rec = (HlDbuf)HL_DBUF_INIT(HL_MAX_FIELD);
    c->f = fopen(path, "rb");
    return c->f ? 0 : -1;
}

static void csv_close(Csv *c)
{
    if (c->f)
        fclose(c->f);
    hl_dbuf_free(&c->rec);
    free(c->start);
    free(c->len);
    free(c->fpos);
}

/* To the first byte of the file, past a byte order mark. */
static int csv_rewind(Csv *c)
{
    if (fseek(c->f, 0, SEEK_SET) != 0)
        return -1;
    c->pos.line = 1;
    c->pos.col = 1;
    unsigned char bom[3];
    if (fread(bom, 1, 3, c->f) == 3 && bom[0] == 0xEF && bom[1] == 0xBB && bom[2] == 0xBF)
        c->pos.col = 4;         /* columns count bytes, the mark's too */
    else if (fseek(c->f, 0, SEEK_SET) != 0)
        return -1;
    return 0;
}

static int csv_add(Csv *c, int ch)
{
    if (hl_dbuf_addc(&c->rec, (char)ch) == 0)
        return 0;
    csv_error(c, c->rec_pos, "record longer than %zu bytes", c->rec.cap);
    return -1;
}

static int csv_field_end(Csv *c, size_t start, CsvPos at)
{
    if (c->nf == CSV_MAX_FIELDS) {
        csv_error(c, at, "more than %d fields", CSV_MAX_FIELDS);
        return -1;
    }
    if (c->nf == c->capf) {
        c->capf = c->capf ? c->capf * 2 : 16;
        c->start = hl_xrealloc(c->start, (size_t)c->capf * sizeof *c->start);
        c->len = hl_xrealloc(c->len, (size_t)c->capf * sizeof *c->len);
        c->fpos = hl_xrealloc(c->fpos, (size_t)c->capf * sizeof *c->fpos);
    }
    c->start[c->nf] = start;
    c->len[c->nf] = c->rec.len - start;
    c->fpos[c->nf] = at;
    c->nf++;
    return csv_add(c, '\0');
}

/* Read one record: 1, 0 at the end of the file, -1 on an error (shown). */
static int csv_record(Csv *c)
{
    hl_dbuf_reset(&c->rec);
    c->nf = 0;
    for (;;) {                          /* skip blank lines */
        int ch = csv_peek(c);
        if (ch == EOF)
            return ferror(c->f) ? -1 : 0;
        if (ch != '\n' && ch != '\r')
            break;
        csv_get(c);
        if (ch == '\r' && csv_peek(c) == '\n')
            csv_get(c);
    }
    c->rec_pos = c->pos;
    for (;;) {
        CsvPos at = c->pos, before = c->pos;
        size_t start = c->rec.len;
        int ch = csv_get(c);
        if (ch == '"') {
            for (;;) {
                ch = csv_get(c);
                if (ch == EOF) {
                    csv_error(c, at, "unterminated quoted field");
                    return -1;
                }
                if (ch == '"') {
                    if (csv_peek(c) != '"')
                        break;
                    csv_get(c);
                }
                if (csv_add(c, ch) != 0)
                    return -1;
            }
            before = c->pos;
            ch = csv_get(c);
            if (ch != ',' && ch != '\n' && ch != '\r' && ch != EOF) {
                csv_error(c, before, "expected ',' or the end of the line after a closing quote");
                return -1;
            }
        } else {
            while (ch != ',' && ch != '\n' && ch != '\r' && ch != EOF) {
                if (csv_add(c, ch) != 0)
                    return -1;
                before = c->pos;
                ch = csv_get(c);
            }
        }
        if (csv_field_end(c, start, at) != 0)
            return -1;
        if (ch == ',')
            continue;
        c->end_pos = before;        /* just past the record's last byte */
        if (ch == '\r' && csv_peek(c) == '\n')
            csv_get(c);
        return 1;
    }
}

static const char *csv_val(const Csv *c, int i)
{
    return c->rec.buf + c->start[i];
}

/* ---- types ---- */

enum { T_INTEGER = 0, T_REAL = 1, T_TEXT = 2 };
static const char *const type_names[] = { "INTEGER", "REAL", "TEXT" };

static int digits(const char **p)
{
    const char *s = *p;
    while (isdigit((unsigned char)**p))
        (*p)++;
    return *p > s;
}

static int is_integer(const char *s)
{
    const char *p = s + (*s == '+' || *s == '-');
    if (!digits(&p) || *p)
        return 0;
    errno = 0;
    (void)strtoll(s, NULL, 10);
    return errno != ERANGE;
}

static int is_real(const char *s)
{
    const char *p = s + (*s == '+' || *s == '-');
    int whole = digits(&p), frac = 0;
    if (*p == '.') {
        p++;
        frac = digits(&p);
    }
    if (!whole && !frac)
        return 0;
    if (*p == 'e' || *p == 'E') {
        p++;
        p += (*p == '+' || *p == '-');
        if (!digits(&p))
            return 0;
    }
    return !*p && isfinite(strtod(s, NULL));
}

/* The narrowest type that holds value i of the record and type t so far. */
static int widen(const Csv *c, int i, int t)
{
    const char *v = csv_val(c, i);
    if (c->len[i] == 0 || t == T_TEXT)
        return t;
    if (strlen(v) != c->len[i])
        return T_TEXT;          /* holds a NUL byte */
    if (t == T_INTEGER && is_integer(v))
        return T_INTEGER;
    return is_real(v) ? T_REAL : T_TEXT;
}

/* ---- the import ---- */

typedef struct Import {
    HlShell *sh;
    const HlSrc *src;
    long off_file, off_table;
    const char *table;
    Csv csv;
    int ncol;
    char **names;               /* header names, owned */
    int *types;
    int exists;                 /* the table was there before */
    long rows;
} Import;

static void import_free(Import *im)
{
    for (int i = 0; i < im->ncol; i++)
        free(im->names[i]);
    free(im->names);
    free(im->types);
    csv_close(&im->csv);
}

static int check_header(Import *im)
{
    Csv *c = &im->csv;
    int rc = csv_record(c);
    if (rc == 0)
        hl_error_at(im->src, im->off_file, "'%s' is empty: a header row is needed", c->path);
    if (rc != 1)
        return -1;
    im->ncol = c->nf;
    im->names = hl_xmalloc((size_t)c->nf * sizeof *im->names);
    im->types = hl_xmalloc((size_t)c->nf * sizeof *im->types);
    for (int i = 0; i < c->nf; i++) {
        const char *v = csv_val(c, i);
        char buf[32];
        if (!*v) {
            snprintf(buf, sizeof buf, "c%d", i + 1);
            v = buf;
        }
        im->names[i] = hl_xstrdup(v);
        im->types[i] = T_INTEGER;
        for (int j = 0; j < i; j++)
            if (strcasecmp(im->names[j], im->names[i]) == 0) {
                csv_error(c, c->fpos[i], "duplicate column name '%s' in the header", v);
                return -1;
            }
    }
    return 0;
}

/* Pass 1: every record well formed; the column types. */
static int check_records(Import *im)
{
    Csv *c = &im->csv;
    int rc;
    while ((rc = csv_record(c)) == 1) {
        if (c->nf != im->ncol) {
            CsvPos at = c->nf > im->ncol ? c->fpos[im->ncol] : c->end_pos;
            csv_error(c, at, "%s: the line has %d field%s, but the header has %d",
                      c->nf > im->ncol ? "too many fields" : "too few fields",
                      c->nf, c->nf == 1 ? "" : "s", im->ncol);
            return -1;
        }
        for (int i = 0; i < c->nf; i++)
            im->types[i] = widen(c, i, im->types[i]);
    }
    if (rc < 0 && ferror(c->f))
        hl_error_at(im->src, im->off_file, "cannot read '%s': %s", c->path, strerror(errno));
    return rc;
}

static int table_exists(sqlite3 *db, const char *table, int *exists)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db,
        "SELECT 1 FROM main.sqlite_master WHERE type = 'table' AND name = ?1 COLLATE NOCASE"
        " UNION ALL SELECT 1 FROM temp.sqlite_master WHERE type = 'table' AND name = ?1 COLLATE NOCASE",
        -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        *exists = rc == SQLITE_ROW;
        rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
    sqlite3_finalize(st);
    return rc;
}

static void add_quoted(HlDbuf *b, const char *name)
{
    hl_dbuf_addc(b, '"');
    for (const char *p = name; *p; p++) {
        if (*p == '"')
            hl_dbuf_addc(b, '"');
        hl_dbuf_addc(b, *p);
    }
    hl_dbuf_addc(b, '"');
}

/* The number of columns of an existing table, or -1 (shown). */
static int table_columns(Import *im, sqlite3 *db)
{
    HlDbuf sql = HL_DBUF_INIT(HL_MAX_FIELD);
    sqlite3_stmt *st = NULL;
    hl_dbuf_adds(&sql, "SELECT * FROM ");
    add_quoted(&sql, im->table);
    int n = -1;
    if (sqlite3_prepare_v2(db, hl_dbuf_str(&sql), -1, &st, NULL) == SQLITE_OK)
        n = sqlite3_column_count(st);
    else
        hl_error_at(im->src, im->off_table, "%s", helios_sqlite_errmsg(im->sh->h));
    sqlite3_finalize(st);
    hl_dbuf_free(&sql);
    return n;
}

static int exec_simple(Import *im, sqlite3 *db, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) == SQLITE_OK)
        return 0;
    hl_error_at(im->src, im->off_table, "%s", err ? err : helios_sqlite_errmsg(im->sh->h));
    sqlite3_free(err);
    return -1;
}

static int create_table(Import *im, sqlite3 *db)
{
    HlDbuf sql = HL_DBUF_INIT(HL_MAX_SCRIPT);
    hl_dbuf_adds(&sql, "CREATE TABLE ");
    add_quoted(&sql, im->table);
    hl_dbuf_adds(&sql, " (");
    for (int i = 0; i < im->ncol; i++) {
        if (i)
            hl_dbuf_adds(&sql, ", ");
        add_quoted(&sql, im->names[i]);
        hl_dbuf_printf(&sql, " %s", type_names[im->types[i]]);
    }
    hl_dbuf_adds(&sql, ")");
    int rc = exec_simple(im, db, hl_dbuf_str(&sql));
    hl_dbuf_free(&sql);
    return rc;
}

static void bind_value(Import *im, sqlite3_stmt *st, int i)
{
    const Csv *c = &im->csv;
    const char *v = csv_val(c, i);
    if (c->len[i] == 0)
        sqlite3_bind_null(st, i + 1);
    else if (!im->exists && im->types[i] == T_INTEGER)
        sqlite3_bind_int64(st, i + 1, strtoll(v, NULL, 10));
    else if (!im->exists && im->types[i] == T_REAL)
        sqlite3_bind_double(st, i + 1, strtod(v, NULL));
    else
        sqlite3_bind_text(st, i + 1, v, (int)c->len[i], SQLITE_TRANSIENT);
}

/* Pass 2, inside the savepoint: every row. */
static int insert_rows(Import *im, sqlite3 *db)
{
    HlDbuf sql = HL_DBUF_INIT(HL_MAX_SCRIPT);
    sqlite3_stmt *st = NULL;
    hl_dbuf_adds(&sql, "INSERT INTO ");
    add_quoted(&sql, im->table);
    hl_dbuf_adds(&sql, " VALUES (");
    for (int i = 0; i < im->ncol; i++)
        hl_dbuf_adds(&sql, i ? ", ?" : "?");
    hl_dbuf_adds(&sql, ")");
    int rc = sqlite3_prepare_v2(db, hl_dbuf_str(&sql), -1, &st, NULL);
    hl_dbuf_free(&sql);
    if (rc != SQLITE_OK) {
        hl_error_at(im->src, im->off_table, "%s", helios_sqlite_errmsg(im->sh->h));
        return -1;
    }
    Csv *c = &im->csv;
    int r;
    if (csv_rewind(c) != 0 || csv_record(c) != 1) {   /* the header again */
        hl_error_at(im->src, im->off_file, "cannot read '%s' again", c->path);
        sqlite3_finalize(st);
        return -1;
    }
    while ((r = csv_record(c)) == 1) {
        for (int i = 0; i < im->ncol && i < c->nf; i++)
            bind_value(im, st, i);
        if (sqlite3_step(st) != SQLITE_DONE) {
            csv_error(c, c->rec_pos, "row not imported: %s", helios_sqlite_errmsg(im->sh->h));
            sqlite3_finalize(st);
            return -1;
        }
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        im->rows++;
    }
    sqlite3_finalize(st);
    return r == 0 ? 0 : -1;
}

static int import_run(Import *im)
{
    sqlite3 *db = helios_sqlite(im->sh->h);
    struct stat sb;
    if (csv_open(&im->csv, im->csv.path) != 0) {
        hl_error_at(im->src, im->off_file, "cannot open '%s': %s", im->csv.path, strerror(errno));
        return -1;
    }
    if (fstat(fileno(im->csv.f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
        hl_error_at(im->src, im->off_file, "'%s' is not a regular file", im->csv.path);
        return -1;
    }
    if (csv_rewind(&im->csv) != 0 || check_header(im) != 0 || check_records(im) != 0)
        return -1;
    if (table_exists(db, im->table, &im->exists) != SQLITE_OK) {
        hl_error_at(im->src, im->off_table, "%s", helios_sqlite_errmsg(im->sh->h));
        return -1;
    }
    if (im->exists) {
        int n = table_columns(im, db);
        if (n < 0)
            return -1;
        if (n != im->ncol) {
            hl_error_at(im->src, im->off_table,
                        "table '%s' has %d column%s, but '%s' has %d",
                        im->table, n, n == 1 ? "" : "s", im->csv.path, im->ncol);
            return -1;
        }
    }
    if (exec_simple(im, db, "SAVEPOINT hl_import") != 0)
        return -1;
    int rc = im->exists ? 0 : create_table(im, db);
    if (rc == 0)
        rc = insert_rows(im, db);
    if (rc == 0)
        return exec_simple(im, db, "RELEASE hl_import");
    sqlite3_exec(db, "ROLLBACK TO hl_import; RELEASE hl_import", NULL, NULL, NULL);
    return -1;
}

int hl_import_csv(HlShell *sh, const HlSrc *src, long off_file, long off_table,
                  const char *path, const char *table)
{
    Import im;
    memset(&im, 0, sizeof im);
    im.sh = sh;
    im.src = src;
    im.off_file = off_file;
    im.off_table = off_table;
    im.table = table;
    im.csv.path = path;
    if (!*table) {
        hl_error_at(src, off_table, "empty table name");
        return -1;
    }
    int rc = import_run(&im);
    if (rc == 0)
        printf("IMPORT %ld\n", im.rows);
    import_free(&im);
    return rc;
}
