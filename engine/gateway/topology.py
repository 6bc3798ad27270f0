"""What the gateway says about the cluster: one broker, one partition, always the leader."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# The Zeebe version whose protocol behaviour we follow; clients such as the Node SDK read it to
# decide which features they may use.
GATEWAY_VERSION = "8.8.0"
PARTITION_ID = 1


@dataclass(frozen=True)
class ClusterInfo:
    """Where the single embedded broker can be reached (the gRPC gateway's bound address)."""

    host: str
    port: int
    version: str = GATEWAY_VERSION

    def as_rest_json(self) -> dict[str, Any]:
        """The shape of Camunda 8.8's REST `GET /v2/topology` response."""
        return {
            "brokers": [
                {
                    "nodeId": 0,
                    "host": self.host,
                    "port": self.port,
                    "partitions": [
                        {"partitionId": PARTITION_ID, "role": "leader", "health": "healthy"}
                    ],
                    "version": self.version,
                }
            ],
            "clusterSize": 1,
            "partitionsCount": 1,
            "replicationFactor": 1,
            "gatewayVersion": self.version,
            # A single node never goes through a cluster change.
            "lastCompletedChangeId": "-1",
        }
