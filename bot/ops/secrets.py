"""Development secrets: created once in var/ (0600 in a 0700 folder) when the environment sets none.

Called by the commands that start services (`python -m bot run`, `shell`, `migrate`), never by
reading the settings, so importing or configuring the project writes nothing.
"""
from __future__ import annotations

import os
import secrets
from dataclasses import replace

from bot.adapters.private_files import FILE_MODE, private_dir
from bot.settings import DEV_SECRETS, VAR_DIR, Settings, dev_secret_path


def ensure_dev_secrets(settings: Settings) -> Settings:
    """The settings with every missing secret filled from (or generated into) var/<name>.secret."""
    missing = {name: None for name in DEV_SECRETS if not getattr(settings, name)}
    if not missing:
        return settings
    private_dir(VAR_DIR, tighten=True)
    for name in missing:
        path = dev_secret_path(name)
        if not path.exists():
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
            with os.fdopen(descriptor, "w") as handle:
                handle.write(secrets.token_hex(32))  # hex: never starts with "-" on a command line
        missing[name] = path.read_text().strip()
    return replace(settings, **missing)
