#!/bin/sh
# Runs "$@" with Debian's interpreter: python3-scipy, python3-numpy and
# python3-xxhash live there, not in a python3 that may come first on PATH.
exec /usr/bin/python3 "$@"
