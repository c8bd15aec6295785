"""Database, migrations, mail, exports, Rasa events and API, spaCy pipeline; import only settings and domain."""
