"""bot.ops.runner.Supervisor with real child processes: a service that dies is started again
after a growing pause while the others keep running (issue #12: killing the action server used to
stop all three services); one that keeps failing right after its start stops everything."""
from __future__ import annotations

import subprocess
import sys
from typing import List

import pytest

from bot.ops.runner import RESTART_PAUSES, STABLE_SECONDS, Supervisor

EXITS = [sys.executable, "-c", "raise SystemExit(3)"]
SLEEPS = [sys.executable, "-c", "import time; time.sleep(120)"]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def launched():
    children: List[subprocess.Popen] = []
    yield children
    for child in children:
        if child.poll() is None:
            child.kill()
            child.wait()


def supervise(launched, clock, commands):
    def launch(_name, command):
        launched.append(subprocess.Popen(command))
        return launched[-1]

    children = {name: launch(name, command) for name, command in commands.items()}
    return Supervisor(commands, children, launch, clock=clock)


def wait_exit(child: subprocess.Popen) -> None:
    child.wait(timeout=30)


def test_a_dead_child_is_restarted_after_a_pause_and_the_others_keep_running(launched):
    clock = Clock()
    supervisor = supervise(launched, clock, {"actions": EXITS, "rasa": SLEEPS})
    first_actions, rasa = supervisor.children["actions"], supervisor.children["rasa"]
    wait_exit(first_actions)
    assert supervisor.check() is None and supervisor.restarts == 0  # the pause starts
    clock.now += RESTART_PAUSES[0] - 0.1
    assert supervisor.check() is None and supervisor.restarts == 0
    clock.now += 0.1
    assert supervisor.check() is None and supervisor.restarts == 1
    assert supervisor.children["actions"] is not first_actions
    assert supervisor.children["rasa"] is rasa and rasa.poll() is None


def test_quick_failures_double_the_pause_then_everything_stops(launched):
    clock = Clock()
    supervisor = supervise(launched, clock, {"actions": EXITS})
    pauses = []
    for _ in RESTART_PAUSES:
        wait_exit(supervisor.children["actions"])
        assert supervisor.check() is None
        pauses.append(supervisor.due["actions"] - clock.now)
        clock.now = supervisor.due["actions"]
        supervisor.check()
    assert pauses == list(RESTART_PAUSES)
    wait_exit(supervisor.children["actions"])
    assert "actions exited" in supervisor.check()


def test_a_child_that_ran_long_enough_starts_again_from_the_first_pause(launched):
    clock = Clock()
    supervisor = supervise(launched, clock, {"actions": EXITS})
    for _ in range(3):  # three quick failures: the next pause would be the fourth
        wait_exit(supervisor.children["actions"])
        supervisor.check()
        clock.now = supervisor.due["actions"]
        supervisor.check()
    clock.now += STABLE_SECONDS
    wait_exit(supervisor.children["actions"])
    supervisor.check()
    assert supervisor.due["actions"] - clock.now == RESTART_PAUSES[0]
