"""A lean HTTP transport for the dispatcher's Bot: PTB's BaseRequest over aiohttp.

Why: measured on the benchmark machine, PTB's default HTTPXRequest spends ~2 ms of CPU per
sendMessage inside httpx/httpcore, which alone breaks the <= 2 ms per message budget for
broadcasts. PTB stays in charge of everything above the socket (parameters, error classes
such as RetryAfter/ChatMigrated/Forbidden, Message objects); only the HTTP client changes.
aiohttp is already a dependency (the test double is built on it).
"""

from __future__ import annotations

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

_DEFAULT = BaseRequest.DEFAULT_NONE


def _given(value: object, default: float) -> float | None:
    """A timeout PTB passed, or ours when it passed none. PTB's documented test is
    `is BaseRequest.DEFAULT_NONE`; its private DefaultValue/ODVInput types are not imported."""
    if value is _DEFAULT:
        return default
    if value is None or isinstance(value, int | float):
        return value
    raise TypeError(f"unexpected timeout {value!r}")


_JSON = {"Content-Type": "application/json", "User-Agent": BaseRequest.USER_AGENT}


class AiohttpRequest(BaseRequest):
    """One aiohttp session with a connection pool of `pool_size` (>= the sends in flight)."""

    def __init__(self, *, pool_size: int = 64, read_timeout: float = 10.0, connect_timeout: float = 5.0,
                 media_timeout: float = 60.0) -> None:
        self._pool_size = pool_size
        self._read_timeout = read_timeout
        self._connect_timeout = connect_timeout
        self._media_timeout = media_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size, limit_per_host=self._pool_size)
            self._session = aiohttp.ClientSession(connector=connector)

    async def shutdown(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = _DEFAULT,
        write_timeout: object = _DEFAULT,
        connect_timeout: object = _DEFAULT,
        pool_timeout: object = _DEFAULT,
    ) -> tuple[int, bytes]:
        if self._session is None:
            raise RuntimeError("AiohttpRequest is not initialized")
        files = request_data is not None and request_data.contains_files
        read = _given(read_timeout, self._media_timeout if files else self._read_timeout)
        connect = _given(connect_timeout, self._connect_timeout)
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=connect, sock_read=read)
        body: aiohttp.FormData | bytes | None = None
        headers: dict[str, str] | None = _JSON
        if request_data is not None and files:
            form = aiohttp.FormData()
            for name, value in request_data.json_parameters.items():
                form.add_field(name, value)
            for name, upload in request_data.multipart_data.items():
                if isinstance(upload, tuple):
                    filename, content, *rest = upload
                    form.add_field(name, content, filename=filename,
                                   content_type=rest[0] if rest else "application/octet-stream")
                else:
                    form.add_field(name, upload)
            body, headers = form, {"User-Agent": BaseRequest.USER_AGENT}
        elif request_data is not None:
            body = request_data.json_payload
        try:
            async with self._session.request(method, url, data=body, headers=headers, timeout=timeout) as response:
                return response.status, await response.read()
        except TimeoutError as exc:
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc
