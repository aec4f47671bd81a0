"""Stub generation and loading, conversions and errors (no server needed)."""

from __future__ import annotations

import datetime
import importlib.util
import math
import subprocess
import sys
from pathlib import Path

import grpc
import pytest
from conftest import CLIENT_DIR, PROTO_ROOT

import cxlab
from cxlab import _convert, _stubs


def test_generated_modules_are_importable_as_cxlab_v1(stubs_dir: Path) -> None:
    from cxlab.v1 import assignment_pb2, reports_pb2  # type: ignore[attr-defined]

    assert (stubs_dir / "cxlab" / "v1" / "reports_pb2.py").is_file()
    assert reports_pb2.Report.DESCRIPTOR.full_name == "cxlab.v1.Report"
    # proto3 `optional` survived generation (the reason grpc_tools 1.14 is not enough).
    assert assignment_pb2.AssignRequest.DESCRIPTOR.fields_by_name["log_exposure"].has_presence
    # The generated grpc/health tree never shadows grpcio.
    assert not (stubs_dir / "grpc").exists()
    assert not Path(grpc.__file__).resolve().is_relative_to(stubs_dir)


def test_no_generated_file_in_the_source_tree() -> None:
    generated = [p for p in CLIENT_DIR.rglob("*_pb2*.py")]
    assert generated == []


def test_generate_is_skipped_when_up_to_date_and_redone_when_forced(tmp_path: Path) -> None:
    out = cxlab.generate_stubs(tmp_path / "stubs", PROTO_ROOT)
    target = out / "cxlab" / "v1" / "events_pb2.py"
    stamp = (out / ".cxlab-stubs.stamp").read_text()
    target.write_text("# stale\n")
    cxlab.generate_stubs(out, PROTO_ROOT)
    assert target.read_text() == "# stale\n"  # stamp matched: untouched
    cxlab.generate_stubs(out, PROTO_ROOT, force=True)
    assert "_EVENTSERVICE" in target.read_text()
    assert (out / ".cxlab-stubs.stamp").read_text() == stamp


def test_gen_stubs_script(tmp_path: Path) -> None:
    script = CLIENT_DIR / "gen_stubs.py"
    check = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    assert "libprotoc" in check.stdout
    done = subprocess.run([sys.executable, str(script), str(tmp_path / "s")],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "s" / "cxlab" / "v1" / "personalization_pb2_grpc.py").is_file()
    missing = subprocess.run([sys.executable, str(script), str(tmp_path / "x"),
                              "--proto-root", str(tmp_path)], capture_output=True, text=True)
    assert missing.returncode == 1
    assert "no cxlab/v1/*.proto" in missing.stderr


def test_no_compiler_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        _stubs.importlib.util,
        "find_spec",
        lambda name, *a: None if name == "grpc_tools" else real_find_spec(name, *a),
    )
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(cxlab.StubsError) as e:
        _stubs.find_compiler()
    assert "protobuf-compiler-grpc" in str(e.value)
    assert "grpc_tools" in str(e.value)


def test_unconfigured_stubs_dir_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_stubs, "_stubs_dir", None)
    monkeypatch.delenv(_stubs.STUBS_ENV, raising=False)
    with pytest.raises(cxlab.StubsError, match="CXLAB_STUBS_DIR"):
        _stubs.stubs_dir()


def test_attributes_round_trip_through_struct() -> None:
    from google.protobuf import struct_pb2

    attrs = {"visits": 3, "score": 0.5, "vip": True, "none": None,
             "interests": ("running", "hiking"), "cart": {"items": 2, "value": 49.9}}
    struct = _convert.to_struct(attrs, "attributes")
    assert struct is not None
    value = struct_pb2.Value(struct_value=struct)
    assert _convert.from_value(value) == {
        "visits": 3, "score": 0.5, "vip": True, "none": None,
        "interests": ["running", "hiking"], "cart": {"items": 2, "value": 49.9}}
    assert isinstance(_convert.from_value(value)["visits"], int)
    assert _convert.from_value(struct_pb2.Value()) is None
    assert _convert.to_struct(None, "attributes") is None


def test_non_json_attributes_name_the_field() -> None:
    with pytest.raises(TypeError, match=r"attributes\.cart\.when: datetime"):
        _convert.to_struct({"cart": {"when": datetime.datetime.now()}}, "attributes")
    with pytest.raises(TypeError, match="keys must be strings"):
        _convert.to_struct({1: "x"}, "attributes")  # type: ignore[dict-item]
    with pytest.raises(TypeError, match="must be a mapping"):
        _convert.to_struct(["x"], "attributes")  # type: ignore[arg-type]


def test_large_numbers_stay_floats() -> None:
    from google.protobuf import struct_pb2

    big = _convert.from_value(struct_pb2.Value(number_value=2.0**60))
    assert isinstance(big, float) and math.isclose(big, 2.0**60)
    assert _convert.from_value(struct_pb2.Value(number_value=-3.0)) == -3


def test_error_and_reason_types() -> None:
    e = cxlab.CxlabError("INVALID_ARGUMENT", "units[0].unit_id: must not be empty")
    assert str(e) == "INVALID_ARGUMENT: units[0].unit_id: must not be empty"
    assert not e.retryable
    assert cxlab.CxlabError("UNAVAILABLE", "down").retryable
    assert cxlab.Reason.ASSIGNED == "assigned"
    assert str(cxlab.Reason.UNKNOWN_EXPERIMENT) == "unknown_experiment"


def test_client_rejects_bad_buffer_settings(stubs_dir: Path) -> None:
    with pytest.raises(ValueError, match="flush_size"):
        cxlab.Client("127.0.0.1:1", "k", flush_size=0)
    with pytest.raises(ValueError, match="flush_size"):
        cxlab.Client("127.0.0.1:1", "k", flush_size=10_001)
    with pytest.raises(ValueError, match="flush_interval"):
        cxlab.Client("127.0.0.1:1", "k", flush_interval=0)
    with pytest.raises(OSError):
        cxlab.Client("127.0.0.1:1", "k", ca_file="/nonexistent/ca.pem")
