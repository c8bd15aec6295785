"""The store's tables. Times are UTC with a zone (UTCDateTime); every link is a foreign key.

Schema changes go through Alembic (bot/adapters/migrations); never create_all in production code.
"""
from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.orm import declarative_base, relationship

from bot.adapters.db import StrEnumType, UTCDateTime, utcnow
from bot.adapters.encryption import DataCipher, EncryptedJSON, EncryptedText, Lookup, cipher_of
from bot.domain.statuses import (
    AlertKind,
    AlertPriority,
    AppointmentStatus,
    AuditOutcome,
    CallbackReason,
    CallbackStatus,
    IntakeStatus,
    LiveAuthor,
    LiveChatStatus,
    MailKind,
    OutboxStatus,
    StaffRole,
)

Base = declarative_base()

INTAKE_STATUSES = IntakeStatus.values()
APPOINTMENT_STATUSES = AppointmentStatus.values()


HASH_LENGTH = 64  # an HMAC-SHA256 in hex (bot.adapters.encryption)


class Contact(Base):
    """A visitor's name and contact, encrypted; phone and e-mail also as keyed hashes to match by."""

    __tablename__ = "contacts"
    id = Column(Integer, primary_key=True)
    name = Column(EncryptedText, nullable=False)
    phone = Column(EncryptedText)
    email = Column(EncryptedText)
    phone_hash = Column(String(HASH_LENGTH), index=True)
    email_hash = Column(String(HASH_LENGTH), index=True)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)


class Intake(Base):
    """One visitor conversation's intake: what brings them in, consent, screening, outcome."""

    __tablename__ = "intakes"
    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(128), nullable=False, unique=True)
    contact_id = Column(Integer, ForeignKey("contacts.id", ondelete="SET NULL"))
    concern = Column(String(32))
    other_concerns = Column(JSON, nullable=False, default=list, server_default=text("'[]'"))  # concern keys
    status = Column(StrEnumType(IntakeStatus, 16), nullable=False, default=IntakeStatus.NEW)
    safety_flag = Column(String(32))  # the worst red flag seen (an AlertKind value)
    consent_at = Column(UTCDateTime)
    consent_declined_at = Column(UTCDateTime)
    consultation_only = Column(Boolean, nullable=False, default=False)
    assigned_to_id = Column(Integer, ForeignKey("staff_users.id", ondelete="SET NULL"))  # who handles it
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)

    contact = relationship("Contact")
    assigned_to = relationship("StaffUser")
    appointments = relationship("Appointment", back_populates="intake", order_by="Appointment.id")
    screening_answers = relationship(
        "ScreeningAnswer", back_populates="intake", order_by="ScreeningAnswer.id"
    )
    callbacks = relationship("CallbackRequest", back_populates="intake", order_by="CallbackRequest.id")
    alerts = relationship("Alert", back_populates="intake", order_by="Alert.id")


class Appointment(Base):
    """A booked consultation. At most one *booked* appointment may hold a given start time: the
    partial unique index makes a double booking fail in the database, whoever races for it."""

    __tablename__ = "appointments"
    id = Column(Integer, primary_key=True)
    intake_id = Column(Integer, ForeignKey("intakes.id", ondelete="CASCADE"), nullable=False)
    contact_id = Column(Integer, ForeignKey("contacts.id", ondelete="SET NULL"))
    reference = Column(EncryptedText, nullable=False)
    reference_hash = Column(String(HASH_LENGTH), nullable=False, unique=True)  # found by this
    start_at = Column(UTCDateTime, nullable=False)
    end_at = Column(UTCDateTime, nullable=False)
    status = Column(StrEnumType(AppointmentStatus, 16), nullable=False, default=AppointmentStatus.BOOKED)
    kind = Column(String(32), nullable=False, default="consultation")
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)

    intake = relationship("Intake", back_populates="appointments")
    contact = relationship("Contact")

    __table_args__ = (
        Index(
            "uq_appointments_booked_start",
            "start_at",
            unique=True,
            sqlite_where=text("status = 'booked'"),
            postgresql_where=text("status = 'booked'"),
        ),
    )


class ScreeningAnswer(Base):
    """One structured answer to a screening question, with the flags it raised."""

    __tablename__ = "screening_answers"
    id = Column(Integer, primary_key=True)
    intake_id = Column(Integer, ForeignKey("intakes.id", ondelete="CASCADE"), nullable=False)
    question_key = Column(String(64), nullable=False)
    question_text = Column(Text, nullable=False)
    answer = Column(EncryptedJSON, nullable=False)
    flags = Column(EncryptedJSON, nullable=False, default=list)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)

    intake = relationship("Intake", back_populates="screening_answers")
    __table_args__ = (UniqueConstraint("intake_id", "question_key"),)


class CallbackRequest(Base):
    __tablename__ = "callback_requests"
    id = Column(Integer, primary_key=True)
    intake_id = Column(Integer, ForeignKey("intakes.id", ondelete="CASCADE"), nullable=False)
    name = Column(EncryptedText)
    phone = Column(EncryptedText)
    best_time = Column(EncryptedText)
    reason = Column(StrEnumType(CallbackReason, 64), nullable=False, default=CallbackReason.TALK_TO_PERSON)
    status = Column(StrEnumType(CallbackStatus, 16), nullable=False, default=CallbackStatus.OPEN)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)

    intake = relationship("Intake", back_populates="callbacks")


