"""Macros shared by cxlab's BUILD files (the Bazel side of CMake's helpers)."""

load("@rules_cc//cc:defs.bzl", "cc_test")

def cxlab_cc_test(name, srcs, deps = [], **kwargs):
    """A GoogleTest binary, like CMake's cxlab_cc_test(NAME SRCS DEPS).

    Links gMock and gtest_main. Bazel runs it as one test (ctest runs each
    discovered TEST as its own); data files reach it through `data` and
    runfiles-relative paths in `local_defines`: the working directory of a
    test is the workspace's runfiles root, so "experiments" or
    "tests/stats/scipy_vectors.json" resolve there.
    """
    cc_test(
        name = name,
        srcs = srcs,
        deps = deps + [
            "//bazel/third_party:gmock",
            "//bazel/third_party:gtest_main",
        ],
        **kwargs
    )
