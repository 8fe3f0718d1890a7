"""Ids in paths are database integers: a number too large for one is refused, not a 500."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.factories import officer_for
from tests.integration.test_workspace_pages import sign_in

FRONT_DESK = officer_for("DPMPTSP.FO", "front_desk")
HUGE = "99999999999999999999"


@pytest.mark.parametrize("url", [f"/petugas/dokumen/{HUGE}", "/petugas/dokumen/0"])
def test_a_document_id_beyond_the_database_integer_is_refused(client: TestClient, url: str) -> None:
    sign_in(client, FRONT_DESK)
    response = client.get(url, follow_redirects=False)
    assert response.status_code in (404, 422), response.text[:300]
