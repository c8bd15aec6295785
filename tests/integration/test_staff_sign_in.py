"""Staff sign-in as the issue #11 asks, through Starlette's TestClient on SQLite and PostgreSQL:
TOTP enrolment (QR code, secret, confirmation, ten recovery codes) and the code step, codes not
reusable, server-side sessions (only a hash stored; idle timeout, absolute lifetime, sign-out,
password change and disable end them; a copied cookie dies), throttling per address, the password
policy at a password change, and re-authentication by a TOTP code for an export."""
from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select, text, update
from starlette.testclient import TestClient

from bot.adapters.db import make_engine, session_scope, utcnow
from bot.adapters.models import AuditEntry, StaffRecoveryCode, StaffSession, StaffUser
from bot.domain.statuses import StaffRole
from bot.services.staff_accounts import add_user, set_disabled, set_password
from bot.web.app import create_app
from tests.integration.test_staff_web import ADMIN, NURSE, PASSWORD, csrf_from, make_settings, seed_intake

COOKIE = "clinic_staff"


@pytest.fixture
def settings(database_url):
    return make_settings(database_url, staff_require_totp=True)


@pytest.fixture
def users(engine):
    with session_scope(engine) as session:
        return {"admin": add_user(session, ADMIN, PASSWORD, role=StaffRole.ADMIN).id,
                "nurse": add_user(session, NURSE, PASSWORD).id}


@pytest.fixture
def client(settings, users):
    with TestClient(create_app(settings), follow_redirects=False) as c:
        yield c


def password_step(client: TestClient, email: str = NURSE, password: str = PASSWORD, next_url: str = ""):
    token = csrf_from(client.get("/staff/login").text)
    return client.post("/staff/login", data={"csrf_token": token, "email": email, "password": password,
                                             "next": next_url})


def enrol(client: TestClient, email: str = NURSE) -> tuple[pyotp.TOTP, list[str]]:
    """Sign in for the first time: password, enrolment page, first code; the app and the codes."""
    response = password_step(client, email)
    assert response.status_code == 303 and response.headers["location"].startswith("/staff/enrol?")
    page = client.get(response.headers["location"])
    assert page.status_code == 200 and "<svg" in page.text and 'class="segno"' in page.text
    secret = re.search(r'<code id="totp-secret">([A-Z2-7]+)</code>', page.text).group(1)
    totp = pyotp.TOTP(secret)
    done = client.post("/staff/enrol", data={"csrf_token": csrf_from(page.text), "code": totp.now(),
                                             "next": "/staff"})
    assert done.status_code == 200, done.text
    codes = re.findall(r"<li><code>([0-9a-f]{5}-[0-9a-f]{5})</code></li>", done.text)
    return totp, codes


def code_step(client: TestClient, code: str):
    page = client.get("/staff/login/code")
    return client.post("/staff/login/code", data={"csrf_token": csrf_from(page.text), "code": code,
                                                  "next": "/staff"})


def next_code(totp: pyotp.TOTP) -> str:
    """The code of the next 30-second step (accepted: one step of clock drift is allowed)."""
    return totp.at(utcnow() + timedelta(seconds=totp.interval))


def test_first_sign_in_enrols_totp_and_a_half_signed_in_session_reads_nothing(client, engine, users):
    seed_intake(engine, name="Secret Patient")
    response = password_step(client)
    assert response.headers["location"] == "/staff/enrol?next=%2Fstaff"
    assert client.get("/staff").status_code == 303  # the password alone signs nobody in
    assert client.get("/staff/intakes/1").status_code == 303
    page = client.get("/staff/enrol")
    assert "Secret Patient" not in page.text
    wrong = client.post("/staff/enrol", data={"csrf_token": csrf_from(page.text), "code": "000000"})
    assert wrong.status_code == 401 and "not right" in wrong.text
    secret = re.search(r'<code id="totp-secret">([A-Z2-7]+)</code>', page.text).group(1)
    done = client.post("/staff/enrol", data={"csrf_token": csrf_from(page.text), "code": pyotp.TOTP(secret).now(),
                                             "next": "/staff"})
    codes = re.findall(r"<li><code>([0-9a-f]{5}-[0-9a-f]{5})</code></li>", done.text)
    assert len(set(codes)) == 10
    assert client.get("/staff").status_code == 200
    with session_scope(engine) as session:
        stored = session.execute(text("SELECT totp_secret FROM staff_users WHERE email = :e"), {"e": NURSE}).scalar()
        hashes = session.execute(select(StaffRecoveryCode.code_hash)).scalars().all()
    assert stored and secret not in stored  # encrypted at rest
    assert len(hashes) == 10 and not any(code.replace("-", "") in hashes for code in codes)


