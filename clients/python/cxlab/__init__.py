"""Python client of cxlab, the experimentation and personalization daemon.

Usage::

    import cxlab

    with cxlab.Client("127.0.0.1:7070", api_key) as c:
        variant = c.assign("visitor-42", {"visits": 3})["checkout_redesign"].variant
        c.track(cxlab.Event("purchase", "visitor-42", value=59.0))

The gRPC stubs are generated from ``api/proto`` at build time, never
committed: run ``gen_stubs.py OUT_DIR`` (or :func:`generate_stubs`) and set
``CXLAB_STUBS_DIR=OUT_DIR`` (or call :func:`set_stubs_dir`). Importing this
package does not need them; the first use of :class:`Client` loads them, and
after that the generated modules are importable as ``cxlab.v1.*_pb2``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._stubs import StubsError, generate_stubs, load_stubs, set_stubs_dir, stubs_dir
from .errors import CxlabError
from .models import (
    Assignment,
    Content,
    Event,
    FlushResult,
    Reason,
    RejectedEvent,
    TrackStats,
    Unit,
)

if TYPE_CHECKING:
    from .client import Client

__version__ = "0.1.0"

__all__ = [
    "Assignment",
    "Client",
    "Content",
    "CxlabError",
    "Event",
    "FlushResult",
    "Reason",
    "RejectedEvent",
    "StubsError",
    "TrackStats",
    "Unit",
    "generate_stubs",
    "load_stubs",
    "set_stubs_dir",
    "stubs_dir",
]


def __getattr__(name: str) -> Any:
    # Client imports grpc and loads the generated stubs on first access, so
    # `import cxlab` (and the stub generator) work before any stub exists.
    if name == "Client":
        from .client import Client

        return Client
    raise AttributeError(f"module 'cxlab' has no attribute {name!r}")
