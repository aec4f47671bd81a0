#!/bin/sh
# Stand-in for Bazel's coverage tools, which the offline build cannot fetch.
echo "cxlab: bazel coverage is not supported by the offline Bazel build;" \
     "use CMake (gcov) instead" >&2
exit 1
