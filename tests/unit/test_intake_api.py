"""What the intake service (bot.services.intake) offers its callers. Its use cases over a
database are tested in tests/integration/test_intake_service.py."""
from __future__ import annotations

from bot.services import intake as intake_service


def test_public_api():
    assert set(intake_service.__all__) >= {
        "book", "cancel_booking", "find_booking", "record_alert", "record_consent", "reschedule_booking",
        "save_callback", "save_screening_answer", "set_concern", "set_consultation_only", "taken_starts",
        "SlotTaken"}
