"""The layers hold: core and db import without Textual; import-linter's contracts pass."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import sys, pkgutil, importlib
import {pkg}
for mod in pkgutil.walk_packages({pkg}.__path__, "{pkg}."):
    if ".migrations" in mod.name:
        continue
    importlib.import_module(mod.name)
bad = sorted(m for m in sys.modules if m.split(".")[0] in ("textual", "rich", "tui", "cli"))
print(",".join(bad))
"""


@pytest.mark.parametrize("pkg", ["core", "db", "sample_data"])
def test_lower_layers_import_without_textual(pkg):
    """Static contracts miss imports deferred into functions; a fresh interpreter does not."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(pkg=pkg)], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"{pkg} pulled in: {result.stdout.strip()}"


def test_db_does_not_import_core():
    probe = (
        "import sys, importlib, pkgutil, db\n"
        "for m in pkgutil.walk_packages(db.__path__, 'db.'):\n"
        "    '.migrations' in m.name or importlib.import_module(m.name)\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in ('core','tui','cli'))))"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


def test_import_linter_contracts_pass():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout
