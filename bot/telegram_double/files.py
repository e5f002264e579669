"""Files: storing uploads (the humans' and the bot's), getFile, and the file download route."""

from __future__ import annotations

import hashlib

from aiohttp import web

from .models import JSON
from .protocol import ApiError, _Upload
from .state import DoubleState, _StoredFile


class FilesMixin(DoubleState):
    """Stored files by id and by download path."""

    def _store_file(self, content: bytes, name: str | None, mime: str | None, folder: str, ext: str) -> _StoredFile:
        n = next(self._file_counter)
        digest = hashlib.sha1(content + str(n).encode()).hexdigest()
        prefix = "AgAC" if folder == "photos" else "BQAC"
        suffix = ext or (name.rsplit(".", 1)[-1].join((".", "")) if name and "." in name else "")
        stored = _StoredFile(
            file_id=f"{prefix}AgADfake{digest[:24]}",
            file_unique_id=f"AQAD{digest[24:36]}",
            file_path=f"{folder}/file_{n}{suffix}",
            content=content,
            file_name=name,
            mime_type=mime,
        )
        self._files[stored.file_id] = stored
        self._file_paths[stored.file_path] = stored.file_id
        return stored

    @staticmethod
    def _photo_size(stored: _StoredFile) -> JSON:
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "width": 800,
            "height": 600,
            "file_size": len(stored.content),
        }

    @staticmethod
    def _document_json(stored: _StoredFile) -> JSON:
        data: JSON = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
        }
        if stored.file_name:
            data["file_name"] = stored.file_name
        if stored.mime_type:
            data["mime_type"] = stored.mime_type
        return data

    def _upload(self, params: JSON, field: str, folder: str, ext: str) -> _StoredFile:
        value = params.get(field)
        if isinstance(value, str) and value.startswith("attach://"):
            value = params.get(value[len("attach://") :])
        if isinstance(value, _Upload):
            if not value.content:
                raise ApiError(400, "Bad Request: file must be non-empty")
            return self._store_file(value.content, value.filename, value.content_type, folder, ext)
        if isinstance(value, str) and value:
            if value in self._files:
                return self._files[value]
            if value.startswith(("http://", "https://")):
                name = value.rstrip("/").rsplit("/", 1)[-1] or None
                return self._store_file(b"", name, None, folder, ext)
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        raise ApiError(400, f"Bad Request: there is no {field} in the request")

    async def _api_getFile(self, params: JSON) -> JSON:
        stored = self._files.get(str(params.get("file_id") or ""))
        if stored is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
            "file_path": stored.file_path,
        }

    async def _handle_file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        file_id = self._file_paths.get(request.match_info["path"])
        if file_id is None:
            return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)
        stored = self._files[file_id]
        return web.Response(body=stored.content, content_type=stored.mime_type or "application/octet-stream")
