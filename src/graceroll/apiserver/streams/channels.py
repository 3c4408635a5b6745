"""The ``channel.k8s.io`` WebSocket framing of exec and attach (``v5`` and ``v4``).

Each binary message is one byte naming the channel, then the data (``apimachinery``
``pkg/util/httpstream/wsstream``): 0 stdin, 1 stdout, 2 stderr, 3 error, 4 resize. ``v5`` adds
the close signal: a client that has no more input sends ``[255, 0]`` (client-go
``tools/remotecommand/websocket.go``). The error channel carries one ``Status`` (v4+): Success,
or Failure with reason ``NonZeroExitCode`` and the exit code as the cause ``ExitCode``; the
server then closes the connection normally, which ends every stream for the client.
"""

from __future__ import annotations

from typing import Any

STDIN, STDOUT, STDERR, ERROR, RESIZE = 0, 1, 2, 3, 4
CLOSE = 255
V5, V4 = "v5.channel.k8s.io", "v4.channel.k8s.io"
PROTOCOLS = (V5, V4)


def frame(channel: int, data: bytes) -> bytes:
    return bytes([channel]) + data


def split(message: bytes) -> tuple[int, bytes] | None:
    """(channel, data) of a client message; None for an empty one (ignored, as upstream)."""
    if not message:
        return None
    return message[0], message[1:]


def success() -> dict[str, Any]:
    return {"metadata": {}, "status": "Success"}


def exited(code: int, argv: list[str]) -> dict[str, Any]:
    """The Status of a command that ended: Success for 0, else NonZeroExitCode with the code."""
    if code == 0:
        return success()
    return {
        "metadata": {},
        "status": "Failure",
        "message": f"command terminated with non-zero exit code: error executing command {argv}, exit code {code}",
        "reason": "NonZeroExitCode",
        "details": {"causes": [{"reason": "ExitCode", "message": str(code)}]},
    }


def failure(message: str) -> dict[str, Any]:
    return {"metadata": {}, "status": "Failure", "message": message, "reason": "InternalError", "code": 500}
