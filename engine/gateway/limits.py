"""Numbers the gateway shares with Zeebe's defaults, so clients see the same limits."""

from __future__ import annotations

from engine.limits import MAX_GRPC_MESSAGE_BYTES

MAX_MESSAGE_BYTES = MAX_GRPC_MESSAGE_BYTES

# ActivateJobs with requestTimeout = 0: pyzeebe's own deadline is then 20 s, so hold less.
DEFAULT_LONG_POLL_MS = 10_000

# CreateProcessInstanceWithResult with requestTimeout = 0 uses the gateway's generic request
# timeout (Zeebe: zeebe.gateway.cluster.requestTimeout, 15 s).
DEFAULT_RESULT_TIMEOUT_MS = 15_000

# StreamActivatedJobs asks the engine for this many jobs at a time and waits this long per ask;
# the stream itself stays open until the client leaves.
STREAM_BATCH_SIZE = 32
STREAM_HOLD_MS = 60_000

# A held call answers (empty) this long before the client's own deadline: pyzeebe counts
# DEADLINE_EXCEEDED as a connection failure and stops a worker for good after ten of them.
DEADLINE_MARGIN_MS = 500
