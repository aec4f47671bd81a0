"""The exception raised for errors returned by cxlabd."""

from __future__ import annotations

from typing import Optional

import grpc

#: gRPC codes after which a call may succeed when simply retried.
RETRYABLE_CODES = frozenset({"UNAVAILABLE", "DEADLINE_EXCEEDED", "RESOURCE_EXHAUSTED"})


class CxlabError(Exception):
    """An error from cxlabd (or from reaching it).

    Attributes:
        code: The gRPC status code name, e.g. ``"INVALID_ARGUMENT"``,
            ``"NOT_FOUND"``, ``"PERMISSION_DENIED"``, ``"UNAVAILABLE"``.
        message: The server's message; it names the field at fault, e.g.
            ``"units[0].unit_id: must not be empty"`` (one line per broken
            rule).

    ``str(error)`` is ``"CODE: message"``, as the ``cxlab`` CLI prints it.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message

    @property
    def retryable(self) -> bool:
        """True for UNAVAILABLE, DEADLINE_EXCEEDED and RESOURCE_EXHAUSTED."""
        return self.code in RETRYABLE_CODES

    @classmethod
    def from_rpc_error(cls, error: grpc.RpcError) -> "CxlabError":
        """Wrap a failed gRPC call."""
        code_fn = getattr(error, "code", None)
        details_fn = getattr(error, "details", None)
        code: Optional[grpc.StatusCode] = code_fn() if callable(code_fn) else None
        details = details_fn() if callable(details_fn) else None
        name = code.name if isinstance(code, grpc.StatusCode) else "UNKNOWN"
        return cls(name, details or str(error))
