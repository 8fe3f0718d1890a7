"""Every use of a tracking PIN counts towards the same lock: the access log, the survey."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import Clock
from tests.factories import submit


def test_ten_wrong_pins_on_the_access_log_lock_the_number(client: TestClient, clock: Clock) -> None:
    receipt = submit(client, "skck").json()
    number, pin = receipt["tracking_number"], receipt["pin"]
    wrong = "000000" if pin != "000000" else "111111"

    def access_log(with_pin: str) -> int:
        return client.get(
            f"/api/v1/applications/{number}/access-log", headers={"X-Tracking-Pin": with_pin}
        ).status_code

    assert [access_log(wrong) for _ in range(10)] == [404] * 10
    assert access_log(pin) == 429
    tracked = client.get(f"/api/v1/applications/{number}", headers={"X-Tracking-Pin": pin})
    assert tracked.status_code == 429  # one lock for every use of the PIN
    clock.advance(minutes=15)
    assert access_log(pin) == 200


def test_wrong_pins_on_the_survey_count_towards_the_same_lock(client: TestClient) -> None:
    receipt = submit(client, "skck").json()
    number, pin = receipt["tracking_number"], receipt["pin"]
    wrong = "000000" if pin != "000000" else "111111"
    for _ in range(10):
        answered = client.post(
            f"/api/v1/applications/{number}/survey",
            headers={"X-Tracking-Pin": wrong},
            json={},
        )
        assert answered.status_code == 404, answered.text
    # The survey's wrong PINs were counted: tracking with the right one is refused now.
    tracked = client.get(f"/api/v1/applications/{number}", headers={"X-Tracking-Pin": pin})
    assert tracked.status_code == 429
