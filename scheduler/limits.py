"""Client-side flood control: stay under Telegram's limits instead of collecting 429s.

Telegram (and the test double) meter bots with token buckets: ~30/s overall, ~1/s
sustained per private chat, 20/min per group. We run our own buckets slightly slower
(`margin`) and with a smaller burst than the server allows, so the server's bucket never
runs dry even when request arrival times jitter. Times here are monotonic seconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.config import DeliverySettings


@dataclass(slots=True)
class Bucket:
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

    def wait(self, now: float) -> float:
        """Seconds until one token is available (0.0 when one is)."""
        self._refill(now)
        return 0.0 if self.tokens >= 1.0 else (1.0 - self.tokens) / self.rate

    def take(self, now: float) -> None:
        self._refill(now)
        self.tokens -= 1.0

    def full(self, now: float) -> bool:
        self._refill(now)
        return self.tokens >= self.burst


def is_group(chat_id: int) -> bool:
    """Groups, supergroups and channels have negative ids; private chats positive ones."""
    return chat_id < 0


class Limiter:
    """A global bucket, one bucket per recently used chat, and 429 pauses."""

    def __init__(self, settings: DeliverySettings) -> None:
        margin = settings.rate_margin
        self._global = Bucket(settings.global_per_second * margin, settings.global_burst)
        self._private_rate = settings.per_chat_per_second * margin
        self._private_burst = float(settings.per_chat_burst)
        self._group_rate = settings.group_per_minute / 60.0 * margin
        self._group_burst = float(settings.group_burst)
        self._chats: dict[int, Bucket] = {}
        self._paused: dict[int, float] = {}  # chat -> monotonic time the 429 pause ends
        self._global_paused_until = 0.0
        self._recent_429: list[tuple[float, int]] = []

    def _bucket(self, chat_id: int) -> Bucket:
        bucket = self._chats.get(chat_id)
        if bucket is None:
            if is_group(chat_id):
                bucket = Bucket(self._group_rate, self._group_burst)
            else:
                bucket = Bucket(self._private_rate, self._private_burst)
            self._chats[chat_id] = bucket
        return bucket

    def global_wait(self, now: float) -> float:
        return max(self._global_paused_until - now, self._global.wait(now), 0.0)

    def chat_wait(self, chat_id: int, now: float) -> float:
        pause = self._paused.get(chat_id, 0.0) - now
        bucket = self._chats.get(chat_id)
        return max(pause, bucket.wait(now) if bucket else 0.0, 0.0)

    def take(self, chat_id: int, now: float) -> None:
        self._global.take(now)
        self._bucket(chat_id).take(now)

    def limited_chats(self, now: float) -> dict[int, float]:
        """Chats that cannot be sent to right now, with their waits; forgets refilled ones."""
        out: dict[int, float] = {}
        for chat_id, until in list(self._paused.items()):
            if until <= now:
                del self._paused[chat_id]
            else:
                out[chat_id] = until - now
        for chat_id, bucket in list(self._chats.items()):
            if bucket.full(now):
                del self._chats[chat_id]  # keeps the dict as small as the recent traffic
                continue
            wait = bucket.wait(now)
            if wait > 0:
                out[chat_id] = max(wait, out.get(chat_id, 0.0))
        return out

    def retry_after(self, chat_id: int, seconds: float, now: float) -> bool:
        """Telegram said 429 for this chat. Returns True when we judged the limit global.

        The answer does not say which limit was hit. This chat always waits; when another
        chat got a 429 within the last second too, the limit is the global one and every
        chat waits. (Per-chat 429s happen when the bot's direct replies share the chat.)
        """
        self._paused[chat_id] = max(self._paused.get(chat_id, 0.0), now + seconds)
        self._recent_429 = [(t, c) for t, c in self._recent_429 if now - t < 1.0]
        other_chat = any(c != chat_id for _, c in self._recent_429)
        self._recent_429.append((now, chat_id))
        if other_chat:
            self._global_paused_until = max(self._global_paused_until, now + seconds)
        return other_chat
