#!/bin/sh
# manlint.sh - every page of the manual is mandoc -Tlint clean (warnings
# included).  tests/unit/test_manual checks that helios-sql.7 documents
# every option, view and function.
set -u
top=${top_srcdir:-.}
[ -n "${MANDOC:-}" ] || { echo "mandoc not found: skipped"; exit 77; }
rc=0
for m in "$top"/man/*.[0-9]; do
    out=$("$MANDOC" -Tlint -W warning "$m" 2>&1) || true
    if [ -n "$out" ]; then echo "$out"; rc=1; fi
done
exit $rc
