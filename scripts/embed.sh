#!/usr/bin/env bash
# embed.sh SYMBOL FILE: print a C source defining `const char SYMBOL[]` with FILE's bytes
# followed by a NUL, and `const unsigned long SYMBOL_len` (bytes without the NUL).
set -euo pipefail
sym=$1 file=$2
len=$(wc -c < "$file")
echo "/* Generated from $file by scripts/embed.sh. Do not edit. */"
echo "extern const char ${sym}[];"
echo "extern const unsigned long ${sym}_len;"
echo "const unsigned long ${sym}_len = ${len}UL;"
echo "const char ${sym}[] = {"
od -An -v -tx1 "$file" | sed -e 's/ \([0-9a-f][0-9a-f]\)/0x\1,/g'
echo "0x00 };"
