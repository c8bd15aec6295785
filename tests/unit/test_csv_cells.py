"""CSV cells that a spreadsheet would run as a formula are defused (bot.adapters.exports.safe_cell).
The exports over a database are tested in tests/integration/test_export.py."""
from __future__ import annotations

from bot.adapters.exports import safe_cell


def test_safe_cell():
    assert safe_cell("=1+1") == "'=1+1"
    assert safe_cell("+1 818") == "'+1 818"
    assert safe_cell("-5") == "'-5"
    assert safe_cell("@x") == "'@x"
    assert safe_cell("\t=x") == "'\t=x"
    assert safe_cell("Jane") == "Jane"
    assert safe_cell(None) == ""
    assert safe_cell(3) == "3"
