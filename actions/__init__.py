"""Custom actions (rasa-sdk). Each action reads the tracker, calls a function in `bot/`, and
returns events; the business logic lives in `bot/`."""
