"""Where the bundled data lives: one definition for every module that reads ``data/``."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = REPO_ROOT / "data"
BUNDLED_NETWORK = DATA_DIR / "osm" / "samsoe-2020-03-09.osm.bz2"