class Alert(Base):
    """A safety alert for staff: the kind of red flag and the visitor's own words."""

    __tablename__ = "alerts"
    id = Column(Integer, primary_key=True)
    intake_id = Column(Integer, ForeignKey("intakes.id", ondelete="CASCADE"), nullable=False)
    kind = Column(StrEnumType(AlertKind), nullable=False)
    priority = Column(StrEnumType(AlertPriority, 16), nullable=False)
    message = Column(EncryptedText, nullable=False)  # every message of the episode, one per line
    callback_phone = Column(EncryptedText)  # a number left during the episode, for staff to call
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = Column(UTCDateTime)  # the episode's last message
    resolved_at = Column(UTCDateTime)

    intake = relationship("Intake", back_populates="alerts")


class StaffUser(Base):
    """A dashboard account. Never deleted once it has acted (the audit log names it): disabled."""

    __tablename__ = "staff_users"
    id = Column(Integer, primary_key=True)
    email = Column(String(254), nullable=False, unique=True)
    password_hash = Column(String(255), nullable=False)
    role = Column(StrEnumType(StaffRole, 16), nullable=False, default=StaffRole.STAFF)
    failed_logins = Column(Integer, nullable=False, default=0)
    locked_until = Column(UTCDateTime)
    disabled_at = Column(UTCDateTime)  # set: no sign-in, every session revoked
    totp_secret = Column(EncryptedText)  # base32; pending until totp_enabled_at is set
    totp_enabled_at = Column(UTCDateTime)
    totp_last_step = Column(Integer)  # the last accepted code's time step: a code works once
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)

    @property
    def is_admin(self) -> bool:
        return self.role == StaffRole.ADMIN


class StaffSession(Base):
    """A signed-in browser: the cookie holds a random id, this table only its SHA-256, so a copy of
    the database signs nobody in. `verified_at` is set once the second factor is checked (until
    then the session may only finish signing in); `reauthenticated_at` dates the last password or
    code entered again (exports ask for one within minutes)."""

    __tablename__ = "staff_sessions"
    id = Column(Integer, primary_key=True)
    token_hash = Column(String(HASH_LENGTH), nullable=False, unique=True)
    staff_user_id = Column(Integer, ForeignKey("staff_users.id", ondelete="CASCADE"), nullable=False,
                           index=True)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    last_seen_at = Column(UTCDateTime, nullable=False, default=utcnow)
    verified_at = Column(UTCDateTime)
    reauthenticated_at = Column(UTCDateTime)
    ip = Column(String(64))
    user_agent = Column(String(255))
    revoked_at = Column(UTCDateTime)


class StaffRecoveryCode(Base):
    """One of a user's one-time recovery codes (for a lost authenticator), stored as a SHA-256."""

    __tablename__ = "staff_recovery_codes"
    id = Column(Integer, primary_key=True)
    staff_user_id = Column(Integer, ForeignKey("staff_users.id", ondelete="CASCADE"), nullable=False)
    code_hash = Column(String(HASH_LENGTH), nullable=False)
    used_at = Column(UTCDateTime)

    __table_args__ = (UniqueConstraint("staff_user_id", "code_hash"),)


class StatusChange(Base):
    __tablename__ = "status_changes"
    id = Column(Integer, primary_key=True)
    intake_id = Column(Integer, ForeignKey("intakes.id", ondelete="CASCADE"), nullable=False)
    from_status = Column(String(16))
    to_status = Column(String(16), nullable=False)
    staff_user_id = Column(Integer, ForeignKey("staff_users.id", ondelete="SET NULL"))
    changed_at = Column(UTCDateTime, nullable=False, default=utcnow)


class StaffNote(Base):
    __tablename__ = "staff_notes"
    id = Column(Integer, primary_key=True)
    intake_id = Column(Integer, ForeignKey("intakes.id", ondelete="CASCADE"), nullable=False)
    staff_user_id = Column(Integer, ForeignKey("staff_users.id", ondelete="SET NULL"))
    text = Column(EncryptedText, nullable=False)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)


class AuditEntry(Base):
    """Who did what, when, from where, with what outcome: every read of patient data and every
    change. Append-only: written only by bot.services.staff.audit.record_audit, never updated or
    deleted by the application (see the guard below); `seq` numbers the entries without gaps and
    `row_hash` chains each to the one before (bot.domain.audit_chain). `intake_id` is a plain
    number, not a foreign key: an erased intake's entries stay as written."""

    __tablename__ = "audit_log"
    id = Column(Integer, primary_key=True)
    seq = Column(Integer, nullable=False, unique=True)
    staff_user_id = Column(Integer, ForeignKey("staff_users.id"))
    action = Column(String(64), nullable=False)
    intake_id = Column(Integer)
    detail = Column(Text)
    ip = Column(String(64))
    outcome = Column(StrEnumType(AuditOutcome, 16), nullable=False, default=AuditOutcome.OK)
    at = Column(UTCDateTime, nullable=False, default=utcnow)
    prev_hash = Column(String(HASH_LENGTH), nullable=False)
    row_hash = Column(String(HASH_LENGTH), nullable=False)


