#!/bin/sh
# Harness self-test: crash the kernel on purpose. The host must report it
# as a failure (tests that never finish and panics both count).
echo "crashing the kernel on purpose"
echo c > /proc/sysrq-trigger
