"""The bounds on what one SensorThings request may ask for, so that no request can hold a worker:
page size, ``$expand`` depth and the number of entities a response (or a whole ``$batch``) holds.

The entity budget is counted while a response is built, level by level of ``$expand`` and before
each level is fetched or encoded, so a request that asks for too much stops early with a 400 rather
than being built and then measured.
"""

from django.conf import settings

from cityops.iot.sta.errors import bad_request


def max_top() -> int:
    return settings.CITYOPS_STA_MAX_TOP


def max_expand_depth() -> int:
    return settings.CITYOPS_STA_MAX_EXPAND_DEPTH


def max_entities() -> int:
    return settings.CITYOPS_STA_MAX_ENTITIES


def check_depth(depth: int, where: str) -> None:
    """A 400 when ``$expand`` reaches ``depth`` levels below the requested entities."""
    limit = max_expand_depth()
    if depth > limit:
        raise bad_request(
            f"$expand nests {depth} levels deep at {where!r}; at most {limit} are allowed "
            "(CITYOPS_STA_MAX_EXPAND_DEPTH)."
        )


class Budget:
    """How many more entities the response (or the batch) being built may hold."""

    def __init__(self, limit: int | None = None):
        self.limit = max_entities() if limit is None else limit
        self.used = 0

    @property
    def remaining(self) -> int:
        return self.limit - self.used

    def take(self, count: int) -> None:
        """Count ``count`` more entities; a 400 when that is beyond the limit."""
        if self.used + count > self.limit:
            self.refuse(self.used + count)
        self.used += count

    def refuse(self, asked: int):
        # what was read to get here is spent: the later reads of a $batch are refused at once,
        # so a batch of refused requests cannot repeat the work a thousand times
        self.used = self.limit
        raise bad_request(
            f"This response would hold at least {asked} entities; at most {self.limit} are allowed "
            "(CITYOPS_STA_MAX_ENTITIES; a $batch shares one budget). Ask for less: a smaller $top "
            "inside $expand, a $filter, or fewer expanded levels."
        )
