/*
 * test_front.c - statement splitting, dialect routing and the plain-SQL
 * rewrites, against hand-written expectations.
 */
#include <stdlib.h>
#include <string.h>

#include "front.h"
#include "helios.h"
#include "unit.h"

/* Splits the first statement of s; returns its federated flag, or -code. */
static int split1(const char *s, HlSplit *sp)
{
    hl_err e;
    hl_err_clear(&e);
    int rc = hl_front_split(s, (int)strlen(s), sp, &e);
    return rc == HELIOS_OK ? sp->federated : -rc;
}

static void test_split(void)
{
    HlSplit sp;
    const char *s = "  -- lead\n SELECT 'a;b', \"c;d\" /* ; */ FROM t; SELECT 2;";
    CHECK_INT(split1(s, &sp), 0);
    CHECK_INT(sp.start, 11);
    CHECK(sp.has_semi);
    CHECK_INT(s[sp.next - 1], ';');
    CHECK_INT(sp.end, (int)(strstr(s, "; SELECT 2") - s));
    hl_split_clear(&sp);

    /* $$ bodies keep their semicolons */
    s = "CREATE FEDERATED AGGREGATION FUNCTION f() RETURNS FLOAT AS $$ SELECT 1; SELECT 2; $$ LANGUAGE sql; x";
    CHECK_INT(split1(s, &sp), 1);
    CHECK_INT(sp.next, (int)(strstr(s, "; x") - s) + 1);
    hl_split_clear(&sp);

    /* triggers keep theirs up to END; */
    s = "CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO u VALUES(1); DELETE FROM v; END; SELECT 1;";
    CHECK_INT(split1(s, &sp), 0);
    CHECK_INT(sp.next, (int)(strstr(s, " SELECT 1;") - s));
    hl_split_clear(&sp);

    /* empty statements are skipped; blanks only gives no tokens */
    CHECK_INT(split1(" ; ; -- c\n", &sp), 0);
    CHECK_INT(sp.ntok, 0);
    hl_split_clear(&sp);

    /* unterminated string at the end: incomplete */
    CHECK_INT(split1("SELECT 'abc", &sp), -HELIOS_INCOMPLETE);
}

