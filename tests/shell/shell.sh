#!/bin/sh
# tests/shell/shell.sh - what a user of helios-shell sees, with plain SQL
# only: output modes, dot-commands, .import, error locations, exit status.
#
#     tests/shell/shell.sh [path/to/helios-shell]
#
# Each case runs the shell on ":memory:" with stdout and stderr together and
# compares with the expected text (or checks a substring).  Prints
# "N passed, N failed" and exits 1 when anything failed.

SHELL_BIN=${1:-${HELIOS_SHELL:-./helios-shell}}
T=$(mktemp -d "${TMPDIR:-/tmp}/hs-test.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT INT TERM
export HELIOS_DB=:memory: HELIOS_HISTFILE=
pass=0 fail=0

# expect NAME STATUS EXPECTED -- ARGS... (stdin from $T/in when it exists)
expect() {
    name=$1 status=$2 want=$3
    shift 4
    if [ -f "$T/in" ]; then
        got=$(cd "$T" && "$SHELL_BIN" "$@" < "$T/in" 2>&1); rc=$?
    else
        got=$(cd "$T" && "$SHELL_BIN" "$@" < /dev/null 2>&1); rc=$?
    fi
    rm -f "$T/in"
    if [ "$rc" = "$status" ] && [ "$got" = "$want" ]; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        printf 'FAIL %s (status %s, wanted %s)\n--- wanted\n%s\n--- got\n%s\n' \
            "$name" "$rc" "$status" "$want" "$got"
    fi
}

# contains NAME STATUS SUBSTRING -- ARGS...
contains() {
    name=$1 status=$2 want=$3
    shift 4
    got=$(cd "$T" && "$SHELL_BIN" "$@" < /dev/null 2>&1); rc=$?
    case $got in
    *"$want"*) [ "$rc" = "$status" ] && { pass=$((pass + 1)); return; } ;;
    esac
    fail=$((fail + 1))
    printf 'FAIL %s (status %s, wanted %s)\n--- wanted substring\n%s\n--- got\n%s\n' \
        "$name" "$rc" "$status" "$want" "$got"
}

# ---- output modes ----

Q="SELECT 1 AS n, 'a,\"b' AS s, NULL AS z, 2.5 AS r UNION ALL SELECT 22, 'x', 'y', NULL"
expect list-default 0 '1|a,"b||2.5
22|x|y|' -- -c "$Q"
expect list-header 0 'n|s|z|r
1|a,"b||2.5
22|x|y|' -- --header -c "$Q"
expect table 0 '+----+------+---+-----+
| n  |  s   | z |  r  |
+----+------+---+-----+
|  1 | a,"b |   | 2.5 |
| 22 | x    | y |     |
+----+------+---+-----+' -- --table -c "$Q"
expect table-no-header 0 '+----+------+---+-----+
|  1 | a,"b |   | 2.5 |
| 22 | x    | y |     |
+----+------+---+-----+' -- --table --no-header -c "$Q"
expect box 0 '┌────┬──────┬───┬─────┐
│ n  │  s   │ z │  r  │
├────┼──────┼───┼─────┤
│  1 │ a,"b │   │ 2.5 │
│ 22 │ x    │ y │     │
└────┴──────┴───┴─────┘' -- --box -c "$Q"
expect csv 0 'n,s,z,r
1,"a,""b",,2.5
22,x,y,' -- --csv --header -c "$Q"
expect json 0 '[{"n":1,"s":"a,\"b","z":null,"r":2.5},
{"n":22,"s":"x","z":"y","r":null}]' -- --json -c "$Q"
expect json-empty 0 '[]' -- --json -c "SELECT 1 AS a WHERE 0"
expect line 0 'n = 1
s = a,"b
z = 
r = 2.5

n = 22
s = x
z = y
r = ' -- --line -c "$Q"
expect mode-switch 0 '1
[{"a":1}]' -- -c "SELECT 1 AS a" -c ".mode json" -c "SELECT 1 AS a"
contains timer 0 'Time: ' -- -c ".timer on" -c "SELECT 1"

# ---- errors: file:line:col, source line, caret ----

