"""Fixtures for tests that drive the web app through its HTTP interface, on every database backend."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hikeshi.bootstrap import Container
from hikeshi.web.app import create_app
from tests.support.web import People


@pytest.fixture
def app(container: Container) -> FastAPI:
    return create_app(container)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False, follow_redirects=False) as test_client:
        yield test_client


@pytest.fixture
def people(container: Container) -> People:
    return People(container)
