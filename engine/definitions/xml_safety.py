"""Parses untrusted XML with the standard library after refusing DTDs and entity declarations,
which xml.etree would otherwise expand (billion laughs)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from engine.api import InvalidArgument
from engine.limits import MAX_RESOURCE_BYTES


def parse_xml(content: bytes, resource_name: str) -> ET.Element:
    if len(content) > MAX_RESOURCE_BYTES:
        raise InvalidArgument(
            f"resource '{resource_name}' is {len(content)} bytes, above the limit of "
            f"{MAX_RESOURCE_BYTES} bytes"
        )
    head = content.upper()
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
        raise InvalidArgument(
            f"resource '{resource_name}' declares a DOCTYPE or entities, which are not accepted"
        )
    try:
        return ET.fromstring(content)
    except ET.ParseError as error:
        raise InvalidArgument(
            f"resource '{resource_name}' is not well-formed XML: {error}"
        ) from None