printf 'SELECT 1;\n\tSELECT 2 +;\nSELECT 3;\n' > "$T/e.sql"
contains error-caret 1 'e.sql:2:' -- -f e.sql
expect error-continues 1 "$(printf '1\n')
$(cd "$T" && "$SHELL_BIN" -f e.sql 2>&1 >/dev/null)
3" -- -f e.sql
contains bail 1 '' -- --bail -f e.sql
expect bail-stops 1 "1
$(cd "$T" && "$SHELL_BIN" -f e.sql 2>&1 >/dev/null)" -- --bail -f e.sql
contains incomplete 1 '-c:1:12: error: incomplete input' -- -c "SELECT (1 +"
expect unknown-dot 1 '-c:1:1: error: unknown command '"'"'.tabels'"'"'; did you mean '"'"'.tables'"'"'?
.tabels
^' -- -c ".tabels"
expect dot-usage 1 '-c:1:1: error: missing arguments; usage: .import FILE TABLE
.import x
^' -- -c ".import x"
expect dot-too-many 1 '-c:1:13: error: too many arguments; usage: .workspaces
.workspaces x
            ^' -- -c ".workspaces x"
expect bad-mode 1 '-c:1:7: error: unknown output mode '"'"'jsn'"'"'; did you mean '"'"'json'"'"'?
.mode jsn
      ^' -- -c ".mode jsn"
expect bad-bool 1 '-c:1:10: error: expected on or off, found '"'"'maybe'"'"'
.headers maybe
         ^' -- -c ".headers maybe"
expect dot-mid-statement 0 '' -- -n -c "$(printf 'SELECT 1\n;')"

# ---- options and exit status ----

expect usage 2 "helios-shell: error: unknown option '--nope'
Try 'helios-shell --help' for more information." -- --nope
contains help 0 'Usage: helios-shell' -- --help
contains version 0 'helios-shell ' -- --version
expect syntax-check 0 '' -- -n -c "SELECT 1; SELECT 2"
printf 'SELECT 1;\n' > "$T/in"
expect pipe-no-banner 0 '1' --
printf 'SELECT 1; -- one\n.quit\nSELECT 2;\n' > "$T/in"
expect echo 0 'SELECT 1; -- one
1
.quit' -- -e

# ---- .tables, .schema, .import ----

# .tables hides the catalog's hl_* tables; plain SQL cannot make one.
expect tables 0 'a
v' -- -c "CREATE TABLE a(x); CREATE VIEW v AS SELECT 1" -c ".tables"
expect reserved 1 '-c:1:14: error: the name '"'"'hl_hidden'"'"' is reserved for the helios catalog (names that begin with hl_)
CREATE TABLE hl_hidden(x)
             ^' -- -c "CREATE TABLE hl_hidden(x)"
printf 'id,name,score,note\r\n1,"Smith, J",2.5,\r\n2,"say ""hi""",3,"two\nlines"\r\n3,x,-1e3,007\r\n' > "$T/ok.csv"
expect import-types 0 'IMPORT 3
CREATE TABLE "t" ("id" INTEGER, "name" TEXT, "score" REAL, "note" TEXT);
1|Smith, J|2.5|
2|say "hi"|3.0|two
lines
3|x|-1000.0|007
integer|real|null' -- -c ".import ok.csv t" -c ".schema t" -c "SELECT * FROM t" \
    -c "SELECT typeof(id), typeof(score), typeof(note) FROM t WHERE id = 1"
printf 'a,b\n1,2\n3,"oops\n4,5\n' > "$T/unterm.csv"
expect import-unterminated 1 'unterm.csv:3:3: error: unterminated quoted field
3,"oops
  ^' -- -c ".import unterm.csv t" -c ".tables"
printf 'a,b\n1,2\n3,4,5\n' > "$T/many.csv"
expect import-fields 1 'many.csv:3:5: error: too many fields: the line has 3 fields, but the header has 2
3,4,5
    ^
0' -- -c "CREATE TABLE t(a, b)" -c ".import many.csv t" -c "SELECT count(*) FROM t"
printf 'a,b\n1,2\n1,3\n' > "$T/dupkey.csv"
expect import-rollback 1 'dupkey.csv:3:1: error: row not imported: UNIQUE constraint failed: t.a
1,3
^
0' -- -c "CREATE TABLE t(a PRIMARY KEY, b)" -c ".import dupkey.csv t" -c "SELECT count(*) FROM t"
expect import-columns 1 "-c:1:16: error: table 't' has 1 column, but 'ok.csv' has 4
.import ok.csv t
               ^" -- -c "CREATE TABLE t(a)" -c ".import ok.csv t"
for d in "${HELIOS_DATA:-}" ../shared/data ../../shared/data /work/shared/data; do
    if [ -n "$d" ] && [ -f "$d/health_breast_cancer_wdbc.csv" ]; then
        cp "$d/health_breast_cancer_wdbc.csv" "$T/wdbc.csv"
        expect import-wdbc 0 'IMPORT 569
569|31|212|real|integer' -- -c ".import wdbc.csv w" \
            -c "SELECT count(*), (SELECT count(*) FROM pragma_table_info('w')), sum(target), typeof(mean_radius), typeof(target) FROM w"
        break
    fi
done

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
