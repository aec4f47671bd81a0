#!/bin/sh
# Runs a benchmark binary with its flags: the smoke tests of tests/bench.
exec "$@"
