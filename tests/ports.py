"""Free localhost ports for the servers a test starts in its own processes."""

from __future__ import annotations

import socket


def free_ports(count: int) -> list[int]:
    # All held open together, so the kernel cannot hand out the same port twice.
    probes = [socket.socket() for _ in range(count)]
    try:
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [int(probe.getsockname()[1]) for probe in probes]
    finally:
        for probe in probes:
            probe.close()