def last_used_code(engine, totp: pyotp.TOTP, email: str = NURSE) -> str:
    """The code of the last accepted time step (taken from the database, not the clock, so the test
    does not depend on where in a 30-second step it runs)."""
    with session_scope(engine) as session:
        step = session.execute(select(StaffUser.totp_last_step).where(StaffUser.email == email)).scalar_one()
    return totp.at(step * totp.interval)


def test_codes_work_once_and_recovery_codes_once(client, engine, users):
    totp, codes = enrol(client)
    client.cookies.clear()
    password_step(client)
    assert code_step(client, last_used_code(engine, totp)).status_code == 401  # the enrolment's code
    assert client.get("/staff").status_code == 303
    fresh = next_code(totp)
    assert code_step(client, fresh).status_code == 303
    assert client.get("/staff").status_code == 200
    client.cookies.clear()
    password_step(client)
    assert code_step(client, fresh).status_code == 401  # used a moment ago
    assert code_step(client, codes[0].upper()).status_code == 303  # a recovery code, any case
    client.cookies.clear()
    password_step(client)
    assert code_step(client, codes[0]).status_code == 401  # used up
    with session_scope(engine) as session:
        actions = session.execute(select(AuditEntry.action).where(AuditEntry.staff_user_id == users["nurse"])
                                  .order_by(AuditEntry.seq)).scalars().all()
    assert actions.count("login_code_failed") == 3 and "totp_enrolled" in actions


def test_only_a_hash_of_the_session_id_is_stored(client, engine):
    enrol(client)
    cookie = client.cookies.get(COOKIE)
    with session_scope(engine) as session:
        rows = session.execute(select(StaffSession)).scalars().all()
    live = [row for row in rows if row.revoked_at is None]
    assert len(live) == 1 and live[0].verified_at is not None and live[0].ip == "testclient"
    assert all(re.fullmatch(r"[0-9a-f]{64}", row.token_hash) for row in rows)
    # The half-signed-in session of the password step was replaced, not promoted.
    assert len(rows) == 2 and rows[0].revoked_at is not None
    assert not any(row.token_hash in cookie for row in rows)


def test_idle_timeout_and_absolute_lifetime_end_the_session(client, engine):
    enrol(client)
    assert client.get("/staff").status_code == 200
    with session_scope(engine) as session:
        session.execute(update(StaffSession).values(last_seen_at=utcnow() - timedelta(minutes=16)))
    assert client.get("/staff").status_code == 303  # idle for more than 15 minutes
    with session_scope(engine) as session:  # idle no longer, but the session stays ended
        session.execute(update(StaffSession).values(last_seen_at=utcnow()))
    assert client.get("/staff").status_code == 303

    totp = pyotp.TOTP(_secret(engine, NURSE))
    client.cookies.clear()
    password_step(client)
    assert code_step(client, next_code(totp)).status_code == 303
    assert client.get("/staff").status_code == 200
    with session_scope(engine) as session:
        session.execute(update(StaffSession).where(StaffSession.revoked_at.is_(None))
                        .values(created_at=utcnow() - timedelta(hours=12, minutes=1)))
    assert client.get("/staff").status_code == 303  # older than STAFF_SESSION_HOURS, though in use


def _secret(engine, email: str) -> str:
    with session_scope(engine) as session:
        return session.execute(select(StaffUser).where(StaffUser.email == email)).scalar_one().totp_secret


