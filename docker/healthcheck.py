"""Docker HEALTHCHECK: healthy when every part the supervisor started answers over HTTP.

docker/supervisor.py writes the URLs to probe (the engine's GET /v2/topology, the desk's front
page) once all parts have started; before that the container is still starting. Any answer below
500 counts: the desk's front page may redirect or ask for a sign-in. Standard library only, so
the check costs one short Python start and imports nothing of the product.
"""

from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.request
from pathlib import Path


def probe(url: str) -> str | None:
    """None when `url` answers; else what went wrong."""
    try:
        with urllib.request.urlopen(url, timeout=3) as response:
            status = int(response.status)
    except urllib.error.HTTPError as error:
        status = error.code
    except (urllib.error.URLError, OSError) as error:
        return f"{url}: {error}"
    return None if status < 500 else f"{url} answered {status}"


def main() -> int:
    health_file = Path(os.environ.get("EXEMPTION_HEALTH_FILE", "/tmp/exemption-health.json"))
    try:
        urls = [str(url) for url in json.loads(health_file.read_text(encoding="utf-8"))["urls"]]
    except (OSError, ValueError, KeyError, TypeError):
        print(f"starting: {health_file} not written yet")
        return 1
    problems = [problem for url in urls if (problem := probe(url)) is not None]
    for problem in problems:
        print(f"unhealthy: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
