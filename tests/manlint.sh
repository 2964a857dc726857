#!/bin/sh
# manlint.sh - the manual is mandoc -Tlint clean, and helios-sql.7 documents
# every option of every object kind (names taken from the option tables
# through `helios-shell`).
set -u
top=${top_srcdir:-.}
[ -n "${MANDOC:-}" ] || { echo "mandoc not found: skipped"; exit 77; }
rc=0
for m in "$top"/man/*.[0-9]; do
    out=$("$MANDOC" -Tlint -W warning "$m" 2>&1) || true
    if [ -n "$out" ]; then echo "$out"; rc=1; fi
done
names=$("$HELIOS_SHELL" --list-options 2>/dev/null) || { echo "helios-shell --list-options failed"; exit 1; }
for opt in $names; do
    grep -q "^\.It Cm $opt\b" "$top/man/helios-sql.7" \
        || { echo "helios-sql.7 does not document option $opt"; rc=1; }
done
exit $rc
