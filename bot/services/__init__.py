"""Use cases on the caller's Session (App.unit_of_work); import adapters, settings, domain; never Rasa or web."""
