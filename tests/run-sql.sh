#!/bin/sh
# run-sql.sh tests/sql/NAME.sql - one golden test, as pg_regress does it.
#
# Runs NAME.sql through `helios-shell --echo` on a fresh catalog, in a
# scratch directory that holds a link to tests/data, with stdout and stderr
# together, and compares the output with tests/expected/NAME.out.  The last
# line of the output is the shell's exit status.  The clock is fixed
# (HELIOS_NOW) so that timestamps are the same on every run.  HELIOS_ACCEPT=1 writes the
# output to tests/expected/ instead (read it line by line before you commit
# it: the expected files are checked by hand).
set -u
sql=$1
name=$(basename "$sql" .sql)
srcdir=$(cd "$(dirname "$sql")/.." && pwd)
expected=$srcdir/expected/$name.out
shell=${HELIOS_SHELL:-$(pwd)/helios-shell}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/helios-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
cp "$sql" "$tmp/$name.sql"
ln -s "$srcdir/data" "$tmp/data"
(
    cd "$tmp" && HOME=$tmp HELIOS_DB= HELIOS_KEY_FILE= TZ=UTC LC_ALL=C HELIOS_NOW='2026-01-15 12:00:00'  \
        "$shell" --echo -f "$name.sql" catalog.db 2>&1
    echo "[exit $?]"
) > "$tmp/$name.out"
if [ "${HELIOS_ACCEPT:-0}" = 1 ]; then
    cp "$tmp/$name.out" "$expected"
    echo "accepted $expected"
    exit 0
fi
if [ ! -f "$expected" ]; then
    echo "no expected output $expected; the output was:"
    cat "$tmp/$name.out"
    exit 1
fi
diff -u "$expected" "$tmp/$name.out" && exit 0
exit 1
