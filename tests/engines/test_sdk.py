"""The SDK clients of `harness.engines.sdk`, on the real engines: a failed call is
reported as the SDK raised it (class, HTTP status, message), a successful one as not
raised, and nothing is left behind."""

from __future__ import annotations

import secrets

from harness.engines.base import Engine
from harness.engines.sdk import sdk_client


def test_a_missing_image_is_reported_as_the_sdk_raises_it(engine: Engine) -> None:
    client = sdk_client(engine)
    try:
        missing = client.sdk_call("get_image", name=f"h-missing-{secrets.token_hex(4)}:v1")
    finally:
        client.close()
    assert missing.raised
    assert missing.exception == "ImageNotFound"
    assert missing.status_code == 404
    assert missing.message


def test_a_created_volume_is_labelled_and_removed(engine: Engine) -> None:
    name = f"h-sdk-test-{secrets.token_hex(4)}"
    client = sdk_client(engine)
    try:
        made = client.sdk_call("create_volume", name=name, labels={"io.harness.test": "sdk"})
        assert not made.raised
        gone = client.sdk_call("remove_volume", name=name)
        assert not gone.raised
        again = client.sdk_call("get_volume", name=name)
    finally:
        client.close()
    assert (again.raised, again.status_code) == (True, 404)
