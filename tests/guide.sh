#!/bin/sh
# guide.sh - the guide corpus (tests/guide/guide-examples.sql, a copy of the
# spec's): every statement passes `helios-shell --syntax-check`; run in order
# on a fresh catalog, it leaves the expected workspaces, nodes, models and
# alerts (tests/guide/after.sql reads them back), and every statement that
# fails gives the expected error (tests/guide/expected.out, checked by hand).
set -u
top=$(cd "${top_srcdir:-.}" && pwd)
shell=${HELIOS_SHELL:-$(pwd)/helios-shell}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/helios-guide.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
cp "$top/tests/guide/guide-examples.sql" "$top/tests/guide/after.sql" "$tmp/"
cd "$tmp" || exit 1
export HOME="$tmp" HELIOS_DB= HELIOS_KEY_FILE= TZ=UTC LC_ALL=C HELIOS_NOW='2026-01-15 12:00:00'

if ! "$shell" --syntax-check -f guide-examples.sql :memory:; then
    echo "guide.sh: --syntax-check failed on guide-examples.sql"
    exit 1
fi
{
    "$shell" -f guide-examples.sql catalog.db 2>&1
    echo "[exit $?]"
    "$shell" --echo --header -f after.sql catalog.db 2>&1
    echo "[exit $?]"
} > guide.out
if [ "${HELIOS_ACCEPT:-0}" = 1 ]; then
    cp guide.out "$top/tests/guide/expected.out"
    echo "accepted tests/guide/expected.out"
    exit 0
fi
diff -u "$top/tests/guide/expected.out" guide.out
