"""Client-side flood control: stay under Telegram's limits instead of collecting 429s.

Telegram (and the test double) meter bots: ~30/s overall, ~1/s sustained per private
chat (token buckets), and at most 20 messages to a group in any rolling minute (a window,
so a burst of 20 is followed by silence until the first of them is a minute old). We book send times ahead with the generic
cell rate algorithm (GCRA, a token bucket expressed as a "theoretical arrival time"), run
slightly slower than Telegram (`rate_margin`) and with a smaller burst, so Telegram's bucket
never runs dry even when request arrival times jitter. Booking ahead lets the dispatcher
claim a batch of rows per database round trip and pace their sends in memory.
Times here are monotonic seconds.
"""

from __future__ import annotations

import bisect

from bot.config import DeliverySettings


class Gcra:
    """One send per `1/rate` s on average, at most `burst` back to back."""

    __slots__ = ("interval", "tat", "tolerance")

    def __init__(self, rate: float, burst: float) -> None:
        self.interval = 1.0 / rate
        self.tolerance = (max(burst, 1.0) - 1.0) * self.interval
        self.tat = 0.0  # theoretical arrival time of the next send

    def earliest(self, now: float) -> float:
        """The earliest time the next send conforms."""
        return max(now, self.tat - self.tolerance)

    def book(self, at: float) -> None:
        self.tat = max(self.tat, at) + self.interval

    def idle(self, now: float) -> bool:
        """Fully refilled: forgetting this bucket changes nothing."""
        return self.tat <= now


class RollingWindow:
    """At most `limit` sends in any `window` seconds, booked ahead: the GCRA's interface."""

    __slots__ = ("limit", "times", "window")

    def __init__(self, limit: int, window: float) -> None:
        self.limit = max(1, limit)
        self.window = window
        self.times: list[float] = []  # booked send times, sorted

    def earliest(self, now: float) -> float:
        cutoff = bisect.bisect_right(self.times, now - self.window)
        del self.times[:cutoff]
        if len(self.times) < self.limit:
            return now
        return max(now, self.times[-self.limit] + self.window)

    def book(self, at: float) -> None:
        bisect.insort(self.times, at)

    def idle(self, now: float) -> bool:
        return not self.times or self.times[-1] <= now - self.window


def is_group(chat_id: int) -> bool:
    """Groups, supergroups and channels have negative ids; private chats positive ones."""
    return chat_id < 0


class Limiter:
    """A global bucket, one bucket per recently used chat, and 429 pauses."""

    def __init__(self, settings: DeliverySettings) -> None:
        margin = settings.rate_margin
        self._global = Gcra(settings.global_per_second * margin, settings.global_burst)
        self._private = (settings.per_chat_per_second * margin, float(settings.per_chat_burst))
        # The window is stretched by the margin: 20 per 61.9 s with the default 0.97.
        self._group_limit = settings.group_per_minute
        self._group_window = settings.group_window_seconds / margin
        self._chats: dict[int, Gcra | RollingWindow] = {}
        self._paused: dict[int, float] = {}  # chat -> monotonic time its 429 pause ends
        self._global_paused_until = 0.0
        self._recent_429: list[tuple[float, int]] = []

    def _bucket(self, chat_id: int) -> Gcra | RollingWindow:
        bucket = self._chats.get(chat_id)
        if bucket is None:
            if is_group(chat_id):
                bucket = RollingWindow(self._group_limit, self._group_window)
            else:
                bucket = Gcra(*self._private)
            self._chats[chat_id] = bucket
        return bucket

    # -- booking ---------------------------------------------------------------------------
    def backlog(self, now: float) -> float:
        """How far ahead global send times are booked (<= 0: nothing booked)."""
        return max(self._global.tat - self._global.tolerance, self._global_paused_until) - now

    def reserve(self, chat_id: int, now: float) -> float:
        """Book the earliest conforming send time for one message to this chat."""
        bucket = self._bucket(chat_id)
        at = max(self._global.earliest(now), bucket.earliest(now), self._paused.get(chat_id, 0.0),
                 self._global_paused_until)
        self._global.book(at)
        bucket.book(at)
        return at

    def pause_left(self, chat_id: int, now: float) -> float:
        """Seconds a booked send must still wait because of a 429 that came after booking."""
        return max(self._global_paused_until, self._paused.get(chat_id, 0.0)) - now

    # -- what cannot go now ----------------------------------------------------------------
    def global_wait(self, now: float) -> float:
        return max(self._global_paused_until - now, self._global.earliest(now) - now, 0.0)

    def chat_wait(self, chat_id: int, now: float) -> float:
        bucket = self._chats.get(chat_id)
        wait = bucket.earliest(now) - now if bucket else 0.0
        return max(self._paused.get(chat_id, 0.0) - now, wait, 0.0)

    def limited_chats(self, now: float) -> dict[int, float]:
        """Chats that cannot be sent to right now, with their waits; forgets refilled ones."""
        out: dict[int, float] = {}
        for chat_id, until in list(self._paused.items()):
            if until <= now:
                del self._paused[chat_id]
            else:
                out[chat_id] = until - now
        for chat_id, bucket in list(self._chats.items()):
            if bucket.idle(now):
                del self._chats[chat_id]  # keeps the dict as small as the recent traffic
                continue
            wait = bucket.earliest(now) - now
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
