"""Token buckets that reproduce Telegram's flood limits for bots."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

__all__ = ["FloodLimiter", "FloodLimits", "SlidingWindow", "TokenBucket"]


@dataclass(frozen=True)
class FloodLimits:
    """Sending limits; defaults are Telegram's published numbers for ordinary bots."""

    global_per_second: float = 30.0
    global_burst: float = 30.0
    private_per_second: float = 1.0
    # A short burst in private chats is tolerated by Telegram; sustained >1/s is not.
    private_burst: float = 3.0
    # Groups: at most group_per_minute messages (sends and edits) in any rolling window.
    group_per_minute: float = 20.0
    group_burst: float = 20.0  # unused since groups count a rolling window; kept for callers
    group_window_seconds: float = 60.0


@dataclass
class TokenBucket:
    """Classic token bucket: `rate` tokens per second, holding at most `burst`."""

    rate: float
    burst: float
    tokens: float = field(init=False)
    stamp: float | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.tokens = self.burst

    def _refill(self, now: float) -> None:
        if self.stamp is not None:
            self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now

    def wait_time(self, now: float) -> float:
        """Seconds until one token is available (0.0 if one is available now)."""
        self._refill(now)
        if self.tokens >= 1.0:
            return 0.0
        return (1.0 - self.tokens) / self.rate

    def consume(self, now: float) -> None:
        self._refill(now)
        self.tokens -= 1.0


class SlidingWindow:
    """At most `limit` events in any window of `window` seconds (Telegram's per-group count)."""

    def __init__(self, limit: float, window: float) -> None:
        self.limit = max(1, int(limit))
        self.window = window
        self._times: deque[float] = deque()

    def wait_time(self, now: float) -> float:
        while self._times and self._times[0] <= now - self.window:
            self._times.popleft()
        if len(self._times) < self.limit:
            return 0.0
        return self._times[0] + self.window - now

    def consume(self, now: float) -> None:
        self._times.append(now)


class FloodLimiter:
    """One global bucket plus one bucket per chat, created on first use."""

    def __init__(self, limits: FloodLimits | None = None) -> None:
        self.limits = limits or FloodLimits()
        self._global = TokenBucket(self.limits.global_per_second, self.limits.global_burst)
        self._chats: dict[int, TokenBucket | SlidingWindow] = {}

    def _chat_bucket(self, chat_id: int, is_group: bool) -> TokenBucket | SlidingWindow:
        bucket = self._chats.get(chat_id)
        if bucket is None:
            if is_group:
                bucket = SlidingWindow(self.limits.group_per_minute, self.limits.group_window_seconds)
            else:
                bucket = TokenBucket(self.limits.private_per_second, self.limits.private_burst)
            self._chats[chat_id] = bucket
        return bucket

    def acquire(self, chat_id: int, is_group: bool, now: float) -> int:
        """Take a token for one send; return 0 on success, else Telegram's retry_after (>= 1 s).

        A refused send takes no token, so a client that waits `retry_after` gets through.
        """
        chat = self._chat_bucket(chat_id, is_group)
        wait = max(self._global.wait_time(now), chat.wait_time(now))
        if wait > 0:
            return max(1, math.ceil(wait))
        self._global.consume(now)
        chat.consume(now)
        return 0
