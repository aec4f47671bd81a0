"""cxlab_cc_grpc_library: C++ messages and gRPC stubs from .proto files.

Runs Debian's /usr/bin/protoc with /usr/bin/grpc_cpp_plugin (packages
protobuf-compiler, protobuf-compiler-grpc) in a genrule, like the CMake
build's add_custom_command, and wraps the output in a cc_library. The
package directory is the proto root: api/proto/cxlab/v1/x.proto is
`import "cxlab/v1/x.proto"` and its header `#include "cxlab/v1/x.pb.h"`.
The well-known types (google/protobuf/*.proto) come from /usr/include.
"""

load("@rules_cc//cc:defs.bzl", "cc_library")

PROTOC = "/usr/bin/protoc"
GRPC_CPP_PLUGIN = "/usr/bin/grpc_cpp_plugin"

def cxlab_cc_grpc_library(name, srcs, deps = [], visibility = None):
    """Generates and compiles <src>.pb.{h,cc} and <src>.grpc.pb.{h,cc}.

    Args:
      name: the cc_library; the genrule is name + "_gen".
      srcs: .proto files of this package, relative to it.
      deps: extra cc deps (the Protobuf and gRPC libraries are implied).
      visibility: of the cc_library.
    """
    hdrs = []
    cc_srcs = []
    for src in srcs:
        if not src.endswith(".proto"):
            fail("cxlab_cc_grpc_library: not a .proto file: " + src)
        base = src[:-len(".proto")]
        hdrs += [base + ".pb.h", base + ".grpc.pb.h"]
        cc_srcs += [base + ".pb.cc", base + ".grpc.pb.cc"]

    proto_root = native.package_name() or "."
    native.genrule(
        name = name + "_gen",
        srcs = srcs,
        outs = hdrs + cc_srcs,
        cmd = " ".join([
            PROTOC,
            "--proto_path=" + proto_root,
            "--cpp_out=$(RULEDIR)",
            "--grpc_out=$(RULEDIR)",
            "--plugin=protoc-gen-grpc=" + GRPC_CPP_PLUGIN,
            "$(SRCS)",
        ]),
        message = "protoc " + proto_root,
        visibility = ["//visibility:private"],
    )
    cc_library(
        name = name,
        srcs = cc_srcs,
        hdrs = hdrs,
        # -isystem <package> and its output directory: "cxlab/v1/x.pb.h".
        includes = ["."],
        # Generated code is not ours to warn about.
        copts = ["-w"],
        visibility = visibility,
        deps = deps + [
            "//bazel/third_party:grpcpp",
            "//bazel/third_party:protobuf",
        ],
    )
