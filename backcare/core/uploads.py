"""No form on this site takes a file: a file part in a request is refused, never stored."""

from typing import Any

from django.core.exceptions import SuspiciousOperation
from django.core.files.uploadhandler import FileUploadHandler


class FileUploadRefused(SuspiciousOperation):
    """Answered with a 400 (and logged in one line, as the django.security loggers are)."""


class RefuseFileUploads(FileUploadHandler):
    def new_file(self, *args: Any, **kwargs: Any) -> None:
        raise FileUploadRefused("This site does not take file uploads.")

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:  # pragma: no cover
        raise FileUploadRefused("This site does not take file uploads.")

    def file_complete(self, file_size: int) -> None:  # pragma: no cover
        return None
