"""`python -m bot staff add-user EMAIL [--admin]`, `staff set-password EMAIL` (a reset), `staff
disable EMAIL` and `staff enable EMAIL`: staff accounts. Passwords are read from stdin and must
meet the policy (bot.domain.passwords); a reset or a disable signs the user out everywhere."""
from __future__ import annotations

import argparse
import getpass
import sys
from contextlib import closing

from bot.cli.auditing import cli_audit
from bot.composition import build_app
from bot.domain.passwords import MIN_PASSWORD_LENGTH
from bot.domain.statuses import StaffRole
from bot.services.staff_accounts import (
    PasswordPolicyError,
    UnknownUser,
    UserExists,
    add_user,
    check_password_policy,
    set_disabled,
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
    role = StaffRole.ADMIN if args.admin else StaffRole.STAFF
    try:
        password = _read_password()
        check_password_policy(password, args.email)
        with closing(build_app()) as app, app.unit_of_work() as session:
            user = add_user(session, args.email, password, role=role)
            cli_audit(session, "staff_user_added", detail=f"{user.email} as {role}")
            email = user.email
    except PasswordPolicyError as exc:
        print(f"error: {exc}; the user was not created", file=sys.stderr)
        return 2
    except UserExists as exc:
        print(f"error: a staff user {exc} already exists", file=sys.stderr)
        return 1
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"staff user {email} added{' (admin)' if role is StaffRole.ADMIN else ''}; "
          "they set up their sign-in code at their first sign-in")
    return 0


def cmd_set_password(args: argparse.Namespace) -> int:
    try:
        password = _read_password()
        with closing(build_app()) as app, app.unit_of_work() as session:
            user = set_password(session, args.email, password)
            cli_audit(session, "staff_password_set", detail=f"{user.email}; every session ended")
            email = user.email
    except PasswordPolicyError as exc:
        print(f"error: {exc}; the password was not changed", file=sys.stderr)
        return 2
    except UnknownUser as exc:
        print(f"error: no staff user {exc}", file=sys.stderr)
        return 1
    print(f"password for {email} changed; any lock-out is lifted and every session ended")
    return 0


def cmd_set_disabled(args: argparse.Namespace) -> int:
    disabled = args.staff_command == "disable"
    try:
        with closing(build_app()) as app, app.unit_of_work() as session:
            user = set_disabled(session, args.email, disabled)
            cli_audit(session, "staff_user_disabled" if disabled else "staff_user_enabled", detail=user.email)
            email = user.email
    except UnknownUser as exc:
        print(f"error: no staff user {exc}", file=sys.stderr)
        return 1
    print(f"{email} disabled; every session ended" if disabled else f"{email} enabled")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `staff add-user | set-password | disable | enable EMAIL` to `python -m bot`."""
    staff = subparsers.add_parser("staff", help="manage staff dashboard accounts")
    sub = staff.add_subparsers(dest="staff_command", required=True)
    add = sub.add_parser(
        "add-user",
        help=f"create a staff user; the password (at least {MIN_PASSWORD_LENGTH} characters, not a common "
        "one, not containing the e-mail's name) is read from stdin",
    )
    add.add_argument("email")
    add.add_argument("--admin", action="store_true", help="an administrator: may export and read the audit log")
    add.set_defaults(func=cmd_add_user)
    reset = sub.add_parser(
        "set-password", help="reset a staff user's password (read from stdin), lift any lock-out, "
        "end every session"
    )
    reset.add_argument("email")
    reset.set_defaults(func=cmd_set_password)
    for name, text in (("disable", "stop a staff user signing in and end every session of theirs"),
                       ("enable", "let a disabled staff user sign in again")):
        parser = sub.add_parser(name, help=text)
        parser.add_argument("email")
        parser.set_defaults(func=cmd_set_disabled)
