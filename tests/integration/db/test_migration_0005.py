"""0005 (heartbeats, integrations.resolve_after_minutes) goes up and down without touching other rows.

On SQLite a batch "recreate" of `integrations` would drop the table, and with foreign keys on that
deletes every alert referring to it; the migration alters the table in place instead.
"""

from __future__ import annotations

from alembic import command
from sqlalchemy import text

from hikeshi.bootstrap import Container
from hikeshi.db.migrate import alembic_config, current_revision, head_revision
from tests.support.alerts import make_integration, raise_alert


def test_downgrading_and_upgrading_0005_keeps_integrations_and_their_alerts(container: Container) -> None:
    integration_id, _ = make_integration(container)
    raise_alert(container, integration_id, "disk full", dedup_key="db-1")
    config = alembic_config(container.engine.url.render_as_string(hide_password=False))
    for revision, step in (("0004", command.downgrade), ("head", command.upgrade)):
        with container.engine.begin() as connection:
            config.attributes["connection"] = connection
            step(config, revision)
        with container.engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM integrations")).scalar() == 1
            assert connection.execute(text("SELECT count(*) FROM alerts")).scalar() == 1
    assert current_revision(container.engine) == head_revision()
