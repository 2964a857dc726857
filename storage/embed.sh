#!/bin/sh
# embed.sh - turn an SQL file into a C source file holding it as a string.
#
#     sh storage/embed.sh storage/schema.sql storage/schema_sql.c [symbol]
#
# The output defines `const char <symbol>[]` (default hl_schema_sql, as
# declared in storage/schema.h) with the file's text (line ends made LF), one
# source line per input line.  POSIX sh and awk only.  The output is
# written to a temporary file first, so a failed run never leaves a
# half-written source behind for make to trust.
set -e
if [ $# -lt 2 ] || [ $# -gt 3 ]; then
    echo "usage: $0 INPUT.sql OUTPUT.c [SYMBOL]" >&2
    exit 2
fi
in=$1
out=$2
sym=${3:-hl_schema_sql}
[ -r "$in" ] || { echo "$0: cannot read $in" >&2; exit 1; }
tmp="$out.tmp.$$"
trap 'rm -f "$tmp"' EXIT INT TERM
awk -v sym="$sym" -v src="$in" '
BEGIN {
    print "/* Generated from " src " by storage/embed.sh; do not edit. */"
    print "/* Declared in storage/schema.h; repeated so that no include path is needed. */"
    print "extern const char " sym "[];"
    print "const char " sym "[] ="
    n = 0
}
{
    line = $0
    sub(/\r$/, "", line)
    # Escape character by character: plain string concatenation means the
    # same in every awk, unlike backslashes in gsub() replacements.
    out = ""
    len = length(line)
    for (i = 1; i <= len; i++) {
        c = substr(line, i, 1)
        if (c == "\\")
            out = out "\\\\"
        else if (c == "\"")
            out = out "\\\""
        else if (c == "\t")
            out = out "\\t"
        else if (c == "?" && substr(line, i + 1, 1) == "?")
            out = out "?\"\""     # "??" could start a trigraph: split it
        else
            out = out c
    }
    print "    \"" out "\\n\""
    n++
}
END {
    if (n == 0)
        print "    \"\""
    print ";"
}' "$in" > "$tmp"
mv "$tmp" "$out"
trap - EXIT INT TERM
