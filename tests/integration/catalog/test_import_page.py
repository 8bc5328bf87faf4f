"""The store upload on the page: stored, imported by a job, its progress shown while it runs."""

from __future__ import annotations

import codecs
from datetime import timedelta

from fastapi.testclient import TestClient

from hikeshi.bootstrap import Container
from hikeshi.catalog import handlers, store_imports
from hikeshi.jobs.models import Job
from tests.support.catalog import run_jobs, store_csv
from tests.support.web import People, csrf_token, sign_in

ROWS = [
    {"external_id": f"S{number}", "name": f"居酒屋 {number} 号店", "region": "jp", "products": "ipad-app"}
    for number in range(1, 6)
]
POLLING = 'hx-trigger="every 1s"'


def _upload(client: TestClient, name: str, data: bytes) -> str:
    answer = client.post(
        "/catalog/import",
        data={"csrf_token": csrf_token(client)},
        files={"file": (name, data, "text/csv")},
    )
    assert answer.status_code == 303, answer.text
    location = answer.headers["location"]
    assert location.startswith("/catalog/imports/")
    return str(location)


def _admin(client: TestClient, people: People) -> None:
    people.add("admin@example.jp", "admin", language="en")
    sign_in(client, "admin@example.jp")


def test_upload_is_imported_by_the_worker_and_the_page_shows_the_counts(
    client: TestClient, container: Container, people: People, products: dict[str, int]
) -> None:
    _admin(client, people)
    location = _upload(client, "stores.csv", store_csv(ROWS).encode())
    waiting = client.get(location)
    assert "stores.csv" in waiting.text
    assert "Waiting to start" in waiting.text
    assert POLLING in waiting.text
    assert f'hx-get="{location}/progress"' in waiting.text
    assert client.get("/catalog/stores?q=S1").text.count("居酒屋 1 号店") == 0  # nothing imported yet

    assert run_jobs(container) == 1
    fragment = client.get(f"{location}/progress")
    assert fragment.status_code == 200
    assert "5 stores imported: 5 created, 0 updated." in fragment.text
    assert "5 product links and 0 accounts." in fragment.text
    assert POLLING not in fragment.text  # finished: the page stops polling
    assert "<progress" not in fragment.text
    page = client.get(location)
    assert "Done" in page.text
    assert "5 stores imported" in page.text
    assert "居酒屋 1 号店" in client.get("/catalog/stores?q=S1").text
    assert client.get("/catalog/imports/999999").status_code == 404
    import_id = int(location.rsplit("/", 1)[1])
    with container.sessions() as db:
        assert store_imports.get_store_import(session=db, import_id=import_id).data is None  # file dropped
        assert db.query(Job).filter(Job.kind == store_imports.IMPORT_STORES_JOB).one().status == "succeeded"


def test_a_file_with_a_bad_row_shows_line_and_column_and_imports_nothing(
    client: TestClient, container: Container, people: People, products: dict[str, int]
) -> None:
    _admin(client, people)
    bad = store_csv([*ROWS, {"external_id": "X", "name": "X", "region": "moon"}])
    location = _upload(client, "bad.csv", codecs.BOM_UTF8 + bad.encode())
    run_jobs(container)
    fragment = client.get(f"{location}/progress")
    assert "Failed" in fragment.text
    assert "<td>7</td><td><code>region</code></td>" in fragment.text
    assert "Problems found: 1. Nothing was imported." in fragment.text
    assert POLLING not in fragment.text
    assert "居酒屋 1 号店" not in client.get("/catalog/stores?q=S1").text  # the good rows were not written


def test_progress_advances_batch_by_batch_and_the_fragment_shows_it(
    client: TestClient, container: Container, people: People, products: dict[str, int]
) -> None:
    _admin(client, people)
    location = _upload(client, "stores.csv", store_csv(ROWS).encode())
    import_id = int(location.rsplit("/", 1)[1])
    seen: list[tuple[int, int, bool]] = []

    def look(done: int, total: int) -> None:
        # Each batch is committed with its progress: the page sees it while the import runs.
        fragment = client.get(f"{location}/progress").text
        seen.append((done, total, f'<progress value="{done}" max="{total}">' in fragment))
        assert f"{done} of {total} rows" in fragment
        assert "Importing" in fragment
        assert POLLING in fragment
        stores = client.get("/catalog/stores?q=居酒屋").text
        assert stores.count("居酒屋 ") == done  # the written batches are visible already

    handlers.run_store_import(
        sessions=container.sessions,
        clock=container.clock,
        import_id=import_id,
        batch_size=2,
        after_batch=look,
    )
    assert seen == [(0, 5, True), (2, 5, True), (4, 5, True), (5, 5, True)]
    # The worker does not renew a lease while a job runs: the import's outlasts the biggest upload.
    spec = container.jobs.get(store_imports.IMPORT_STORES_JOB)
    assert spec is not None
    assert spec.lease >= timedelta(hours=1)
    assert "5 stores imported: 5 created, 0 updated." in client.get(f"{location}/progress").text


def test_only_admins_upload_and_see_imports(
    client: TestClient, container: Container, people: People, products: dict[str, int]
) -> None:
    with container.sessions() as db:
        record = store_imports.create_store_import(
            session=db,
            filename="stores.csv",
            data=store_csv(ROWS).encode(),
            user_id=None,
            now=container.clock(),
        )
        db.commit()
        import_id = record.id
    people.add("sato@example.jp", "engineer")
    sign_in(client, "sato@example.jp")
    answer = client.post(
        "/catalog/import",
        data={"csrf_token": csrf_token(client)},
        files={"file": ("stores.csv", store_csv(ROWS).encode(), "text/csv")},
    )
    assert answer.status_code == 403
    assert client.get(f"/catalog/imports/{import_id}").status_code == 403
    assert client.get(f"/catalog/imports/{import_id}/progress").status_code == 403