class AuditLogIsAppendOnly(RuntimeError):
    """Raised when code tries to change or delete an audit entry through the ORM."""


@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditEntry, "before_delete")
def _refuse_audit_change(_mapper, _connection, entry: AuditEntry) -> None:
    raise AuditLogIsAppendOnly(f"audit entry {entry.seq} cannot be changed or deleted")


class OutboxMessage(Base):
    """An e-mail waiting to go out, written in the same transaction as what it reports (a booking,
    a cancellation, an alert), so an SMTP outage loses nothing: the sender (bot.composition.
    deliver_outbox) retries it. `dedupe_key` is unique: a reminder for one appointment time is
    queued once, whoever races to queue it."""

    __tablename__ = "outbox"
    id = Column(Integer, primary_key=True)
    kind = Column(StrEnumType(MailKind, 32), nullable=False)
    # Recipient, subject, body and attachments (the .ics names the patient) are stored encrypted.
    recipient = Column(EncryptedText)  # None: no address configured (the message is held)
    subject = Column(EncryptedText, nullable=False)
    body = Column(EncryptedText, nullable=False)
    attachments = Column(EncryptedJSON, nullable=False, default=list)  # [{filename, subtype, params, content}]
    status = Column(StrEnumType(OutboxStatus, 16), nullable=False)
    attempts = Column(Integer, nullable=False, default=0)
    last_error = Column(Text)
    next_attempt_at = Column(UTCDateTime, nullable=False, default=utcnow)
    intake_id = Column(Integer, ForeignKey("intakes.id", ondelete="SET NULL"))
    appointment_id = Column(Integer, ForeignKey("appointments.id", ondelete="SET NULL"))
    dedupe_key = Column(String(120), unique=True)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    sent_at = Column(UTCDateTime)

    __table_args__ = (Index("ix_outbox_status_next", "status", "next_attempt_at"),)
class LiveChat(Base):
    """A visitor's conversation handed to staff (bot.services.live). While it is waiting or taken
    the gateway keeps the visitor's messages here instead of passing them to Rasa; the partial
    unique index allows one such open chat per conversation, whoever races to open it."""

    __tablename__ = "live_chats"
    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(128), nullable=False, index=True)
    intake_id = Column(Integer, ForeignKey("intakes.id", ondelete="SET NULL"))
    status = Column(StrEnumType(LiveChatStatus, 16), nullable=False, default=LiveChatStatus.WAITING)
    requested_at = Column(UTCDateTime, nullable=False, default=utcnow)
    taken_by_id = Column(Integer, ForeignKey("staff_users.id", ondelete="SET NULL"))
    taken_at = Column(UTCDateTime)
    ended_at = Column(UTCDateTime)

    intake = relationship("Intake")
    taken_by = relationship("StaffUser")
    messages = relationship("LiveMessage", back_populates="chat", order_by="LiveMessage.id")

    __table_args__ = (
        Index(
            "uq_live_chats_open_conversation",
            "conversation_id",
            unique=True,
            sqlite_where=text("status IN ('waiting', 'taken')"),
            postgresql_where=text("status IN ('waiting', 'taken')"),
        ),
    )


class LiveMessage(Base):
    """One line of a live chat; a staff line keeps the name shown for its author when written."""

    __tablename__ = "live_messages"
    id = Column(Integer, primary_key=True)
    chat_id = Column(Integer, ForeignKey("live_chats.id", ondelete="CASCADE"), nullable=False, index=True)
    author = Column(StrEnumType(LiveAuthor, 16), nullable=False)
    staff_user_id = Column(Integer, ForeignKey("staff_users.id", ondelete="SET NULL"))
    author_name = Column(String(120))
    text = Column(EncryptedText, nullable=False)
    at = Column(UTCDateTime, nullable=False, default=utcnow)

    chat = relationship("LiveChat", back_populates="messages")


def hash_contact(contact: Contact, cipher: DataCipher) -> None:
    contact.phone_hash = cipher.lookup_hash(Lookup.PHONE, contact.phone) if contact.phone else None
    contact.email_hash = cipher.lookup_hash(Lookup.EMAIL, contact.email) if contact.email else None


def hash_reference(appointment: Appointment, cipher: DataCipher) -> None:
    appointment.reference_hash = cipher.lookup_hash(Lookup.REFERENCE, appointment.reference)


# The lookup hashes follow the encrypted values they stand for, whoever sets those.
@event.listens_for(Contact, "before_insert")
@event.listens_for(Contact, "before_update")
def _hash_contact(_mapper, connection, contact: Contact) -> None:
    hash_contact(contact, cipher_of(connection.dialect))


@event.listens_for(Appointment, "before_insert")
@event.listens_for(Appointment, "before_update")
def _hash_reference(_mapper, connection, appointment: Appointment) -> None:
    hash_reference(appointment, cipher_of(connection.dialect))
