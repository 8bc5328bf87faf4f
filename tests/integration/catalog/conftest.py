"""A database holding the demo products and one sales representative."""

from __future__ import annotations

import pytest

from hikeshi.bootstrap import Container
from tests.support.catalog import add_products
from tests.support.web import People


@pytest.fixture
def products(container: Container) -> dict[str, int]:
    with container.sessions() as db:
        ids = add_products(db, container)
        db.commit()
    People(container).add("watanabe@example.jp", "sales")
    return ids