def test_copied_cookie_dies_at_sign_out_password_reset_and_disable(client, settings, engine):
    enrol(client)
    totp = pyotp.TOTP(_secret(engine, NURSE))

    def copy_of_cookie() -> TestClient:
        thief = TestClient(create_app(settings), follow_redirects=False)
        thief.cookies.set(COOKIE, client.cookies.get(COOKIE), path="/staff")
        assert thief.get("/staff").status_code == 200  # a live copy works like the original
        return thief

    thief = copy_of_cookie()
    client.post("/staff/logout", data={"csrf_token": csrf_from(client.get("/staff").text)})
    assert thief.get("/staff").status_code == 303

    password_step(client)
    code_step(client, next_code(totp))
    thief = copy_of_cookie()
    with session_scope(engine) as session:
        set_password(session, NURSE, "a brand new long password")
    assert thief.get("/staff").status_code == 303 and client.get("/staff").status_code == 303


def test_disable_ends_every_session_and_enable_lets_them_back(client, engine, users):
    totp, codes = enrol(client)
    with session_scope(engine) as session:
        set_disabled(session, NURSE, True)
    assert client.get("/staff").status_code == 303
    client.cookies.clear()
    refused = password_step(client)
    assert refused.status_code == 401 and "not right" in refused.text  # like a wrong password
    with session_scope(engine) as session:
        set_disabled(session, NURSE, False)
    assert password_step(client).headers["location"].startswith("/staff/login/code")
    assert code_step(client, codes[1]).status_code == 303


def test_password_change_follows_the_policy_and_ends_every_session(client, settings, engine):
    totp, codes = enrol(client)
    thief = TestClient(create_app(settings), follow_redirects=False)
    thief.cookies.set(COOKIE, client.cookies.get(COOKIE), path="/staff")
    token = csrf_from(client.get("/staff/account").text)

    def change(current: str, new: str, repeat: str | None = None):
        return client.post("/staff/account/password", data={"csrf_token": token, "current": current, "new": new,
                                                              "repeat": new if repeat is None else repeat})

    assert "too short" in change(PASSWORD, "short").text
    assert "too common" in change(PASSWORD, "Password2026!").text
    assert "contains the e-mail address" in change(PASSWORD, "the best nurse in town").text
    assert "differ" in change(PASSWORD, "tulips and a red bicycle", "tulips and a blue bicycle").text
    assert "current password is not right" in change("wrong password!", "tulips and a red bicycle").text
    assert client.get("/staff").status_code == 200  # refused changes leave the session alone
    done = change(PASSWORD, "tulips and a red bicycle")
    assert done.status_code == 303 and done.headers["location"] == "/staff/login"
    assert client.get("/staff").status_code == 303 and thief.get("/staff").status_code == 303
    assert password_step(client, password=PASSWORD).status_code == 401
    assert password_step(client, password="tulips and a red bicycle").status_code == 303


def test_throttled_per_address_though_the_password_is_right(database_url, users):
    settings = make_settings(database_url, staff_require_totp=True, staff_signin_failures_per_ip=2,
                             staff_lockout_attempts=50)
    with TestClient(create_app(settings), follow_redirects=False) as client:
        assert password_step(client, password="wrong password!").status_code == 401
        assert password_step(client, ADMIN, password="wrong password!").status_code == 401
        throttled = password_step(client)  # right password, but this address used up its failures
        assert throttled.status_code == 429 and int(throttled.headers["retry-after"]) > 0
    with session_scope(make_engine(database_url)) as session:
        outcomes = session.execute(select(AuditEntry.action, AuditEntry.outcome).order_by(AuditEntry.seq)).all()
    assert [(action, str(outcome)) for action, outcome in outcomes] == [
        ("login_failed", "denied"), ("login_failed", "denied"), ("login_throttled", "denied")]


def test_export_reauthentication_by_totp_code(client, engine, users):
    seed_intake(engine, name="Export Me")
    totp, _codes = enrol(client, ADMIN)
    token = csrf_from(client.get("/staff").text)
    used = client.post("/staff/export.csv", data={"csrf_token": token, "code": last_used_code(engine, totp, ADMIN)})
    assert used.status_code == 403  # the enrolment used this code: not again
    fresh = client.post("/staff/export.csv", data={"csrf_token": token, "code": next_code(totp)})
    assert fresh.status_code == 200 and "Export Me" in fresh.text
    with session_scope(engine) as session:
        session.execute(update(StaffSession).values(reauthenticated_at=utcnow() - timedelta(minutes=6)))
    stale = client.post("/staff/export.csv", data={"csrf_token": token})
    assert stale.status_code == 403 and "Export Me" not in stale.text  # more than 5 minutes ago
