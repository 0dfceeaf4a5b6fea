#!/bin/sh
# Not a test: the TAP helper the shell tests source. check NAME STATUS
# [note] prints "ok N NAME" when STATUS is 0, "not ok N NAME" otherwise,
# numbering from 1; the test prints the plan, "1..$n", at its end.
n=0
check() { # check NAME STATUS [note]
	n=$((n + 1))
	if [ "$2" = 0 ]; then echo "ok $n $1${3:+ # $3}"; else echo "not ok $n $1${3:+ # $3}"; fi
}
