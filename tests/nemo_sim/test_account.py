"""Anonymous tokens, sessions, claim tokens, credits and state, with auth and ownership rules."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from nemo_sim import SimConfig, Simulator
from tests.nemo_sim.wire import ATTRIBUTION, Account, configure, new_account

TOKEN = re.compile(r"^nmv_usr_[A-Za-z0-9_-]{40}$")


async def test_anonymous_token_shape(client: httpx.AsyncClient) -> None:
    reply = await client.post("/api/auth/anonymous-token", headers={"X-Client-Id": "cid-1"})
    body = reply.json()
    assert reply.status_code == 200
    assert body["code"] == 0
    assert body["message"] == "ok"
    data = body["data"]
    assert TOKEN.match(data["token"])
    assert re.match(r"^anon_[0-9a-f]{16}$", data["user_id"])
    assert data["credits"] == 100
    expires = datetime.strptime(data["expires_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert abs(expires - datetime.now(UTC) - timedelta(days=7)) < timedelta(minutes=1)


async def test_missing_client_id_is_http_400(client: httpx.AsyncClient) -> None:
    reply = await client.post("/api/auth/anonymous-token")
    assert reply.status_code == 400


async def test_over_long_client_id_is_http_400(client: httpx.AsyncClient) -> None:
    reply = await client.post("/api/auth/anonymous-token", headers={"X-Client-Id": "c" * 65})
    assert reply.status_code == 400
    assert (await client.post("/api/auth/anonymous-token", headers={"X-Client-Id": "c" * 64})).status_code == 200


async def test_a_refused_client_id_is_http_400_and_others_are_served(client: httpx.AsyncClient) -> None:
    await configure(client, refused_client_ids=["banned-1"])
    for mode in ("envelope", "http"):
        await configure(client, error_mode=mode)
        refused = await client.post("/api/auth/anonymous-token", headers={"X-Client-Id": "banned-1"})
        assert refused.status_code == 400
        assert refused.json() == {"code": 400, "message": "X-Client-Id is not accepted"}
    assert (await client.post("/api/auth/anonymous-token", headers={"X-Client-Id": "fresh-1"})).status_code == 200


def test_refused_client_ids_are_read_from_the_environment_as_json() -> None:
    config = SimConfig.from_env({"SIM_REFUSED_CLIENT_IDS": '["a", "b"]'})
    assert config.refused_client_ids == ["a", "b"]


async def test_repeat_same_returns_same_token(client: httpx.AsyncClient) -> None:
    first = (await client.post("/api/auth/anonymous-token", headers={"X-Client-Id": "c"})).json()["data"]
    second = (await client.post("/api/auth/anonymous-token", headers={"X-Client-Id": "c"})).json()["data"]
    assert first["token"] == second["token"]


async def test_repeat_429_mode(client: httpx.AsyncClient) -> None:
    await configure(client, anon_repeat="429")
    assert (await client.post("/api/auth/anonymous-token", headers={"X-Client-Id": "c"})).status_code == 200
    again = await client.post("/api/auth/anonymous-token", headers={"X-Client-Id": "c"})
    assert again.status_code == 429
    assert again.json()["code"] == 429


async def test_more_than_ten_clients_per_ip_is_429(client: httpx.AsyncClient) -> None:
    for n in range(10):
        assert (await client.post("/api/auth/anonymous-token", headers={"X-Client-Id": f"c{n}"})).status_code == 200
    assert (await client.post("/api/auth/anonymous-token", headers={"X-Client-Id": "c10"})).status_code == 429
    # A client already seen from this IP is still served.
    assert (await client.post("/api/auth/anonymous-token", headers={"X-Client-Id": "c3"})).status_code == 200


async def test_expired_token_is_1001_and_same_client_gets_new_token_same_user(
    sim: Simulator, client: httpx.AsyncClient, account: Account
) -> None:
    sim.world.expire_token(account.token)
    reply = await client.get("/api/credits/balance/simple", headers=account.headers)
    assert (reply.status_code, reply.json()["code"]) == (200, 1001)
    fresh = (await client.post("/api/auth/anonymous-token", headers={"X-Client-Id": "test-client"})).json()["data"]
    assert fresh["token"] != account.token
    assert fresh["user_id"] == account.user_id
    ok = await client.get("/api/credits/balance/simple", headers={"Authorization": f"Bearer {fresh['token']}"})
    assert ok.json()["code"] == 0


@pytest.mark.parametrize("authorization", [None, "Bearer nmv_usr_" + "x" * 40, "Basic abc"])
async def test_auth_failures_are_1001(client: httpx.AsyncClient, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    reply = await client.get("/api/credits/balance/simple", headers=headers)
    assert reply.json() == {"code": 1001, "message": "Invalid or expired token"}


async def test_create_session_shape(sim: Simulator, client: httpx.AsyncClient, account: Account) -> None:
    assert re.match(r"^\d{19}$", account.session_id)
    assert account.task_id.startswith("task_")
    state = sim.world.session(account.session_id).state
    assert state == {
        "draft": {},
        "video_infos": [],
        "generated_media": [],
        "canvas_config": {"width": 640, "height": 360, "ratio": "16:9"},
        "video_analyses": {},
    }


async def test_drop_user_id_switch(client: httpx.AsyncClient, account: Account) -> None:
    await configure(client, drop_user_id=True)
    reply = await client.post("/api/tasks/me/with-session/nemo_agent", json={"task_name": "x", "language": "ja"},
                              headers=account.headers)
    assert set(reply.json()["data"]) == {"task_id", "session_id"}


async def test_claim_token(client: httpx.AsyncClient, account: Account) -> None:
    body = {"task_id": account.task_id, "session_id": account.session_id}
    reply = await client.post("/api/auth/claim-token", json=body, headers=account.headers)
    data = reply.json()["data"]
    assert re.match(r"^clm_[0-9a-f]{32}$", data["claim_token"])
    assert data["expires_in"] == 604800
    wrong = await client.post("/api/auth/claim-token", json={**body, "session_id": "1" * 19}, headers=account.headers)
    assert wrong.json()["code"] == 1002


async def test_credits_and_set_credits(sim: Simulator, client: httpx.AsyncClient, account: Account) -> None:
    reply = await client.get("/api/credits/balance/simple", headers=account.headers)
    assert reply.json() == {"code": 0, "data": {"available": 100, "frozen": 0, "total": 100}}
    sim.world.set_credits(account.user_id, 25000, 40)
    reply = await client.get("/api/credits/balance/simple", headers=account.headers)
    assert reply.json()["data"] == {"available": 25000, "frozen": 40, "total": 25040}
    await client.post("/__sim/credits", json={"user_id": account.user_id, "available": 7})
    reply = await client.get("/api/credits/balance/simple", headers=account.headers)
    assert reply.json()["data"]["total"] == 7


async def test_state_with_me_or_real_id(client: httpx.AsyncClient, account: Account) -> None:
    for uid in ("me", account.user_id):
        reply = await client.get(f"/api/state/nemo_agent/{uid}/{account.session_id}/latest", headers=account.headers)
        data = reply.json()["data"]
        assert (data["session_id"], data["task_id"], data["user_id"]) == (
            account.session_id, account.task_id, account.user_id
        )
        assert data["task_name"] == "project"
        assert data["state"]["draft"] == {}


async def test_another_users_session_is_1002(client: httpx.AsyncClient, account: Account) -> None:
    other = await new_account(client, "other-client")
    reply = await client.get(f"/api/state/nemo_agent/me/{account.session_id}/latest", headers=other.headers)
    assert reply.json()["code"] == 1002
    foreign_path = f"/api/state/nemo_agent/{account.user_id}/{other.session_id}/latest"
    assert (await client.get(foreign_path, headers=other.headers)).json()["code"] == 1002


async def test_registered_token_from_world(sim: Simulator, client: httpx.AsyncClient) -> None:
    token = sim.world.mint_token("usr_42", credits=500)
    reply = await client.post("/api/tasks/me/with-session/nemo_agent", json={"task_name": "p", "language": "en"},
                              headers={"Authorization": f"Bearer {token}", **ATTRIBUTION})
    assert reply.json()["data"]["user_id"] == "usr_42"
    balance = await client.get("/api/credits/balance/simple", headers={"Authorization": f"Bearer {token}"})
    assert balance.json()["data"]["available"] == 500
