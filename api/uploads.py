"""Reading uploaded files with a size limit."""

from __future__ import annotations

from fastapi import UploadFile

from api.errors import PayloadTooLargeError


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
