"""Apply Alembic migrations programmatically (used by `python -m bot migrate` and the tests)."""
from __future__ import annotations

from typing import Optional

from alembic import command
from alembic.config import Config

from bot.adapters.encryption import DataCipher
from bot.settings import PROJECT_ROOT


def alembic_config(database_url: str) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "bot" / "adapters" / "migrations"))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    config.attributes["configure_logging"] = False
    return config


def upgrade(database_url: str, revision: str = "head", cipher: Optional[DataCipher] = None) -> None:
    """Migrate; `cipher` encrypts existing rows (0004), else the settings' keys do when needed."""
    config = alembic_config(database_url)
    config.attributes["data_cipher"] = cipher
    command.upgrade(config, revision)


def downgrade(database_url: str, revision: str, cipher: Optional[DataCipher] = None) -> None:
    config = alembic_config(database_url)
    config.attributes["data_cipher"] = cipher
    command.downgrade(config, revision)
