"""Generating and loading the gRPC stubs of the cxlab API.

The ``*_pb2.py`` / ``*_pb2_grpc.py`` modules are never committed: they are
generated from ``api/proto`` into a directory of your choice (a build tree,
``/tmp`` during development) and the package is told where that directory is,
either with the ``CXLAB_STUBS_DIR`` environment variable or by calling
:func:`set_stubs_dir` before the first use of :class:`cxlab.Client`.

Layout of a stubs directory::

    STUBS_DIR/cxlab/v1/*_pb2.py, *_pb2_grpc.py   # package cxlab.v1
    STUBS_DIR/_health/grpc/health/v1/health_pb2.py
    STUBS_DIR/.cxlab-stubs.stamp                  # hash of the inputs

The generated ``cxlab.v1`` modules import each other as ``cxlab.v1.*``, so the
loader appends ``STUBS_DIR/cxlab`` to this package's ``__path__``: after
loading, ``import cxlab.v1.reports_pb2`` works as if the modules lived inside
the package. The health messages are loaded under a private module name so
that the generated ``grpc`` directory never shadows grpcio.

This module needs only the standard library, so the generator runs before
any stub exists.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Optional, Sequence

#: Environment variable naming the directory the stubs are loaded from.
STUBS_ENV = "CXLAB_STUBS_DIR"

_STAMP = ".cxlab-stubs.stamp"
_HEALTH_SUBDIR = "_health"
_HEALTH_PROTO = "grpc/health/v1/health.proto"
# Bumped when the generator's output layout changes (invalidates stamps).
_LAYOUT_VERSION = "1"
# proto3 `optional` fields (used by the cxlab protos) need protoc >= 3.15.
_MIN_PROTOC = (3, 15)

_stubs_dir: Optional[Path] = None


class StubsError(RuntimeError):
    """The stubs cannot be generated or loaded (message says how to fix it)."""


def default_proto_root() -> Path:
    """``api/proto`` of the repository this package sits in (clients/python/cxlab)."""
    return Path(__file__).resolve().parents[3] / "api" / "proto"


# ---- choosing a compiler ----------------------------------------------------


@dataclass(frozen=True)
class Compiler:
    """A protoc able to compile the cxlab protos, with a gRPC Python plugin."""

    #: Command prefix running protoc, e.g. ``[python, -m, grpc_tools.protoc]``.
    command: tuple[str, ...]
    #: Extra ``-I`` directories (the well-known types of grpc_tools).
    includes: tuple[str, ...]
    #: ``--plugin=protoc-gen-grpc_python=PATH``, or None when built in.
    grpc_plugin: Optional[str]
    version: tuple[int, ...]
    name: str

    def describe(self) -> str:
        v = ".".join(str(p) for p in self.version)
        return f"{self.name} (libprotoc {v})"


def _protoc_version(command: Sequence[str]) -> Optional[tuple[int, ...]]:
    try:
        out = subprocess.run(
            [*command, "--version"], capture_output=True, text=True, timeout=30
        )
    except (OSError, subprocess.SubprocessError):
        return None
    m = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", out.stdout + out.stderr)
    if out.returncode != 0 or not m:
        return None
    return tuple(int(g) for g in m.groups() if g is not None)


def find_compiler(
    protoc: Optional[str] = None, grpc_plugin: Optional[str] = None
) -> Compiler:
    """Pick the compiler for the stubs.

    Tried in order: an explicit ``protoc`` (with ``grpc_plugin``);
    ``python -m grpc_tools.protoc`` when its bundled protoc is >= 3.15; the
    system ``protoc`` with ``grpc_python_plugin`` (Debian: protobuf-compiler
    and protobuf-compiler-grpc). Debian 12's python3-grpc-tools 1.14 bundles
    protoc 3.5, which rejects proto3 ``optional`` fields, so on Debian the
    system protoc is the one used.

    Raises:
        StubsError: no usable compiler, with what was found and what to install.
    """
    notes: list[str] = []
    if protoc:
        plugin = grpc_plugin or shutil.which("grpc_python_plugin")
        version = _protoc_version([protoc])
        if version is None:
            raise StubsError(f"cannot run protoc {protoc!r}")
        if plugin is None:
            raise StubsError("--protoc given but no grpc_python_plugin found")
        return Compiler((protoc,), (), plugin, version, protoc)

    if importlib.util.find_spec("grpc_tools") is not None:
        command = (sys.executable, "-m", "grpc_tools.protoc")
        version = _protoc_version(command)
        if version is not None and version[:2] >= _MIN_PROTOC:
            import grpc_tools  # type: ignore[import-untyped]

            well_known = Path(grpc_tools.__file__).parent / "_proto"
            return Compiler(
                command, (str(well_known),), None, version, "grpc_tools.protoc"
            )
        notes.append(
            "grpc_tools.protoc is installed but bundles libprotoc "
            + (".".join(map(str, version)) if version else "of unknown version")
            + ", too old for proto3 `optional` fields (needs >= 3.15)"
        )
    else:
        notes.append("grpc_tools (python3-grpc-tools) is not installed")

    system_protoc = shutil.which("protoc")
    plugin = grpc_plugin or shutil.which("grpc_python_plugin")
    if system_protoc:
        version = _protoc_version([system_protoc])
        if version is not None and version[:2] >= _MIN_PROTOC and plugin:
            return Compiler(
                (system_protoc,), (), plugin, version, f"{system_protoc} + {plugin}"
            )
        if version is None or version[:2] < _MIN_PROTOC:
            notes.append(f"{system_protoc} is missing or older than 3.15")
        if not plugin:
            notes.append("grpc_python_plugin is not on PATH")
    else:
        notes.append("protoc is not on PATH")
    raise StubsError(
        "cxlab: no protoc can generate the Python stubs: "
        + "; ".join(notes)
        + ". Install Debian's protobuf-compiler and protobuf-compiler-grpc "
        "(protoc + grpc_python_plugin), or grpcio-tools >= 1.35."
    )


# ---- generating -------------------------------------------------------------


def _inputs(proto_root: Path) -> list[str]:
    protos = sorted(
        p.relative_to(proto_root).as_posix()
        for p in (proto_root / "cxlab" / "v1").glob("*.proto")
    )
    if not protos:
        raise StubsError(f"cxlab: no cxlab/v1/*.proto under {proto_root}")
    if not (proto_root / _HEALTH_PROTO).is_file():
        raise StubsError(f"cxlab: {_HEALTH_PROTO} missing under {proto_root}")
    return protos


def _fingerprint(proto_root: Path, protos: Sequence[str], compiler: Compiler) -> str:
    h = hashlib.sha256()
    h.update(f"layout {_LAYOUT_VERSION}\n{compiler.describe()}\n".encode())
    for rel in [*protos, _HEALTH_PROTO]:
        h.update(rel.encode() + b"\0" + (proto_root / rel).read_bytes() + b"\0")
    return h.hexdigest()


def _run(compiler: Compiler, proto_root: Path, out: Path, files: Sequence[str],
         grpc: bool) -> None:
    args = [*compiler.command, f"-I{proto_root}"]
    args += [f"-I{inc}" for inc in compiler.includes]
    args.append(f"--python_out={out}")
    if grpc:
        if compiler.grpc_plugin:
            args.append(f"--plugin=protoc-gen-grpc_python={compiler.grpc_plugin}")
        args.append(f"--grpc_python_out={out}")
    args += list(files)
    done = subprocess.run(args, capture_output=True, text=True, cwd=proto_root)
    if done.returncode != 0:
        raise StubsError(
            f"cxlab: {compiler.describe()} failed:\n{done.stderr.strip()}"
        )


def generate_stubs(
    out_dir: "os.PathLike[str] | str",
    proto_root: "os.PathLike[str] | str | None" = None,
    *,
    force: bool = False,
    protoc: Optional[str] = None,
    grpc_plugin: Optional[str] = None,
) -> Path:
    """Generate the Python stubs of ``proto_root`` into ``out_dir``.

    Does nothing when ``out_dir`` already holds stubs of the same protos made
    by the same compiler (a stamp file records a hash of the inputs), unless
    ``force``. The output is built in a temporary directory and moved into
    place, so a failed run leaves the previous stubs intact.

    Args:
        out_dir: Directory to write into (created when missing).
        proto_root: Import root holding ``cxlab/v1/*.proto`` and
            ``grpc/health/v1/health.proto``; default: the repository's
            ``api/proto``.
        force: Regenerate even when the stamp matches.
        protoc, grpc_plugin: Use this protoc and gRPC Python plugin.

    Returns:
        The stubs directory, ready for :func:`set_stubs_dir`.

    Raises:
        StubsError: no usable compiler, or the compiler failed.
    """
    out = Path(out_dir).resolve()
    root = Path(proto_root).resolve() if proto_root else default_proto_root()
    protos = _inputs(root)
    compiler = find_compiler(protoc, grpc_plugin)
    fingerprint = _fingerprint(root, protos, compiler)
    stamp = out / _STAMP
    if not force and stamp.is_file() and stamp.read_text().strip() == fingerprint:
        return out

    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".gen-", dir=out) as tmp:
        tmp_path = Path(tmp)
        _run(compiler, root, tmp_path, protos, grpc=True)
        health_out = tmp_path / _HEALTH_SUBDIR
        health_out.mkdir()
        _run(compiler, root, health_out, [_HEALTH_PROTO], grpc=False)
        for name in ("cxlab", _HEALTH_SUBDIR):
            shutil.rmtree(out / name, ignore_errors=True)
            os.replace(tmp_path / name, out / name)
    stamp.write_text(fingerprint + "\n")
    return out


# ---- loading ----------------------------------------------------------------


def set_stubs_dir(path: "os.PathLike[str] | str") -> None:
    """Load the stubs from ``path`` (overrides ``CXLAB_STUBS_DIR``).

    Call it before the first use of :class:`cxlab.Client`; once loaded, the
    stubs cannot be switched within the process.
    """
    global _stubs_dir
    _stubs_dir = Path(path).resolve()


def stubs_dir() -> Path:
    """The configured stubs directory.

    Raises:
        StubsError: neither :func:`set_stubs_dir` nor ``CXLAB_STUBS_DIR`` set.
    """
    if _stubs_dir is not None:
        return _stubs_dir
    env = os.environ.get(STUBS_ENV)
    if env:
        return Path(env).resolve()
    raise StubsError(
        "cxlab: the gRPC stubs are not configured. Generate them with "
        "`/usr/bin/python3 clients/python/gen_stubs.py DIR` and set "
        f"{STUBS_ENV}=DIR (or call cxlab.set_stubs_dir(DIR))."
    )


@dataclass(frozen=True)
class Stubs:
    """The generated modules the client uses."""

    assignment_pb2: ModuleType
    assignment_pb2_grpc: ModuleType
    events_pb2: ModuleType
    events_pb2_grpc: ModuleType
    personalization_pb2: ModuleType
    personalization_pb2_grpc: ModuleType
    reports_pb2: ModuleType
    reports_pb2_grpc: ModuleType
    experiment_service_pb2: ModuleType
    experiment_service_pb2_grpc: ModuleType
    health_pb2: ModuleType


_loaded: Optional[Stubs] = None


def load_stubs() -> Stubs:
    """Import the generated modules from the configured directory (once)."""
    global _loaded
    if _loaded is not None:
        return _loaded
    root = stubs_dir()
    if not (root / "cxlab" / "v1" / "assignment_pb2.py").is_file():
        raise StubsError(
            f"cxlab: no generated stubs in {root}. Run "
            f"`/usr/bin/python3 clients/python/gen_stubs.py {root}` first."
        )
    package = sys.modules[__package__ or "cxlab"]
    portion = str(root / "cxlab")
    if portion not in package.__path__:
        package.__path__.append(portion)

    def mod(name: str) -> ModuleType:
        return importlib.import_module(f"{package.__name__}.v1.{name}")

    health_name = f"{package.__name__}._health_pb2"
    health = sys.modules.get(health_name)
    if health is None:
        spec = importlib.util.spec_from_file_location(
            health_name,
            root / _HEALTH_SUBDIR / "grpc" / "health" / "v1" / "health_pb2.py",
        )
        if spec is None or spec.loader is None:
            raise StubsError(f"cxlab: cannot load the health stubs from {root}")
        health = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(health)
        sys.modules[health_name] = health

    _loaded = Stubs(
        **{
            f"{base}{suffix}": mod(f"{base}{suffix}")
            for base in (
                "assignment_pb2",
                "events_pb2",
                "personalization_pb2",
                "reports_pb2",
                "experiment_service_pb2",
            )
            for suffix in ("", "_grpc")
        },
        health_pb2=health,
    )
    return _loaded


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Command line of ``gen_stubs.py``."""
    import argparse

    script = sys.argv[0].endswith("gen_stubs.py")
    parser = argparse.ArgumentParser(
        prog="gen_stubs.py" if script else "python3 -m cxlab",
        description="Generate the cxlab Python gRPC stubs into OUT_DIR.",
    )
    parser.add_argument("out_dir", nargs="?", help="directory to write the stubs into")
    parser.add_argument("--proto-root", help="import root (default: the repo's api/proto)")
    parser.add_argument("--force", action="store_true", help="regenerate even if up to date")
    parser.add_argument("--protoc", help="use this protoc")
    parser.add_argument("--grpc-plugin", help="use this grpc_python_plugin")
    parser.add_argument(
        "--check",
        action="store_true",
        help="only check that a compiler and grpcio/protobuf are available",
    )
    parser.add_argument("--stamp", help="touch this file after a successful run")
    args = parser.parse_args(argv)
    try:
        if args.check:
            for module in ("grpc", "google.protobuf"):
                if importlib.util.find_spec(module) is None:
                    raise StubsError(
                        f"cxlab: Python module {module} is missing "
                        "(Debian: python3-grpcio, python3-protobuf)"
                    )
            compiler = find_compiler(args.protoc, args.grpc_plugin)
            print(f"cxlab stubs: {compiler.describe()}")
            return 0
        if not args.out_dir:
            parser.error("OUT_DIR is required (unless --check)")
        out = generate_stubs(
            args.out_dir,
            args.proto_root,
            force=args.force,
            protoc=args.protoc,
            grpc_plugin=args.grpc_plugin,
        )
        if args.stamp:
            Path(args.stamp).touch()
        print(f"cxlab stubs: {out}")
        return 0
    except StubsError as e:
        print(e, file=sys.stderr)
        return 1
