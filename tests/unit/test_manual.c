/*
 * test_manual.c - helios-sql.7 documents every option of every object kind
 * (src/option_tables.c, through hl_opt_table) and every federated view and
 * function (storage/views.c, through hl_views).
 *
 * An option is documented when the page has a line that starts with
 * ".It Cm <name>" followed by a blank or the end of the line; a view when
 * its name appears anywhere in the page.  The page is read from
 * "$top_srcdir/man/helios-sql.7" (top_srcdir defaults to ".").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"
#include "unit.h"
#include "views.h"

static char *page;

/* The whole file at path, NUL-terminated (caller frees), or NULL. */
static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, len = 0, n;
    char *buf = malloc(cap);
    while (buf && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (cap - len < 2) {
            char *b = realloc(buf, cap * 2);
            if (!b) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = b;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf)
        buf[len] = '\0';
    return buf;
}

/* Is there a line ".It Cm <name>" followed by a blank or the line's end? */
static int has_item(const char *name)
{
    static const char prefix[] = ".It Cm ";
    size_t pl = sizeof prefix - 1, nl = strlen(name);
    for (const char *line = page; line && *line; ) {
        if (strncmp(line, prefix, pl) == 0 && strncmp(line + pl, name, nl) == 0) {
            char c = line[pl + nl];
            if (c == '\0' || c == '\n' || c == ' ' || c == '\t')
                return 1;
        }
        line = strchr(line, '\n');
        if (line)
            line++;
    }
    return 0;
}

/* Protects: every option of every kind has its own item in OPTIONS. */
static void test_options_documented(void)
{
    for (int k = 0; k < HL_OBJ__COUNT; k++) {
        int n = 0;
        const HlOptDef *d = hl_opt_table((HlObjKind)k, &n);
        CHECK(n > 0);
        for (int i = 0; i < n; i++) {
            int ok = has_item(d[i].name);
            CHECK(ok);
            if (!ok)
                fprintf(stderr, "  helios-sql.7: no '.It Cm %s' for the %s option %s\n",
                        d[i].name, hl_opt_kind_name((HlObjKind)k), d[i].name);
        }
    }
}

/* Protects: every federated view and table-valued function is described. */
static void test_views_documented(void)
{
    int n = 0;
    const HlView *v = hl_views(&n);
    CHECK(n > 0);
    for (int i = 0; i < n; i++) {
        int ok = strstr(page, v[i].name) != NULL;
        CHECK(ok);
        if (!ok)
            fprintf(stderr, "  helios-sql.7: view %s is not mentioned\n", v[i].name);
    }
}

/* Protects the test itself: a near miss is not taken for a match. */
static void test_item_match_is_exact(void)
{
    CHECK(!has_item("min_node"));           /* only min_nodes is there */
    CHECK(!has_item("compression_lev"));
    CHECK(has_item("compression_level"));
}

int main(void)
{
    const char *top = getenv("top_srcdir");
    char path[4096];
    snprintf(path, sizeof path, "%s/man/helios-sql.7", top && *top ? top : ".");
    page = read_file(path);
    if (!page) {
        fprintf(stderr, "cannot read %s\n", path);
        return 1;
    }
    RUN(test_options_documented);
    RUN(test_views_documented);
    RUN(test_item_match_is_exact);
    free(page);
    return unit_report();
}
