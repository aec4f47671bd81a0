#!/usr/bin/python3
"""Checks that the Bazel build still mirrors the CMake build.

CMake is the primary build; the BUILD.bazel files follow it. For every
library, executable and test the CMakeLists.txt files declare, this checks
that the BUILD.bazel of the same directory has a target of the same name,
and that both list the same .cc files:

  add_library(NAME srcs...), add_executable(NAME srcs...)  -> //DIR:NAME
  cxlab_cc_test(NAME n SRCS ...), stats_cc_test(NAME n SRCS ...)
                                                        -> //DIR:n (a test)
  add_test(NAME n ...)                                  -> //DIR:n (a test)
  cxlab_fuzz_target(NAME n ...)  -> //DIR:fuzz_replay_n (n_fuzz_test.cc,
                                                         replay_main.cc)

Names or sources built from CMake variables are not compared. The tests
that need Node, the Python client or Chromium are left out of Bazel on
purpose (README.md), and so are the generated protos' directory (the
cxlab_api_proto sources are generated; //api/proto holds the target).

Usage (from the repository root; `make bazel-test` runs it):
  bazel/check_cmake_sync.py [BAZEL [STARTUP_OPTION...]]
Exit status 0 when in sync, 1 with one line per difference.
"""

import os
import re
import subprocess
import sys
from xml.etree import ElementTree

# CMake tests deliberately not built by Bazel (they are not C++ suites).
NOT_IN_BAZEL = {
    "js_client_build",  # clients/js: tsc, the fixture of the Node tests
    "js_client_test",  # clients/js: Node
    "python_client_test",  # clients/python: pytest, generated stubs
    "ofrep_openfeature_test",  # tests/web: Node, OpenFeature SDK
    "web_ui_browser_test",  # tests/web: Node, headless Chromium
}
# CMake targets whose Bazel counterpart lives in another package.
MOVED = {("api", "cxlab_api_proto"): "api/proto"}
SKIP_DIRS = {"build", "node_modules", "var", ".git"}
KEYWORDS = {"SRCS", "DEPS", "LABELS", "NAME", "STATIC", "SHARED", "OBJECT",
            "EXCLUDE_FROM_ALL", "WIN32", "MACOSX_BUNDLE"}


def cmake_calls(text):
    """Yields (command, [arguments]) for every call in a CMake file."""
    text = re.sub(r"#[^\n]*", "", text)
    for match in re.finditer(r"\b(\w+)\s*\(", text):
        depth, i, quoted = 1, match.end(), False
        while i < len(text) and depth:
            c = text[i]
            if c == '"':
                quoted = not quoted
            elif not quoted and c == "(":
                depth += 1
            elif not quoted and c == ")":
                depth -= 1
            i += 1
        args = re.findall(r'"[^"]*"|[^\s]+', text[match.end():i - 1])
        yield match.group(1), [a.strip('"') for a in args]


def keyword_list(args, keyword):
    if keyword not in args:
        return []
    out = []
    for a in args[args.index(keyword) + 1:]:
        if a in KEYWORDS:
            break
        out.append(a)
    return out


def cmake_targets(root):
    """{(dir, name): set of .cc paths or None} from every CMakeLists.txt."""
    targets = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames
                       if d not in SKIP_DIRS and not d.startswith(("build", "bazel-"))]
        if "CMakeLists.txt" not in filenames:
            continue
        rel = os.path.relpath(dirpath, root)
        rel = "" if rel == "." else rel
        with open(os.path.join(dirpath, "CMakeLists.txt"), encoding="utf-8") as f:
            text = f.read()

        def srcs(files):
            if any("$" in s for s in files):
                return None
            return {os.path.normpath(os.path.join(rel, s.replace(
                "${CMAKE_CURRENT_SOURCE_DIR}/", "")))
                for s in files if s.endswith(".cc")}

        for cmd, args in cmake_calls(text):
            if cmd in ("add_library", "add_executable") and args:
                name = args[0]
                if "$" in name or "IMPORTED" in args or "INTERFACE" in args:
                    continue
                targets[(rel, name)] = srcs([a for a in args[1:] if a not in KEYWORDS])
            elif cmd in ("cxlab_cc_test", "stats_cc_test") and "NAME" in args:
                name = keyword_list(args, "NAME")[0]
                if "$" not in name:
                    targets[(rel, name)] = srcs(keyword_list(args, "SRCS"))
            elif cmd == "add_test" and "NAME" in args:
                name = keyword_list(args, "NAME")[0]
                if "$" not in name and name not in NOT_IN_BAZEL:
                    targets.setdefault((rel, name), None)
            elif cmd == "cxlab_fuzz_target" and "NAME" in args:
                name = keyword_list(args, "NAME")[0]
                targets[(rel, "fuzz_replay_" + name)] = srcs(
                    [name + "_fuzz_test.cc", "replay_main.cc"])
    return targets


def bazel_targets(bazel):
    """{(package, name): set of .cc paths} of every rule in //..."""
    out = subprocess.run(
        bazel + ["query", "--output=xml", "kind('rule', //...)"],
        check=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout
    targets = {}
    for rule in ElementTree.fromstring(out).iter("rule"):
        package, _, name = rule.get("name").lstrip("/").partition(":")
        cc = set()
        for attribute in rule.findall("list"):
            if attribute.get("name") != "srcs":
                continue
            for label in attribute.iter("label"):
                pkg, _, file = label.get("value").lstrip("/").partition(":")
                if file.endswith(".cc"):
                    cc.add(os.path.normpath(os.path.join(pkg, file)))
        targets[(package, name)] = cc
    return targets


def main():
    bazel = sys.argv[1:] or ["bazel"]
    cmake = cmake_targets(".")
    bazel_rules = bazel_targets(bazel)
    problems = []
    for (directory, name), cmake_srcs in sorted(cmake.items()):
        package = MOVED.get((directory, name), directory)
        if (package, name) not in bazel_rules:
            problems.append("//%s:%s missing: %s/CMakeLists.txt declares %s"
                            % (package, name, directory or ".", name))
            continue
        if cmake_srcs is None:
            continue
        bazel_srcs = bazel_rules[(package, name)]
        for src in sorted(cmake_srcs - bazel_srcs):
            problems.append("//%s:%s lacks %s (in CMake)" % (package, name, src))
        for src in sorted(bazel_srcs - cmake_srcs):
            problems.append("//%s:%s has %s (not in CMake)" % (package, name, src))
    for line in problems:
        print("check_cmake_sync: " + line, file=sys.stderr)
    if problems:
        print("check_cmake_sync: the BUILD.bazel files no longer mirror the "
              "CMakeLists.txt files (bazel/README.md)", file=sys.stderr)
        return 1
    print("check_cmake_sync: %d CMake targets mirrored by Bazel" % len(cmake))
    return 0


if __name__ == "__main__":
    sys.exit(main())
