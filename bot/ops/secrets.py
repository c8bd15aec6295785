"""Development secrets: created once in var/ (0600 in a 0700 folder) when the environment sets none.

Called by the commands that start services (`python -m bot run`, `shell`, `migrate`), never by
reading the settings, so importing or configuring the project writes nothing.
"""
from __future__ import annotations

import os
import secrets
from dataclasses import replace

from cryptography.fernet import Fernet

from bot.adapters.private_files import FILE_MODE, private_dir
from bot.settings import DEV_SECRETS, VAR_DIR, Settings, dev_secret_path, load_settings


def _new_secret(name: str) -> str:
    """A fresh value: a Fernet key for data_keys (url-safe base64, 32 bytes), hex otherwise (hex
    never starts with "-" on a command line)."""
    return Fernet.generate_key().decode() if name == "data_keys" else secrets.token_hex(32)


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
                handle.write(_new_secret(name))
    # Read back through the settings, which parse each file (data_keys is a list of keys).
    stored = load_settings()
    return replace(settings, **{name: getattr(stored, name) for name in missing})
