#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh RESULTS: show what the guest's demo programs printed, and the
# glibc client test's summary of an unmodified glibc 2.41 on this kernel.

awk '
/^TEST demo\// { name = substr($2, 6); on = 1; print "\n--- demo: " name " ---"; next }
/^EXIT demo\// { on = 0; if ($3 != "code" || $4 != 0) print "(demo " name " exited with " $3 " " $4 ")"; next }
on { sub(/^\| ?/, ""); print }
/^\| # glibc 2\.41 arc4random:/ { glibc = substr($0, 5) }
END { if (glibc != "") print "\n--- demo: glibc ---\n" glibc }
' "$1"
