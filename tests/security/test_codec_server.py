"""The Temporal Web UI's codec server on the dashboard: signed-in senco and auditor only, CORS for the UI's origin
only (preflight included), and a round trip through the codec."""

from __future__ import annotations

import json
from base64 import b64decode
from pathlib import Path

import pytest
from google.protobuf import json_format
from temporalio.api.common.v1 import Payloads
from temporalio.contrib.pydantic import pydantic_data_converter

from config.settings import Settings, StaffMember
from tests.dashboard.conftest import db, make_client, today  # noqa: F401 (fixtures)
from tests.security.keys import entry

UI = "http://127.0.0.1:8233"
SECRET = "Fictional Pupil, DOB 2015-03-14, dyslexia"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        var_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path}/t.db",
        staff={
            "senco": StaffMember(name="Alex Example (SENCO)", role="senco"),
            "head": StaffMember(name="Jo Example (Head)", role="head"),
            "ta": StaffMember(name="Sam Example (TA)", role="staff"),
        },
        temporal={"ui_url": UI + "/"},
        security={"payload_keys": [entry("k1")]},
    )


def body(*texts: str) -> str:
    payloads = Payloads(payloads=[pydantic_data_converter.payload_converter.to_payload(t) for t in texts])
    return json_format.MessageToJson(payloads)


def post(client, action: str, content: str, origin: str | None = UI, content_type: str = "application/json"):
    headers = {"Content-Type": content_type, "X-Namespace": "default"}
    if origin:
        headers["Origin"] = origin
    return client.post(f"/codec/{action}", content=content, headers=headers)


@pytest.mark.parametrize("who", ["senco", "auditor"])
def test_round_trip_for_senco_and_auditor(make_client, who):
    client = make_client(who)
    encoded = post(client, "encode", body(SECRET, "second"))
    assert encoded.status_code == 200, encoded.text
    assert encoded.headers["access-control-allow-origin"] == UI
    assert encoded.headers["access-control-allow-credentials"] == "true"
    payloads = encoded.json()["payloads"]
    assert len(payloads) == 2 and SECRET not in encoded.text
    assert b64decode(payloads[0]["metadata"]["encoding"]) == b"binary/encrypted"
    assert b64decode(payloads[0]["metadata"]["encryption-key-id"]) == b"k1"
    decoded = post(client, "decode", encoded.text)
    assert decoded.status_code == 200
    texts = [
        pydantic_data_converter.payload_converter.from_payload(p, str)
        for p in json_format.Parse(decoded.text, Payloads()).payloads
    ]
    assert texts == [SECRET, "second"]
    plain = post(client, "decode", body("not encrypted"))  # plain payloads come back as they are
    assert json.loads(plain.text) == json.loads(body("not encrypted"))


def test_anonymous_401_other_roles_403(make_client):
    anonymous = post(make_client(), "decode", body(SECRET))
    assert anonymous.status_code == 401 and anonymous.json()["detail"] == "sign in to the dashboard first"
    assert anonymous.headers["access-control-allow-origin"] == UI  # so the UI can show why
    for who in ("head", "ta"):
        refused = post(make_client(who), "decode", body(SECRET))
        assert refused.status_code == 403 and "may not decode" in refused.json()["detail"]


def test_cors_preflight_only_for_the_ui_origin(make_client):
    client = make_client()
    ok = client.options(
        "/codec/decode",
        headers={
            "Origin": UI,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-namespace",
        },
    )
    assert ok.status_code == 204
    assert ok.headers["access-control-allow-origin"] == UI
    assert "POST" in ok.headers["access-control-allow-methods"]
    assert "x-namespace" in ok.headers["access-control-allow-headers"]
    assert ok.headers["access-control-allow-credentials"] == "true"
    evil = client.options(
        "/codec/encode", headers={"Origin": "https://evil.example.org", "Access-Control-Request-Method": "POST"}
    )
    assert evil.status_code == 403 and "access-control-allow-origin" not in evil.headers


def test_other_origins_and_form_posts_are_refused(make_client):
    client = make_client("senco")
    evil = post(client, "decode", body(SECRET), origin="https://evil.example.org")
    assert evil.status_code == 403 and "access-control-allow-origin" not in evil.headers
    form = post(client, "decode", body(SECRET), content_type="text/plain")
    assert form.status_code == 415
    same_origin = post(client, "encode", body("x"), origin=None)  # no Origin: the dashboard itself, curl
    assert same_origin.status_code == 200 and "access-control-allow-origin" not in same_origin.headers
    assert post(client, "decode", "{not json").status_code == 400


def test_a_payload_under_an_unknown_key_says_so(make_client):
    client = make_client("auditor")
    document = json.loads(post(client, "encode", body("x")).text)
    document["payloads"][0]["metadata"]["encryption-key-id"] = "Z29uZQ=="  # "gone"
    refused = post(client, "decode", json.dumps(document))
    assert refused.status_code == 422 and "key id 'gone'" in refused.json()["detail"]
