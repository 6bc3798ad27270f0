"""The engine's size limits at its edges, in one place (the table in docs/limits.md).

Checked before anything is parsed or buffered beyond the limit: a request body by its
Content-Length and while it streams in (REST, 413), a gRPC message by the server's receive limit
(RESOURCE_EXHAUSTED), and the names that messages are buffered under (message name, correlation
key, message id) explicitly, for both transports (400 / INVALID_ARGUMENT).
"""

from __future__ import annotations

from engine.api import InvalidArgument

MIB = 1024 * 1024
# Variables may be up to 4 MiB (engine.core.command_base); a JSON body carrying them needs a little
# more room.
MAX_REQUEST_BODY_BYTES = 5 * MIB
# POST /v2/deployments is multipart: several resources of up to 4 MiB each.
MAX_DEPLOYMENT_BODY_BYTES = 16 * MIB
DEPLOYMENT_PATH = "/v2/deployments"
# Zeebe's default maximum gRPC message size (zeebe.gateway.network.maxMessageSize = 4MB).
MAX_GRPC_MESSAGE_BYTES = 4 * MIB
# Messages wait in the engine under these (for their time to live): keep them to a sane length.
MAX_MESSAGE_NAME_LENGTH = 1024
MAX_CORRELATION_KEY_LENGTH = 1024
MAX_MESSAGE_ID_LENGTH = 1024


def body_limit(path: str) -> int:
    return MAX_DEPLOYMENT_BODY_BYTES if path == DEPLOYMENT_PATH else MAX_REQUEST_BODY_BYTES


def check_message_names(name: str, correlation_key: str, message_id: str) -> None:
    """Raises InvalidArgument naming the field and the limit."""
    for field, value, limit in (
        ("name", name, MAX_MESSAGE_NAME_LENGTH),
        ("correlationKey", correlation_key, MAX_CORRELATION_KEY_LENGTH),
        ("messageId", message_id, MAX_MESSAGE_ID_LENGTH),
    ):
        if len(value) > limit:
            raise InvalidArgument(
                f"Expected the message {field} to be at most {limit} characters long, but it "
                f"has {len(value)}"
            )