static void test_routing(void)
{
    static const struct { const char *sql; int fed; } cases[] = {
        {"CREATE FEDERATED WORKSPACE w;", 1},
        {"create federated model m;", 1},
        {"CREATE EXTENSION IF NOT EXISTS x;", 1},
        {"CREATE TABLE t(a);", 0},
        {"ALTER TABLE t ADD b;", 0},
        {"ALTER FEDERATED MODEL m SET (a = 1);", 1},
        {"ALTER FEDERTED MODEL m SET (a = 1);", 1},     /* near miss: our error */
        {"DROP TABLE t;", 0},
        {"DROP FEDERATED MODEL m;", 1},
        {"ROLLBACK;", 0},
        {"ROLLBACK FEDERATED MODEL m TO VERSION 'v';", 1},
        {"DELETE FROM t WHERE a = 1;", 0},
        {"DELETE FROM FEDERATED TRAINING m WHERE data_subject_id = 'u';", 1},
        {"SHOW FEDERATED NODES;", 1},
        {"REGISTER FEDERATED NODE 'a';", 1},
        {"SELECT * FROM federated_node_status;", 0},
        {"TAG FEDERATED MODEL m AS 'v';", 1},
        {"BEGIN;", 0},
        {"PRAGMA user_version;", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        HlSplit sp;
        int got = split1(cases[i].sql, &sp);
        if (got != cases[i].fed)
            fprintf(stderr, "routing of: %s\n", cases[i].sql);
        CHECK_INT(got, cases[i].fed);
        hl_split_clear(&sp);
    }
}

/* Rewrites the first statement of s; returns the SQL (caller frees) or NULL
 * with *e set. */
static char *rewrite(const char *s, hl_err *e, HlOffMap *map)
{
    HlSplit sp;
    hl_err_clear(e);
    if (hl_front_split(s, (int)strlen(s), &sp, e) != HELIOS_OK)
        return NULL;
    char *out = hl_front_rewrite(s, &sp, map, e);
    hl_split_clear(&sp);
    return out;
}

static void check_rewrite(const char *in, const char *want)
{
    hl_err e;
    HlOffMap map;
    char *got = rewrite(in, &e, &map);
    char full[1024];
    snprintf(full, sizeof full, "%s;", want);      /* every input ends with ';' */
    CHECK_STR(got, full);
    if (!got)
        fprintf(stderr, "  error: %s\n", e.msg);
    free(got);
    hl_offmap_clear(&map);
}

static void check_rewrite_error(const char *in, int offset, const char *msg_start)
{
    hl_err e;
    HlOffMap map;
    char *got = rewrite(in, &e, &map);
    CHECK(got == NULL);
    free(got);
    hl_offmap_clear(&map);
    CHECK_INT(e.offset, offset);
    CHECK(strncmp(e.msg, msg_start, strlen(msg_start)) == 0);
    if (strncmp(e.msg, msg_start, strlen(msg_start)) != 0)
        fprintf(stderr, "  message: %s\n", e.msg);
}

static void test_rewrites(void)
{
    check_rewrite("SELECT 1;", "SELECT 1");
    check_rewrite("SELECT federated_predict('m', age => 55, bmi => 28.5) AS p;",
                  "SELECT federated_predict('m', 'age', 55, 'bmi', 28.5) AS p");
    check_rewrite("SELECT wait_for_convergence('c', timeout_seconds => 3600);",
                  "SELECT wait_for_convergence('c', 'timeout_seconds', 3600)");
    check_rewrite("SELECT federated_evaluate('f') AS (acc FLOAT, per_node JSONB);",
                  "SELECT DISTINCT CAST(acc AS REAL) AS acc, per_node AS per_node FROM federated_evaluate('f')");
    check_rewrite("SELECT * FROM federated_compliance_check('w', 'HIPAA') AS (requirement TEXT, status TEXT);",
                  "SELECT * FROM (SELECT CAST(requirement AS TEXT) AS requirement, CAST(status AS TEXT) AS status"
                  " FROM federated_compliance_check('w', 'HIPAA')) AS federated_compliance_check");
    check_rewrite("SELECT * FROM t WHERE ts > NOW() - INTERVAL '1 hour';",
                  "SELECT * FROM t WHERE ts > datetime(NOW(), '-1 hours')");
    check_rewrite("SELECT x + INTERVAL '2 days 30 minutes' FROM t;",
                  "SELECT datetime(x, '+2 days', '+30 minutes') FROM t");
    check_rewrite("SELECT now() - INTERVAL '1 week' - INTERVAL '1 hour';",
                  "SELECT datetime(now(), '-7 days', '-1 hours')");
    check_rewrite("SELECT t.ts - INTERVAL '10 seconds' FROM t;",
                  "SELECT datetime(t.ts, '-10 seconds') FROM t");
    /* a CTE's AS ( is not a column list */
    check_rewrite("WITH c(x) AS (SELECT 1) SELECT x FROM c;",
                  "WITH c(x) AS (SELECT 1) SELECT x FROM c");
    /* strings and comments are copied as they are */
    check_rewrite("SELECT 'a => b', x /* INTERVAL '1 hour' */ FROM t;",
                  "SELECT 'a => b', x /* INTERVAL '1 hour' */ FROM t");

    check_rewrite_error("SELECT 1 => 2;", 9, "'=>' must follow an argument name");
    check_rewrite_error("SELECT now() - INTERVAL '1 huor';", 24, "invalid interval '1 huor'");
    check_rewrite_error("SELECT INTERVAL '1 hour';", 7, "INTERVAL can only be added");
    check_rewrite_error("SELECT f(1) AS (a FOO);", 18, "unknown type 'FOO'");
    check_rewrite_error("SELECT f(1) AS (a TEXT) FROM t;", 24, "SELECT f(...) AS (columns) cannot have its own FROM");
}

static void test_offmap(void)
{
    hl_err e;
    HlOffMap map;
    const char *in = "SELECT federated_predict('m', age => 5) FROM nosuch;";
    char *out = rewrite(in, &e, &map);
    CHECK(out != NULL);
    if (out) {
        const char *o = strstr(out, "nosuch");
        CHECK_INT(hl_offmap_lookup(&map, (int)(o - out)), (int)(strstr(in, "nosuch") - in));
        o = strstr(out, "age");
        CHECK_INT(hl_offmap_lookup(&map, (int)(o - out)), (int)(strstr(in, "age") - in));
    }
    free(out);
    hl_offmap_clear(&map);
}

static void test_complete(void)
{
    CHECK_INT(hl_front_complete("SELECT 1", 8), 0);
    CHECK_INT(hl_front_complete("SELECT 1;", 9), 1);
    CHECK_INT(hl_front_complete("SELECT ';", 9), 0);
    CHECK_INT(hl_front_complete("SELECT 1; -- x", 14), 1);
    CHECK_INT(hl_front_complete("SELECT 1; SELECT", 16), 0);
    CHECK_INT(hl_front_complete("/* a;", 5), 0);
    CHECK_INT(hl_front_complete("", 0), 0);
    const char *t = "CREATE TRIGGER x AFTER INSERT ON t BEGIN SELECT 1;";
    CHECK_INT(hl_front_complete(t, (int)strlen(t)), 0);
}

int main(void)
{
    RUN(test_split);
    RUN(test_routing);
    RUN(test_rewrites);
    RUN(test_offmap);
    RUN(test_complete);
    return unit_report();
}
