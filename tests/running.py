"""Running the ``kb`` command in a test: its output, and the rows of its report."""

from __future__ import annotations

import re

from click.testing import CliRunner, Result

from kb.cli import cli


def kb(*args: object) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], prog_name="kb")


def rows(output: str) -> dict[str, list[str]]:
    """The rows of the report's table, by source id: [status, holds, passages, bytes]."""
    found = {}
    for line in output.splitlines():
        cells = re.split(r"\s{2,}", line.strip())
        if (
            cells[0] != "source"
            and re.fullmatch(r"[a-z0-9][a-z0-9-]+", cells[0])
            and len(cells) >= 4
        ):
            found[cells[0]] = cells[1:]
    return found
