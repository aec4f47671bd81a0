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

def cxlab_fuzz_replay_test(name, deps = []):
    """fuzz_replay_<name>: tests/fuzz/<name>_fuzz_test.cc over its inputs.

    Like tests/fuzz/CMakeLists.txt's cxlab_fuzz_target: the target's
    LLVMFuzzerTestOneInput with replay_main.cc, run on every file of
    corpus/<name> and regressions/<name>. A directory without files is left
    out of the arguments (Bazel's runfiles hold files, not empty
    directories).
    """
    args = []
    data = []
    for directory in ["corpus/" + name, "regressions/" + name]:
        files = native.glob([directory + "/**"])
        if files:
            args.append(native.package_name() + "/" + directory)
            data += files
    cc_test(
        name = "fuzz_replay_" + name,
        srcs = [
            name + "_fuzz_test.cc",
            "replay_main.cc",
            "finite_value.h",
            "fuzz_util.h",
        ],
        args = args,
        data = data,
        tags = ["fuzz"],
        deps = deps,
    )
