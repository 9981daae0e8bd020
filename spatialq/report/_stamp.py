"""Reproducible timestamps in Office files (``.xlsx``, ``.docx``) when ``SOURCE_DATE_EPOCH`` is set.

Both formats are ZIP archives whose members carry the time they were written, and whose
``docProps/core.xml`` records ``dcterms:created`` / ``dcterms:modified`` (openpyxl stamps the current
time on every save).  Following the reproducible-builds convention that matplotlib already honours for
PDF and SVG (https://reproducible-builds.org/specs/source-date-epoch/), when the environment variable
``SOURCE_DATE_EPOCH`` (seconds since 1970-01-01 UTC) is set, :func:`pin_zip` rewrites the archive with
that time on every member (clamped to 1980-01-01, the earliest ZIP time) and in both core properties,
keeping the member order, compression and content otherwise.  Unset, files are left as written.
``spatialq run`` sets it for the duration of a study (see ``docs/study.md``), so that two runs of the
same study — serial or parallel — write byte-identical files.
"""

from __future__ import annotations

import datetime
import io
import os
import re
import zipfile
from pathlib import Path

__all__ = ["pin_zip", "source_date"]

_ZIP_MIN = datetime.datetime(1980, 1, 1, tzinfo=datetime.UTC)
_CORE = "docProps/core.xml"
_STAMP = re.compile(rb"(<dcterms:(?:created|modified)\b[^>]*>)[^<]*(</dcterms:(?:created|modified)>)")


def source_date() -> datetime.datetime | None:
    """``SOURCE_DATE_EPOCH`` as an aware UTC datetime (clamped to 1980-01-01), or None when unset or
    not a whole number of seconds."""
    raw = os.environ.get("SOURCE_DATE_EPOCH")
    if raw is None or not raw.strip().isdigit():
        return None
    when = datetime.datetime.fromtimestamp(int(raw.strip()), tz=datetime.UTC)
    return max(when, _ZIP_MIN)


def pin_zip(path: Path) -> None:
    """Rewrite the ZIP archive ``path`` with the :func:`source_date` time on every member and in the
    ``dcterms:created`` / ``dcterms:modified`` core properties; nothing happens when it is unset.

    The archive is rebuilt in memory and written over ``path`` (as the writer wrote it: in place).
    """
    when = source_date()
    if when is None:
        return
    path = Path(path)
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(buf, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == _CORE:
                data = _STAMP.sub(rb"\g<1>" + stamp + rb"\g<2>", data)
            out = zipfile.ZipInfo(info.filename, date_time=when.timetuple()[:6])
            out.compress_type = info.compress_type
            out.external_attr = info.external_attr
            out.create_system = 0
            dst.writestr(out, data)
    path.write_bytes(buf.getvalue())
