"""An officer's queue read a page at a time: `limit`, and the `Link` to the next page."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.factories import officer_for, sign_in, standard, submit


def _first_step_officer(code: str) -> str:
    step = standard(code).groups()[0][0]
    return officer_for(step.unit, step.role)


def _pages(client: TestClient, headers: dict[str, str], limit: int) -> list[list[dict[str, Any]]]:
    pages, url = [], f"/api/v1/tasks?limit={limit}"
    while url:
        response = client.get(url, headers=headers)
        assert response.status_code == 200, response.text
        pages.append(response.json())
        link = response.headers.get("link")
        url = link.split(">", 1)[0].lstrip("<") if link else ""
        assert len(pages) < 20, "the next page never ends"
    return pages


def test_pages_follow_one_another_in_deadline_order(client: TestClient) -> None:
    for seed in range(7):
        assert submit(client, "pbg", seed=seed).status_code == 201
    headers = sign_in(client, _first_step_officer("pbg"))
    whole = client.get("/api/v1/tasks?limit=500", headers=headers).json()
    assert len(whole) >= 7
    assert [t["due_at"] for t in whole] == sorted(t["due_at"] for t in whole)

    pages = _pages(client, headers, 3)

    assert [len(p) for p in pages[:-1]] == [3] * (len(pages) - 1)
    assert 0 <= len(pages[-1]) <= 3
    assert [t["id"] for p in pages for t in p] == [t["id"] for t in whole]


def test_a_full_last_page_links_to_an_empty_one(client: TestClient) -> None:
    for seed in range(4):
        assert submit(client, "pbg", seed=seed).status_code == 201
    headers = sign_in(client, _first_step_officer("pbg"))
    count = len(client.get("/api/v1/tasks", headers=headers).json())

    pages = _pages(client, headers, count)

    assert [len(p) for p in pages] == [count, 0]


def test_a_bad_page_marker_is_refused_naming_it(client: TestClient) -> None:
    headers = sign_in(client, _first_step_officer("pbg"))
    for marker in ("yesterday~1", "2026-06-02T01:00:00~x", "2026-06-02T01:00:00~5"):
        response = client.get(
            "/api/v1/tasks", params={"after": marker}, headers={**headers, "Accept-Language": "en"}
        )
        assert response.status_code == 422, response.text
        assert "after" in response.text
    too_many = client.get("/api/v1/tasks?limit=501", headers=headers)
    assert too_many.status_code == 422
