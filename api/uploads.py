"""Request bodies and uploads: size limits (before reading), safe archive reading, file
name headers."""

from __future__ import annotations

import io
import zipfile
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote

from fastapi import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.errors import BadRequestError, PayloadTooLargeError, ProblemResponse, problem_type
from routing.errors import ScenarioError, ScenarioErrors


def read_upload(file: UploadFile, limit_bytes: int) -> bytes:
    """The upload's bytes; 413 when larger than ``limit_bytes``.

    Synchronous on purpose: Starlette has already spooled the part to a temporary file, and the
    route runs in the thread pool like every other route.
    """
    data = file.file.read(limit_bytes + 1)
    if len(data) > limit_bytes:
        raise PayloadTooLargeError(f"{file.filename or 'upload'} is larger than {limit_bytes} "
                                   "bytes")
    return data


def content_disposition(disposition: str, filename: str) -> str:
    """A ``Content-Disposition`` header value (RFC 6266): an ASCII ``filename`` fallback (every
    other character, quotes and control characters replaced by ``_``) and the exact name as
    ``filename*`` (UTF-8, percent-encoded), so an id with any letters can neither break nor
    inject a header."""

    fallback = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\;' else "_"
                       for ch in filename)
    return (f'{disposition}; filename="{fallback}"; '
            f"filename*=UTF-8''{quote(filename, safe='')}")


class BodyLimitMiddleware:
    """Refuse request bodies over the limit *before reading them*: 413 at once when the
    ``Content-Length`` says so, and as soon as a streamed (chunked) body passes it.

    Runs before routing and authentication, so nobody can make the server read 100 MB to
    answer 401. Limits: ``multipart/form-data`` uploads ``max_upload_bytes``, other bodies
    ``max_body_bytes``; a request carrying no credentials at all (no ``Authorization`` header,
    no cookie) ``max_anonymous_body_bytes``.
    """

    def __init__(self, app: Any, *, upload_bytes: int, body_bytes: int,
                 anonymous_bytes: int) -> None:
        self.app = app
        self.upload_bytes = upload_bytes
        self.body_bytes = body_bytes
        self.anonymous_bytes = anonymous_bytes

    def _limit(self, headers: dict[bytes, bytes]) -> int:
        multipart = headers.get(b"content-type", b"").lower().startswith(b"multipart/")
        limit = self.upload_bytes if multipart else self.body_bytes
        if b"authorization" not in headers and b"cookie" not in headers:
            limit = min(limit, self.anonymous_bytes)
        return limit

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        limit = self._limit(headers)
        length = headers.get(b"content-length")
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                declared = -1
            if declared < 0 or declared > limit:
                await _refuse(scope, receive, send, limit, declared)
                return
        received = 0

        async def limited_receive() -> Any:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise StarletteHTTPException(413, f"the request body is larger than "
                                                 f"{limit} bytes")
            return message

        await self.app(scope, limited_receive, send)


async def _refuse(scope: Any, receive: Any, send: Any, limit: int, declared: int) -> None:

    if declared < 0:
        status, title, detail = 400, "Bad Request", "invalid Content-Length"
        slug = "bad-request"
    else:
        status, title, slug = 413, "Content Too Large", "payload-too-large"
        detail = f"the request body ({declared} bytes) is larger than {limit} bytes"
    response = ProblemResponse(
        {"type": problem_type(slug), "title": title, "status": status, "detail": detail,
         "instance": scope.get("path", "")},
        status_code=status, headers={"Connection": "close"})
    await response(scope, receive, send)


_READ_CHUNK = 1 << 16


def unpack_zip(name: str, content: bytes, wanted: frozenset[str] | set[str],
               *, max_members: int, max_total_bytes: int, max_ratio: int
               ) -> dict[str, bytes]:
    """The members of an uploaded zip whose base name is in ``wanted`` (never a path from the
    archive), read safely.

    Raises
    ------
    BadRequestError
        Not a zip, or too many members.
    ScenarioErrors
        A member that cannot be read (bad CRC, encrypted, unknown compression), naming it (422).
    PayloadTooLargeError
        The members unpack to more than ``max_total_bytes`` together, or one is compressed more
        than ``max_ratio``:1 (a zip bomb); counted while reading, as the headers may lie.
    """


    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, ValueError, EOFError) as exc:
        raise BadRequestError(f"{name} is not a zip file") from exc
    members = [i for i in archive.infolist() if not i.is_dir()]
    if len(members) > max_members:
        raise BadRequestError(f"{name} holds {len(members)} files; expected the scenario files")
    out: dict[str, bytes] = {}
    errors: list[ScenarioError] = []
    total = 0
    for info in members:
        base = PurePosixPath(info.filename).name
        if base not in wanted:
            continue
        if info.flag_bits & 0x1:
            errors.append(ScenarioError(f"{base} in {name} is encrypted; send it unencrypted",
                                        file=base))
            continue
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED,
                                      zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA):
            errors.append(ScenarioError(f"{base} in {name} uses an unknown compression "
                                        f"(method {info.compress_type})", file=base))
            continue
        if info.file_size > max_ratio * max(info.compress_size, 1) + _READ_CHUNK:
            raise PayloadTooLargeError(f"{name}: {base} unpacks to {info.file_size} bytes from "
                                       f"{info.compress_size} (more than {max_ratio}:1)")
        parts: list[bytes] = []
        try:
            with archive.open(info) as member:
                while chunk := member.read(_READ_CHUNK):
                    total += len(chunk)
                    if total > max_total_bytes:
                        raise PayloadTooLargeError(
                            f"{name}: the files unpack to more than {max_total_bytes} bytes "
                            f"(at {base})")
                    parts.append(chunk)
        except PayloadTooLargeError:
            raise
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, EOFError,
                ValueError) as exc:
            # BadZipFile: bad CRC or damaged data; NotImplementedError: compression method;
            # RuntimeError: encryption.
            errors.append(ScenarioError(f"{base} in {name} cannot be read: {exc}", file=base))
            continue
        out[base] = b"".join(parts)
    if errors:
        raise ScenarioErrors(errors)
    return out


def csv_error_row(text: str) -> int | None:
    """The 1-based row of the first bare carriage return (the usual reason Python's csv module
    gives up on a file: "new-line character seen in unquoted field"), else None."""
    for index, line in enumerate(text.split("\n"), start=1):
        if "\r" in line.rstrip("\r"):
            return index
    return None
