"""`python -m bot staff add-user EMAIL [--admin]` and `staff set-password EMAIL`: staff accounts."""
from __future__ import annotations

import argparse
import getpass
import sys
from contextlib import closing

from bot.adapters.models import AuditEntry
from bot.composition import build_app
from bot.services.staff_accounts import (
    MIN_PASSWORD_LENGTH,
    PasswordPolicyError,
    UnknownUser,
    UserExists,
    add_user,
    check_password_policy,
    set_password,
)


def _read_password(confirm: bool = True) -> str:
    """The new password from stdin: prompted twice on a terminal, else the first line of input."""
    if sys.stdin.isatty():
        first = getpass.getpass("Password: ")
        if confirm and getpass.getpass("Repeat password: ") != first:
            raise PasswordPolicyError("the two passwords differ")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def cmd_add_user(args: argparse.Namespace) -> int:
    try:
        password = _read_password()
        check_password_policy(password)
        with closing(build_app()) as app, app.unit_of_work() as session:
            user = add_user(session, args.email, password, is_admin=args.admin)
            session.add(AuditEntry(action="staff_user_added", detail=f"{user.email} (CLI)"
                                   + (" admin" if user.is_admin else "")))
            email, is_admin = user.email, user.is_admin
    except PasswordPolicyError as exc:
        print(f"error: {exc}; the user was not created", file=sys.stderr)
        return 2
    except UserExists as exc:
        print(f"error: a staff user {exc} already exists", file=sys.stderr)
        return 1
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"staff user {email} added{' (admin)' if is_admin else ''}")
    return 0


def cmd_set_password(args: argparse.Namespace) -> int:
    try:
        password = _read_password()
        with closing(build_app()) as app, app.unit_of_work() as session:
            user = set_password(session, args.email, password)
            session.add(AuditEntry(action="staff_password_set", detail=f"{user.email} (CLI)"))
            email = user.email
    except PasswordPolicyError as exc:
        print(f"error: {exc}; the password was not changed", file=sys.stderr)
        return 2
    except UnknownUser as exc:
        print(f"error: no staff user {exc}", file=sys.stderr)
        return 1
    print(f"password for {email} changed; any lock-out is lifted")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `staff add-user EMAIL [--admin]` and `staff set-password EMAIL` to `python -m bot`."""
    staff = subparsers.add_parser("staff", help="manage staff dashboard accounts")
    sub = staff.add_subparsers(dest="staff_command", required=True)
    add = sub.add_parser(
        "add-user",
        help=f"create a staff user; the password (at least {MIN_PASSWORD_LENGTH} characters) "
        "is read from stdin",
    )
    add.add_argument("email")
    add.add_argument("--admin", action="store_true", help="may read the audit log")
    add.set_defaults(func=cmd_add_user)
    reset = sub.add_parser(
        "set-password", help="set a staff user's password (read from stdin) and lift any lock-out"
    )
    reset.add_argument("email")
    reset.set_defaults(func=cmd_set_password)
