"""pyx12 as the referee in tests, through ClaimDesk's own wrapper (core.x12.pyx12_check, which
tests/unit/test_pyx12_check.py holds to pyx12's raw verdicts on the public samples).

Stock maps by default; ``maps_with_shared`` adds the maps in ../shared/x12-maps (270 and the
277 X212, which pyx12 4.0.0 does not ship)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

SHARED_MAPS = Path(__file__).resolve().parents[1].parent / "shared" / "x12-maps"


def maps_with_shared(tmp_path_factory, needed: tuple[str, ...] = ()) -> Path:
    """A map folder: pyx12's stock maps plus the shared ones (skips if missing)."""
    pyx12 = pytest.importorskip("pyx12")
    if not all((SHARED_MAPS / n).exists() for n in (*needed, "maps.xml")):
        pytest.skip(f"the shared maps are not at {SHARED_MAPS}")
    target = tmp_path_factory.mktemp("pyx12") / "map"
    shutil.copytree(Path(pyx12.__file__).parent / "map", target)
    for item in SHARED_MAPS.glob("*.xml"):
        shutil.copy(item, target / item.name)
    return target


def referee(map_dir: Path | None, text: str, tmp_path: Path | None = None) -> tuple[bool, list]:
    """(pyx12's verdict, its findings as sentences) for ``text``."""
    from core.x12.pyx12_check import validate_x12

    report = validate_x12(text, map_path=str(map_dir) if map_dir else None)
    return report.ok, [str(f) for f in report.findings]
