/*
 * test_parse_errors.c - the grammar's errors, as data: each bad input with
 * its error code, the offset of the token blamed and the exact message,
 * checked by hand; and tokens of plain SQL that the dialect never takes.
 */
#include "parse_helpers.h"

/* ---- bad inputs ---------------------------------------------------------- */

static const struct {
    const char *sql;
    int code, offset;
    const char *msg;
} bad[] = {
    { "CREATE FEDERATED MODEL m WTIH (a = 1)",
      HELIOS_SYNTAX, 25,
      "syntax error at 'WTIH': expected WITH, IN or end of statement" },
    { "CREATE FEDERATED WORKSPACE w WITH (a = 1",
      HELIOS_INCOMPLETE, 40,
      "incomplete input: expected ',' or ')' to close '('" },
    { "CREATE FEDERATED WORKSPACE w WITH (a = 1 b = 2)",
      HELIOS_SYNTAX, 41,
      "syntax error at 'b': expected ',' or ')' to close '('" },
    { "CREATE FEDERATED WORKSPACE w WITH (a = [1, [2]])",
      HELIOS_SYNTAX, 43,
      "syntax error at '[': lists cannot be nested" },
    { "CREATE FEDERATED WORKSPACE w WITH ()",
      HELIOS_SYNTAX, 35,
      "syntax error at ')': expected a name" },
    { "CREATE FEDERATED WORKSPACE w WITH (a = 1,)",
      HELIOS_SYNTAX, 41,
      "syntax error at ')': expected a name" },
    { "CREATE FEDERATED WORKSPACE w WITH a = 1",
      HELIOS_SYNTAX, 34,
      "syntax error at 'a': expected '('" },
    { "CREATE FEDERATED WORKSPACE",
      HELIOS_INCOMPLETE, 26,
      "incomplete input: expected IF or a name" },
    { "CREATE FEDERATED",
      HELIOS_INCOMPLETE, 16,
      "incomplete input: expected WORKSPACE, MODEL, AGGREGATION or ALERT" },
    { "CREATE FEDERATED FOO",
      HELIOS_SYNTAX, 17,
      "syntax error at 'FOO': expected WORKSPACE, MODEL, AGGREGATION or ALERT" },
    { "CREATE EXTENSION",
      HELIOS_INCOMPLETE, 16,
      "incomplete input: expected IF or a name" },
    { "CREATE EXTENSION IF EXISTS x",
      HELIOS_SYNTAX, 20,
      "syntax error at 'EXISTS': expected NOT" },
    { "DROP FEDERATED WORKSPACE IF NOT EXISTS w",
      HELIOS_SYNTAX, 28,
      "syntax error at 'NOT': expected EXISTS" },
    { "DROP FEDERATED WORKSPACE w CASCADE RESTRICT",
      HELIOS_SYNTAX, 35,
      "syntax error at 'RESTRICT': expected end of statement" },
    { "ALTER FEDERATED WORKSPACE w WITH (a = 1)",
      HELIOS_SYNTAX, 28,
      "syntax error at 'WITH': expected SET" },
    { "ALTER FEDERATED WORKSPACE w",
      HELIOS_INCOMPLETE, 27,
      "incomplete input: expected SET" },
    { "ALTER FEDERATED MODEL m SET (a = 1) extra",
      HELIOS_SYNTAX, 36,
      "syntax error at 'extra': expected end of statement" },
    { "REGISTER FEDERATED NODE",
      HELIOS_INCOMPLETE, 23,
      "incomplete input: expected a name" },
    { "REGISTER FEDERATED NODE 'n' IN w",
      HELIOS_SYNTAX, 31,
      "syntax error at 'w': expected WORKSPACE" },
    { "REGISTER FEDERATED NODES ten FROM TABLE t PARTITION BY IID",
      HELIOS_SYNTAX, 25,
      "syntax error at 'ten': expected an integer" },
    { "REGISTER FEDERATED NODES 10 FROM t",
      HELIOS_SYNTAX, 33,
      "syntax error at 't': expected TABLE" },
    { "REGISTER FEDERATED NODES 10 FROM TABLE t",
      HELIOS_INCOMPLETE, 40,
      "incomplete input: expected PARTITION" },
    { "REGISTER FEDERATED NODES 10 FROM TABLE t PARTITION BY RANDOM",
      HELIOS_SYNTAX, 54,
      "syntax error at 'RANDOM': expected IID, DIRICHLET or COLUMN" },
    { "REGISTER FEDERATED NODES 10 FROM TABLE t PARTITION BY DIRICHLET(label)",
      HELIOS_SYNTAX, 69,
      "syntax error at ')': expected ','" },
    { "REGISTER FEDERATED NODES 10 FROM TABLE t PARTITION BY DIRICHLET(label, 'x')",
      HELIOS_SYNTAX, 71,
      "syntax error at string 'x': expected a number" },
    { "REGISTER FEDERATED NODES 1.5 FROM TABLE t PARTITION BY IID",
      HELIOS_SYNTAX, 25,
      "syntax error at '1.5': expected an integer" },
    { "REGISTER FEDERATED NODES 10 FROM TABLE t PARTITION BY IID SEED x",
      HELIOS_SYNTAX, 63,
      "syntax error at 'x': expected a number" },
    { "REGISTER FEDERATED NODES 10 FROM TABLE t PARTITION BY COLUMN",
      HELIOS_INCOMPLETE, 60,
      "incomplete input: expected a name" },
    { "START FEDERATED TRAINING",
      HELIOS_INCOMPLETE, 24,
      "incomplete input: expected a name" },
    { "START FEDERATED TRAINING m WITH",
      HELIOS_INCOMPLETE, 31,
      "incomplete input: expected '('" },
    { "STOP FEDERATED TRAINING m WITH (a = 1)",
      HELIOS_SYNTAX, 26,
      "syntax error at 'WITH': expected end of statement" },
    { "CHECKPOINT FEDERATED TRAINING m",
      HELIOS_INCOMPLETE, 31,
      "incomplete input: expected TO" },
    { "CHECKPOINT FEDERATED TRAINING m TO file",
      HELIOS_SYNTAX, 35,
      "syntax error at 'file': expected a string" },
    { "RESUME FEDERATED TRAINING m FROM",
      HELIOS_INCOMPLETE, 32,
      "incomplete input: expected a string" },
    { "TAG FEDERATED MODEL m 'v1'",
      HELIOS_SYNTAX, 22,
      "syntax error at string 'v1': expected AS" },
    { "ROLLBACK FEDERATED MODEL m TO 'v1'",
      HELIOS_SYNTAX, 30,
      "syntax error at string 'v1': expected VERSION" },
    { "ROLLBACK FEDERATED MODEL m TO VERSION",
      HELIOS_INCOMPLETE, 37,
      "incomplete input: expected a string or an integer" },
    { "ROLLBACK FEDERATED MODEL m TO VERSION 1.5",
      HELIOS_SYNTAX, 38,
      "syntax error at '1.5': expected a string or an integer" },
    { "CREATE FEDERATED AGGREGATION FUNCTION f RETURNS FLOAT AS $$ x $$ LANGUAGE plrust",
      HELIOS_SYNTAX, 40,
      "syntax error at 'RETURNS': expected '('" },
    { "CREATE FEDERATED AGGREGATION FUNCTION f() RETURNS FLOAT AS $$ x $$",
      HELIOS_INCOMPLETE, 66,
      "incomplete input: expected LANGUAGE" },
    { "CREATE FEDERATED AGGREGATION FUNCTION f() RETURNS FLOAT AS x LANGUAGE c",
      HELIOS_SYNTAX, 59,
      "syntax error at 'x': expected a string or a $$ body $$" },
    { "CREATE FEDERATED AGGREGATION FUNCTION f(x) RETURNS FLOAT AS $$ x $$ LANGUAGE c",
      HELIOS_SYNTAX, 40,
      "syntax error at 'x': expected ')' to close '('" },
    { "CREATE FEDERATED ALERT a ON WORKSPACE w WHEN m ~ 1 NOTIFY 'x'",
      HELIOS_SYNTAX, 47,
      "syntax error at '~': expected '<', '<=', '>', '>=', '=' or '!='" },
    { "CREATE FEDERATED ALERT a WHEN m < 1 NOTIFY 'x'",
      HELIOS_SYNTAX, 25,
      "syntax error at 'WHEN': expected ON" },
    { "CREATE FEDERATED ALERT a ON WORKSPACE w WHEN m < 'low' NOTIFY 'x'",
      HELIOS_SYNTAX, 49,
      "syntax error at string 'low': expected a number" },
    { "CREATE FEDERATED ALERT a ON WORKSPACE w WHEN m < 1",
      HELIOS_INCOMPLETE, 50,
      "incomplete input: expected NOTIFY" },
    { "DELETE FROM FEDERATED TRAINING m",
      HELIOS_INCOMPLETE, 32,
      "incomplete input: expected WHERE" },
    { "DELETE FROM FEDERATED TRAINING m WHERE id > 5",
      HELIOS_SYNTAX, 42,
      "syntax error at '>': expected '='" },
    { "DELETE FROM FEDERATED TRAINING m WHERE id = [1]",
      HELIOS_SYNTAX, 44,
      "syntax error at '[': expected a single value, not a list" },
    { "EXPORT FEDERATED DATA FOR SUBJECT 'u' TO '/x'",
      HELIOS_SYNTAX, 38,
      "syntax error at 'TO': expected FROM" },
    { "EXPORT FEDERATED DATA FOR SUBJECT 'u' FROM WORKSPACE w",
      HELIOS_INCOMPLETE, 54,
      "incomplete input: expected TO" },
    { "REVOKE FEDERATED CONSENT FOR 'u' FROM WORKSPACE w",
      HELIOS_SYNTAX, 29,
      "syntax error at string 'u': expected SUBJECT" },
    { "GRANT FEDERATED CONSENT FOR SUBJECT 'u' FROM WORKSPACE w",
      HELIOS_SYNTAX, 40,
      "syntax error at 'FROM': expected TO" },
    { "SHOW FEDERATED TABLES",
      HELIOS_SYNTAX, 15,
      "syntax error at 'TABLES': expected WORKSPACES, NODES or MODELS" },
    { "SHOW FEDERATED WORKSPACES IN WORKSPACE w",
      HELIOS_SYNTAX, 26,
      "syntax error at 'IN': expected end of statement" },
    { "USE FEDERATED WORKSPACE",
      HELIOS_INCOMPLETE, 23,
      "incomplete input: expected a name" },
    { "DESCRIBE FEDERATED MODEL m, n",
      HELIOS_SYNTAX, 26,
      "syntax error at ',': expected end of statement" },
    { "CREATE FEDERATED WORKSPACE w WITH (a = -x)",
      HELIOS_SYNTAX, 40,
      "syntax error at 'x': expected a number" },
    { "CREATE FEDERATED WORKSPACE w WITH (a = 1 = 2)",
      HELIOS_SYNTAX, 41,
      "syntax error at '=': expected ',' or ')' to close '('" },
    { "CREATE FEDERATED WORKSPACE w WITH ('a' = 1)",
      HELIOS_SYNTAX, 35,
      "syntax error at string 'a': expected a name" },
    { "CREATE FEDERATED WORKSPACE w WITH (a = 0x12345678901234567)",
      HELIOS_SYNTAX, 39,
      "hex literal too big: 0x12345678901234567" },
    { "CREATE FEDERATED WORKSPACE w WITH (a = [1, 2)",
      HELIOS_SYNTAX, 44,
      "syntax error at ')': expected ',' or ']' to close '['" },
    { "CREATE FEDERATED WORKSPACE w WITH (a.b = 1)",
      HELIOS_SYNTAX, 36,
      "syntax error at '.': expected '='" },
    { "DROP FEDERATED NODE n",
      HELIOS_SYNTAX, 15,
      "syntax error at 'NODE': expected WORKSPACE, MODEL, AGGREGATION or ALERT" },
    { "CREATE FEDERATED MODEL m IN WORKSPACE w IN WORKSPACE v",
      HELIOS_SYNTAX, 40,
      "syntax error at 'IN': expected WITH or end of statement" },
    { "DEREGISTER FEDERATED NODE 'n' WITH (a = 1)",
      HELIOS_SYNTAX, 30,
      "syntax error at 'WITH': expected IN or end of statement" },
    { "CREATE FEDERATED WORKSPACE IF NOT w",
      HELIOS_SYNTAX, 34,
      "syntax error at 'w': expected EXISTS" },
    { "CREATE FEDERATED WORKSPACE w WITH (a = 1) WITH (b = 2)",
      HELIOS_SYNTAX, 42,
      "syntax error at 'WITH': expected end of statement" },
    { "CREATE FEDERATED WORKSPACE w WITH (a = --",
      HELIOS_INCOMPLETE, 38,
      "incomplete input: expected a value" },
    { "CREATE FEDERATED MODEL m WITH (features = ['a', 'b'",
      HELIOS_INCOMPLETE, 51,
      "incomplete input: expected ',' or ']' to close '['" },
    { "CREATE FEDERATED WORKSPACE w WITH (a = 'x' 'y')",
      HELIOS_SYNTAX, 43,
      "syntax error at string 'y': expected ',' or ')' to close '('" },
    { "CREATE FEDERATED WORKSPACE w WITH (a = - - 1)",
      HELIOS_SYNTAX, 41,
      "syntax error at '-': expected a number" },
    { "CREATE FEDERATED WORKSPACE w WITH (a = $$x$$)",
      HELIOS_SYNTAX, 39,
      "syntax error at '$$x$$': expected a value" },
    { "CREATE FEDERATED WORKSPACE w WITH (a = true false)",
      HELIOS_SYNTAX, 44,
      "syntax error at 'false': expected ',' or ')' to close '('" },
    { "CREATE FEDERATED WORKSPACE w WITH (a == 1)",
      HELIOS_SYNTAX, 37,
      "syntax error at '==': expected '='" },
    { "START FEDERATED TRAINING m WITH (rounds = 10\n )x",
      HELIOS_SYNTAX, 47,
      "syntax error at 'x': expected end of statement" },
    { "",
      HELIOS_INCOMPLETE, 0,
      "incomplete input: expected CREATE, ALTER, DROP, USE, REGISTER, DEREGISTER, ..." },
    { "SELECT 1",
      HELIOS_SYNTAX, 0,
      "syntax error at 'SELECT': expected CREATE, ALTER, DROP, USE, REGISTER, DEREGISTER, ..." },
    { "CREATE FEDERATED WORKSPACE w WITH (a = 1) 'a very long string value that goes on and on'",
      HELIOS_SYNTAX, 42,
      "syntax error at string 'a very long string value tha...': expected end of statement" },
    { "CREATE FEDERATED WORKSPACE w WITH (a = 1) $$\nbody$$",
      HELIOS_SYNTAX, 42,
      "syntax error at '$$...': expected end of statement" },
    { "CREATE EXTENSION heliosdb_federated_learning CASCADE",
      HELIOS_SYNTAX, 45,
      "syntax error at 'CASCADE': expected end of statement" },
};

