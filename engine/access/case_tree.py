"""The call-activity tree of a case: the root process instance and every instance it called,
directly or through other stages.

The procedure runs each stage of a case as a called process instance, so an officer's user task
sits in a child instance while the case's history (who did what, when) spans the whole tree.
Visibility of instances is therefore decided per tree, not per instance: whoever may see a user
task anywhere in a case may read every instance of that case, and nothing of other cases.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def case_root(instance: str, parents: Mapping[str, str | None]) -> str:
    """The root instance of `instance`'s tree; an instance whose parent is unknown (not yet
    folded in, or from another partition) counts as its own root."""
    seen = {instance}
    current = instance
    while (parent := parents.get(current)) and parent not in seen:
        seen.add(parent)
        current = parent
    return current


def same_case_instances(seeds: Iterable[str], parents: Mapping[str, str | None]) -> set[str]:
    """Every instance in the trees of `seeds` (the seeds included)."""
    roots = {case_root(seed, parents) for seed in seeds}
    if not roots:
        return set()
    related = {key for key in parents if case_root(key, parents) in roots}
    return related | set(seeds)
