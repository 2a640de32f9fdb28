"""Built-in code set files shipped with ClaimDesk (CSV, UTF-8, header ``code,description``).

Every description in these files is ClaimDesk's own short wording, written for this project:

- ``hcpcs_starter.csv``: a starter set of common HCPCS Level II codes (the code numbers are public
  CMS data; the wording is ours). Import the CMS annual file for the full set.
- ``cpt_demo.csv``: common CPT code *numbers* with demo wording. These are NOT the AMA's CPT
  descriptors, which are licensed; a site imports its licensed AMA file to replace them.
- ``modifiers.csv``, ``pos.csv``, ``carc.csv``, ``rarc.csv``: procedure modifiers, place of
  service codes, claim adjustment reason codes and remittance advice remark codes. The code values
  belong to CMS and X12; the descriptions are short paraphrases, not the official text.

The loader lives in ``core.services.codesets``; this package only holds the data.
"""

from __future__ import annotations

import csv
import io
from importlib import resources

FILES = {
    "hcpcs": "hcpcs_starter.csv",
    "cpt": "cpt_demo.csv",
    "modifier": "modifiers.csv",
    "pos": "pos.csv",
    "carc": "carc.csv",
    "rarc": "rarc.csv",
}


def read_rows(kind: str) -> list[tuple[str, str]]:
    """The (code, description) pairs of the built-in file for ``kind``, in file order."""
    text = resources.files(__package__).joinpath(FILES[kind]).read_text(encoding="utf-8")
    reader = csv.DictReader(io.StringIO(text))
    return [(row["code"].strip(), row["description"].strip()) for row in reader]
