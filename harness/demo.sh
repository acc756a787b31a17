#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh RESULTS: show what the guest's demo programs printed.

awk '
/^TEST demo\// { name = substr($2, 6); on = 1; print "\n--- demo: " name " ---"; next }
/^EXIT demo\// { on = 0; if ($3 != "code" || $4 != 0) print "(demo " name " exited with " $3 " " $4 ")"; next }
on { sub(/^\| ?/, ""); print }
' "$1"
