"""The fuzz tier's markup check (tests/fuzz/markup.py) lets the dashboard's own script file through
and nothing else."""
from tests.fuzz.markup import unescaped_markup

OWN = '<script src="/staff/static/staff-live.js"></script>'


def test_the_dashboards_own_script_is_allowed():
    assert unescaped_markup(f"<html><body><p>hi</p>{OWN}</body></html>") == []


def test_any_other_script_is_found_even_beside_the_own_one():
    assert unescaped_markup(f"{OWN}<script>alert(1)</script>")
    assert unescaped_markup('<script src="https://evil.example/x.js"></script>')
    assert unescaped_markup('<img src=x onerror="alert(1)">')