static void test_bad_inputs(void)
{
    int n = (int)(sizeof bad / sizeof bad[0]);
    CHECK(n >= 40);
    for (int i = 0; i < n; i++) {
        hl_err err;
        HlStmt *st = parse(bad[i].sql, &err);
        unit_checks++;
        if (st || err.code != bad[i].code || err.offset != bad[i].offset
            || strcmp(err.msg, bad[i].msg) != 0) {
            unit_failed++;
            fprintf(stderr, "%s: bad input %d: %s\n   got:  %d @%d %s\n   want: %d @%d %s\n",
                    __FILE__, i, bad[i].sql, st ? 0 : err.code, err.offset,
                    st ? "(parsed)" : err.msg, bad[i].code, bad[i].offset, bad[i].msg);
        }
        hl_stmt_free(st);
    }
}

/* Tokens the grammar never sees (a caller's slip) are syntax errors. */
static void test_foreign_tokens(void)
{
    const char *src = "STOP FEDERATED TRAINING m; x";
    Toks tk;
    hl_err err;
    hl_err_clear(&err);
    CHECK_INT(scan(src, (int)strlen(src), &tk), 0);
    HlStmt *st = hl_parse(src, (int)strlen(src), tk.v, tk.n, &err);
    CHECK(st == NULL);
    CHECK_INT(err.code, HELIOS_SYNTAX);
    CHECK_INT(err.offset, 25);
    CHECK_STR(err.msg, "syntax error at ';': expected end of statement");
    free(tk.v);

    HlToken odd[2] = { { TK_STOP, 0, 4 }, { 9999, 5, 1 } };
    hl_err_clear(&err);
    st = hl_parse("STOP x", 6, odd, 2, &err);
    CHECK(st == NULL);
    CHECK_INT(err.code, HELIOS_SYNTAX);
    CHECK_INT(err.offset, 5);
    CHECK_STR(err.msg, "syntax error at 'x': expected FEDERATED");
}

int main(void)
{
    RUN(test_bad_inputs);
    RUN(test_foreign_tokens);
    return unit_report();
}
