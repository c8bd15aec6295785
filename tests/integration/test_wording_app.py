"""The App (bot.composition) loads the wording catalog its settings name: another language is
another file. The catalog itself is checked in tests/unit/test_wording.py."""
from __future__ import annotations

from pathlib import Path


def test_a_second_language_is_a_second_file(tmp_path: Path, profile):
    from dataclasses import replace

    from bot.composition import build_app
    from tests.support import settings_for

    spanish = tmp_path / "messages.es.yml"
    spanish.write_text("greet: Hola, soy el asistente automático de {clinic_name}.\n", encoding="utf-8")
    app = build_app(replace(settings_for(f"sqlite:///{tmp_path / 'db.sqlite'}"), clinic_language="es",
                            clinic_messages=spanish))
    try:
        assert app.wording.language == "es"
        assert app.wording.text("greet") == f"Hola, soy el asistente automático de {profile.name}."
    finally:
        app.close()
