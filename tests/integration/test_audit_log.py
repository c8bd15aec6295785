"""The audit log as issue #11 asks, on SQLite and PostgreSQL: one writer (record_audit) that chains
every entry, `python -m bot audit verify` finding an entry changed or deleted in SQL, no update or
delete path in the application, concurrent writers that never fork the chain, the migration
chaining the entries written before it, and the CLI read-outs audited."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from bot.adapters.db import make_engine, session_scope, utcnow
from bot.adapters.migrate import upgrade
from bot.adapters.models import AuditEntry, AuditLogIsAppendOnly
from bot.cli import main
from bot.domain.audit_chain import GENESIS
from bot.domain.statuses import AuditOutcome, StaffRole
from bot.services.staff.audit import record_audit, verify_chain
from bot.services.staff_accounts import add_user
from tests.support import TEST_KEY_ENV, fixed_cipher

PASSWORD = "correct horse battery"


@pytest.fixture
def cli_env(database_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", database_url)
    for name, value in TEST_KEY_ENV.items():
        monkeypatch.setenv(name, value)
    return database_url


def write_entries(engine, count: int = 5) -> int:
    with session_scope(engine) as session:
        uid = add_user(session, "admin@clinic.example", PASSWORD, role=StaffRole.ADMIN).id
    for n in range(count):
        with session_scope(engine, for_write=True) as session:
            record_audit(session, uid, "view_intake", n + 1, ip="192.0.2.10",
                         outcome=AuditOutcome.DENIED if n == 2 else AuditOutcome.OK)
    return uid


def test_entries_are_chained_and_verify(engine, cli_env, capsys):
    write_entries(engine)
    with session_scope(engine) as session:
        entries = session.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars().all()
        assert verify_chain(session) == (5, None)
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0].prev_hash == GENESIS
    assert all(later.prev_hash == earlier.row_hash for earlier, later in zip(entries, entries[1:], strict=False))
    assert str(entries[2].outcome) == "denied" and entries[2].ip == "192.0.2.10"
    assert main(["audit", "verify"]) == 0
    assert "audit log intact: 5 entries" in capsys.readouterr().out


@pytest.mark.parametrize("tamper, seq", [
    ("UPDATE audit_log SET detail = 'nothing to see' WHERE seq = 3", 3),
    ("UPDATE audit_log SET outcome = 'ok' WHERE seq = 3", 3),
    ("UPDATE audit_log SET staff_user_id = NULL WHERE seq = 4", 4),
    ("DELETE FROM audit_log WHERE seq = 2", 3),
    ("DELETE FROM audit_log WHERE seq = 1", 2),
])
def test_tampering_in_sql_is_found_at_the_first_broken_link(engine, cli_env, capsys, tamper, seq):
    write_entries(engine)
    with session_scope(engine) as session:
        session.execute(text(tamper))
    assert main(["audit", "verify"]) == 1
    assert f"audit log BROKEN at entry {seq}:" in capsys.readouterr().err


def test_the_application_cannot_change_or_delete_an_entry(engine):
    write_entries(engine, 1)
    with pytest.raises(AuditLogIsAppendOnly), session_scope(engine) as session:
        session.execute(select(AuditEntry)).scalar_one().detail = "changed"
    with pytest.raises(AuditLogIsAppendOnly), session_scope(engine) as session:
        session.delete(session.execute(select(AuditEntry)).scalar_one())
    with session_scope(engine) as session:
        assert verify_chain(session) == (1, None)


def test_concurrent_writers_never_fork_the_chain(engine, database_url):
    """Writers in parallel transactions, each taking a moment before committing: on PostgreSQL
    they race for the same `seq`; the unique constraint turns the loser back to retry."""
    uid = write_entries(engine, 1)
    writers, each = 4, 5
    errors: list[BaseException] = []
    start = threading.Barrier(writers)

    def writer(n: int) -> None:
        try:
            start.wait()
            for k in range(each):
                with session_scope(engine, for_write=True) as session:
                    record_audit(session, uid, "view_queue", detail=f"writer {n} entry {k}")
                    session.execute(text("SELECT 1"))  # hold the transaction open a little
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    with session_scope(engine) as session:
        seqs = session.execute(select(AuditEntry.seq).order_by(AuditEntry.seq)).scalars().all()
        assert seqs == list(range(1, 1 + 1 + writers * each))
        assert verify_chain(session) == (len(seqs), None)


def test_a_writer_that_loses_the_race_retries_on_top_of_the_winner(engine, database_url):
    """B reads the chain's end while A's entry is not committed yet, so both take number 2; B's
    insert waits on A's row, fails when A commits, and is retried as number 3."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite lets one writer at a time in (BEGIN IMMEDIATE): no race to lose")
    uid = write_entries(engine, 1)
    seen: list[int] = []
    with session_scope(engine) as first:
        record_audit(first, uid, "view_today")  # number 2, not committed

        def second_writer() -> None:
            with session_scope(engine) as second:
                seen.append(record_audit(second, uid, "view_alerts").seq)

        thread = threading.Thread(target=second_writer)
        thread.start()
        thread.join(timeout=2)
        assert thread.is_alive()  # waiting on the unique index for A's number 2
    thread.join(timeout=30)  # A committed: B retried
    assert seen == [3]
    with session_scope(engine) as session:
        assert verify_chain(session) == (3, None)


def test_migration_chains_the_entries_written_before_it(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0006")
    engine = make_engine(url, fixed_cipher())
    now = utcnow()
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO staff_users (email, password_hash, is_admin, failed_logins, created_at) "
                          "VALUES ('a@clinic.example', 'x', 1, 0, :at)"), {"at": now.replace(tzinfo=None)})
        for n in range(3):
            conn.execute(text("INSERT INTO audit_log (staff_user_id, action, detail, at) VALUES (1, 'login', :d, :at)"),
                         {"d": f"old {n}", "at": (now + timedelta(seconds=n)).replace(tzinfo=None)})
    upgrade(url)
    with session_scope(engine) as session:
        assert verify_chain(session) == (3, None)
        assert session.execute(text("SELECT role FROM staff_users")).scalar() == "admin"
        record_audit(session, 1, "view_queue")
    with session_scope(engine) as session:
        assert verify_chain(session) == (4, None)
    engine.dispose()


def test_cli_read_outs_are_audited(engine, cli_env, capsys, tmp_path):
    assert main(["intakes"]) == 0
    assert main(["intake", "999"]) == 1
    assert main(["export", "--csv", str(tmp_path / "out" / "intakes.csv")]) == 0
    capsys.readouterr()
    with session_scope(engine) as session:
        rows = session.execute(select(AuditEntry.action, AuditEntry.intake_id, AuditEntry.outcome, AuditEntry.ip)
                               .order_by(AuditEntry.seq)).all()
    assert [(a, i, str(o), ip) for a, i, o, ip in rows] == [
        ("cli_list_intakes", None, "ok", "local"), ("cli_view_intake", 999, "failed", "local"),
        ("cli_export", None, "ok", "local")]

