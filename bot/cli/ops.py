"""`python -m bot migrate | check-profile | run | run-cluster | train | shell | rasa`: the operator's commands."""
from __future__ import annotations

import argparse

from bot.adapters.encryption import DataCipher
from bot.adapters.migrate import upgrade
from bot.domain.profile import load_profile
from bot.ops import cluster, runner
from bot.ops.secrets import ensure_dev_secrets
from bot.settings import load_settings


def cmd_migrate(args: argparse.Namespace) -> int:
    settings = ensure_dev_secrets(load_settings())  # the data keys encrypt existing rows (0004)
    upgrade(settings.database_url, cipher=DataCipher.from_settings(settings))
    print("database is at the latest migration")
    return 0


def cmd_check_profile(args: argparse.Namespace) -> int:
    settings = load_settings()
    profile = load_profile(settings.clinic_profile)
    print(f"{settings.clinic_profile}: ok ({profile.name}; {profile.hours_text()})")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    return runner.run()


def cmd_run_cluster(args: argparse.Namespace) -> int:
    return cluster.run_cluster()


def cmd_shell(args: argparse.Namespace) -> int:
    return runner.shell()


def cmd_rasa(args: argparse.Namespace) -> int:
    return runner.run_rasa(args.rasa_args)


def cmd_train(args: argparse.Namespace) -> int:
    from bot.ops.training import train  # loads spaCy: only for this command

    return train(force=args.force)


def register_migrate(sub: argparse._SubParsersAction) -> None:
    sub.add_parser("migrate", help="apply database migrations").set_defaults(func=cmd_migrate)


def register_operations(sub: argparse._SubParsersAction) -> None:
    sub.add_parser("check-profile", help="validate the clinic profile").set_defaults(func=cmd_check_profile)
    sub.add_parser("run", help="start Rasa, the action server and the web service").set_defaults(func=cmd_run)
    sub.add_parser("run-cluster", help="two Rasa replicas, two action servers and the web service's workers "
                   "on PostgreSQL and Redis (docs/deploy.md)").set_defaults(func=cmd_run_cluster)
    train = sub.add_parser("train", help="build the spaCy pipeline and train when inputs changed")
    train.add_argument("--force", action="store_true", help="train even if the model is current")
    train.set_defaults(func=cmd_train)
    sub.add_parser("shell", help="chat in the terminal").set_defaults(func=cmd_shell)
    rasa = sub.add_parser("rasa", help="run a rasa command with the project's environment")
    rasa.add_argument("rasa_args", nargs=argparse.REMAINDER)
    rasa.set_defaults(func=cmd_rasa)
