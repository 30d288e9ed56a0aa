"""Files under a root URL, on local disk or in S3, through one interface.

The profile's roots (``landing``, ``lake``, ``truth``) decide the backend by
their scheme: ``s3a://`` or ``s3://`` is a bucket (boto3; endpoint, region and
credentials from the standard ``AWS_*`` environment, so an S3-compatible
server is configuration), anything else a local path. Code that lists,
reads or writes landing files calls :func:`at` and never asks which it got.
Paths below a root are ``/``-separated and relative to it.
"""

from __future__ import annotations

import io
import os
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from fnmatch import fnmatchcase
from functools import cache
from pathlib import Path
from typing import IO

S3_SCHEMES = ("s3a://", "s3://")
# Above this a file being written spills from memory to a temporary file before upload.
SPOOL_BYTES = 64 * 1024 * 1024


class Store(ABC):
    """Files below one root URL: the primitives per backend, the conveniences once."""

    def __init__(self, root: str) -> None:
        self.root = root

    @abstractmethod
    def glob(self, pattern: str) -> list[str]:
        """Relative paths of the files matching ``pattern``, sorted.

        ``*``, ``?`` and ``[...]`` match within one ``/`` segment (no ``**``); a
        name starting with ``.`` (a write in progress) only matches a pattern that does.
        """

    @abstractmethod
    def read_bytes(self, path: str) -> bytes: ...

    @abstractmethod
    def exists(self, path: str) -> bool: ...

    @abstractmethod
    def writer(self, path: str) -> AbstractContextManager[IO[bytes]]:
        """A binary file to write ``path``: readers see the whole file when the block ends, or nothing."""

    @abstractmethod
    def delete(self, path: str) -> None:
        """Remove ``path`` if it is there."""

    def read_text(self, path: str) -> str:
        return self.read_bytes(path).decode("utf-8")

    def write_bytes(self, path: str, data: bytes) -> None:
        with self.writer(path) as out:
            out.write(data)

    def write_text(self, path: str, text: str) -> None:
        self.write_bytes(path, text.encode("utf-8"))

    def touch(self, path: str) -> None:
        """An empty marker file (an arrival in the inbox)."""
        self.write_bytes(path, b"")

    @contextmanager
    def text_writer(self, path: str) -> Iterator[IO[str]]:
        """:meth:`writer` for UTF-8 text with ``\\n`` line ends."""
        with self.writer(path) as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8", newline="\n")
            yield text
            text.flush()
            text.detach()


def at(root: str) -> Store:
    """The store for ``root``, chosen by its scheme."""
    if root.startswith(S3_SCHEMES):
        return S3Store(root)
    return LocalStore(root)


def _split_pattern(pattern: str) -> tuple[str, list[str]]:
    """The literal leading directories of a pattern (a listing prefix), and the segments left to match."""
    parts = pattern.split("/")
    literal = 0
    while literal < len(parts) - 1 and not any(c in parts[literal] for c in "*?["):
        literal += 1
    return "/".join(parts[:literal]), parts[literal:]


def _matches(relative: str, segments: list[str]) -> bool:
    parts = relative.split("/")
    return len(parts) == len(segments) and all(
        fnmatchcase(part, segment) and (segment.startswith(".") or not part.startswith("."))
        for part, segment in zip(parts, segments, strict=True))


class LocalStore(Store):
    """A directory on local disk; a write goes to a hidden temporary file that is renamed into place."""

    def __init__(self, root: str) -> None:
        super().__init__(root)
        self.base = Path(root.removeprefix("file:"))

    def glob(self, pattern: str) -> list[str]:
        found = (p.relative_to(self.base).as_posix() for p in self.base.glob(pattern) if p.is_file())
        return sorted(f for f in found if _matches(f, pattern.split("/")))

    def read_bytes(self, path: str) -> bytes:
        return (self.base / path).read_bytes()

    def exists(self, path: str) -> bool:
        return (self.base / path).exists()

    @contextmanager
    def writer(self, path: str) -> Iterator[IO[bytes]]:
        target = self.base / path
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.tmp")
        try:
            with tmp.open("wb") as out:
                yield out
            tmp.replace(target)
        finally:
            tmp.unlink(missing_ok=True)

    def delete(self, path: str) -> None:
        (self.base / path).unlink(missing_ok=True)


@cache
def _s3_client(endpoint: str | None, region: str | None):
    import boto3  # only the aws profile needs it

    return boto3.client("s3", endpoint_url=endpoint or None, region_name=region or None)


def s3_client():
    """boto3's S3 client for the current ``AWS_*`` environment (one per endpoint and region)."""
    endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    return _s3_client(endpoint, os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION"))


class S3Store(Store):
    """A prefix in a bucket; a single PUT (or multipart upload) makes an object appear whole."""

    def __init__(self, root: str) -> None:
        super().__init__(root)
        bucket, _, prefix = root.split("://", 1)[1].partition("/")
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""

    def _key(self, path: str) -> str:
        return self.prefix + path

    def glob(self, pattern: str) -> list[str]:
        literal, segments = _split_pattern(pattern)
        listing = self.prefix + (literal + "/" if literal else "")
        pages = s3_client().get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=listing)
        found = []
        for page in pages:
            for item in page.get("Contents", []):
                rest = item["Key"][len(listing):]
                if _matches(rest, segments):
                    found.append(f"{literal}/{rest}" if literal else rest)
        return sorted(found)

    def read_bytes(self, path: str) -> bytes:
        return s3_client().get_object(Bucket=self.bucket, Key=self._key(path))["Body"].read()

    def exists(self, path: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            s3_client().head_object(Bucket=self.bucket, Key=self._key(path))
        except ClientError as error:
            if error.response["Error"]["Code"] in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    @contextmanager
    def writer(self, path: str) -> Iterator[IO[bytes]]:
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as buffer:
            yield buffer
            buffer.seek(0)
            s3_client().upload_fileobj(buffer, self.bucket, self._key(path))

    def delete(self, path: str) -> None:
        s3_client().delete_object(Bucket=self.bucket, Key=self._key(path))

