"""ASGI entry point: `uvicorn --factory hikeshi.main:create` builds the app from the environment."""

from __future__ import annotations

from fastapi import FastAPI

from hikeshi.bootstrap import bootstrap
from hikeshi.web.app import create_app


def create() -> FastAPI:
    return create_app(bootstrap())
