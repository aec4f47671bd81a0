"""The native C++ rules under rules_cc's names, for Bazel 4.2.3 offline.

Every symbol that @bazel_tools (tools/cpp, tools/jdk, tools/objc ...) or
cxlab's BUILD files load from @rules_cc//cc:defs.bzl. Debian's own
bazel-rules-cc package targets newer Bazel releases and does not load
under 4.2.3, and nothing may be downloaded, hence this shim.
"""

cc_binary = native.cc_binary
cc_import = native.cc_import
cc_library = native.cc_library
cc_proto_library = native.cc_proto_library
cc_test = native.cc_test
cc_toolchain = native.cc_toolchain
cc_toolchain_suite = native.cc_toolchain_suite
fdo_prefetch_hints = native.fdo_prefetch_hints
fdo_profile = native.fdo_profile
objc_import = native.objc_import
objc_library = native.objc_library
