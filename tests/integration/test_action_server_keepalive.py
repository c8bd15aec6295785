"""The action server outlives Rasa's idle connections (issue #12 fuzzing): Rasa's aiohttp session
reuses an idle connection for up to 15 s and Sanic closed them after 5 s, so under load a turn
failed with "Cannot write to closing transport" and the visitor was asked to send it again."""
from __future__ import annotations

import inspect
import uuid

import aiohttp
from sanic import Sanic

from rasa_plugins import action_server


def test_idle_connections_stay_open_longer_than_rasas_client_reuses_them():
    app = Sanic(f"keepalive-{uuid.uuid4().hex[:8]}")
    assert app.config.KEEP_ALIVE_TIMEOUT <= action_server.RASA_CLIENT_KEEPALIVE_SECONDS  # Sanic's default
    action_server.keep_connections_open(app)
    assert app.config.KEEP_ALIVE_TIMEOUT > action_server.RASA_CLIENT_KEEPALIVE_SECONDS


def test_rasas_client_keepalive_is_what_the_action_server_allows_for():
    """aiohttp's default (which Rasa's EndpointConfig session uses) is the figure the server exceeds."""
    source = inspect.getsource(aiohttp.connector.BaseConnector.__init__)
    assert f"keepalive_timeout = {float(action_server.RASA_CLIENT_KEEPALIVE_SECONDS)}" in source


def test_the_served_app_is_given_the_longer_keepalive():
    assert "keep_connections_open(app)" in inspect.getsource(action_server.main)
