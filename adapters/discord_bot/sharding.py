"""Which gateway shards this process runs: all of them, a fixed list, or a StatefulSet pod's slice."""

from __future__ import annotations

import re
from dataclasses import dataclass

from adapters.discord_bot.options import Knobs

_ORDINAL = re.compile(r"-(\d+)$")


@dataclass(frozen=True, slots=True)
class Shards:
    """What `AutoShardedClient` is given: the total count (None: ask Discord) and this process's ids (None: all)."""

    count: int | None = None
    ids: tuple[int, ...] | None = None

    @property
    def syncs_commands(self) -> bool:
        """One process syncs the slash commands: the one holding shard 0 (DMs arrive there too)."""
        return self.ids is None or 0 in self.ids


def ordinal_of(hostname: str) -> int | None:
    """A StatefulSet pod's ordinal from its host name (`nemo-bot-discord-2` -> 2); None without one."""
    found = _ORDINAL.search(hostname)
    return int(found.group(1)) if found else None


def shards(knobs: Knobs, hostname: str) -> Shards:
    """The shards this process runs, from the settings (checked already) and, for a pod's slice, its ordinal."""
    count = knobs.shard_count
    if count is None:
        return Shards()
    if knobs.shard_ids:
        return Shards(count, tuple(sorted(set(knobs.shard_ids))))
    per_pod = knobs.shards_per_pod
    if per_pod is None:
        return Shards(count)
    ordinal = knobs.pod_ordinal if knobs.pod_ordinal is not None else ordinal_of(hostname)
    if ordinal is None:
        raise ValueError(
            "DISCORD_SHARDS_PER_POD needs the pod's ordinal: set DISCORD_POD_ORDINAL, or run in a StatefulSet "
            "(a host name ending in -N)"
        )
    first = ordinal * per_pod
    if first >= count:
        pods = -(-count // per_pod)
        raise ValueError(
            f"pod {ordinal} has no shard: DISCORD_SHARD_COUNT={count} with DISCORD_SHARDS_PER_POD={per_pod} "
            f"covers pods 0 to {pods - 1}"
        )
    return Shards(count, tuple(range(first, min(first + per_pod, count))))
