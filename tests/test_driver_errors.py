"""Driver errors reach clients as ours: a failing read is a retryable SERVICE_UNAVAILABLE."""

from __future__ import annotations

import pytest
from graphql import GraphQLError as CoreError
from pymongo.errors import AutoReconnect, DuplicateKeyError, OperationFailure

from schema.errors import classify
from tests.faults import fail_point, fail_points_supported
from tests.gql import Client, GraphQLError, token
from tests.servers import ApiProcess

# Reads made outside any transaction: a `find` (one job) and an `aggregate` (a page).
READS = [
    ("find", '{ job(id: "job_missing") { id } }', "NOT_FOUND"),
    ("aggregate", "{ jobsConnection(first: 5) { edges { cursor } } }", None),
]


@pytest.fixture
def failpoints(mongo_uri: str) -> str:
    if not fail_points_supported(mongo_uri):
        pytest.skip("this MongoDB has no failCommand fail point (needs --enable-test-commands)")
    return mongo_uri


@pytest.mark.slow
@pytest.mark.parametrize(("command", "query", "healthy_code"), READS)
async def test_failing_read_outside_a_transaction_is_retryable_unavailable(
    failpoints: str, api: ApiProcess, command: str, query: str, healthy_code: str | None
) -> None:
    """A read the database refuses answers SERVICE_UNAVAILABLE with `retryable: true`
    (not a masked INTERNAL_SERVER_ERROR); once the database is back, the read answers."""
    dispatcher = Client(api.base_url, token("dispatcher", "disp"))
    try:
        failing = {"failCommands": [command], "errorCode": 8}
        with fail_point(failpoints, failing, "alwaysOn"), pytest.raises(GraphQLError) as refused:
            await dispatcher.execute(query)
        assert refused.value.codes == ["SERVICE_UNAVAILABLE"]
        assert refused.value.errors[0]["extensions"]["retryable"] is True
        assert "Internal server error" not in refused.value.errors[0]["message"]
        if healthy_code is None:
            await dispatcher.execute(query)
        else:
            assert await dispatcher.errors(query) == [healthy_code]
    finally:
        await dispatcher.close()


@pytest.mark.parametrize(
    ("driver_error", "code", "retryable"),
    [
        (AutoReconnect("connection reset"), "SERVICE_UNAVAILABLE", True),
        (OperationFailure("refused", code=8), "SERVICE_UNAVAILABLE", True),
        (OperationFailure("write conflict", code=112), "CONFLICT", None),
        (DuplicateKeyError("E11000 dup key: active_tech_id"), "CONFLICT", None),
    ],
)
def test_driver_error_escaping_any_resolver_is_classified_not_masked(
    driver_error: Exception, code: str, retryable: bool | None
) -> None:
    """A driver error that no code below the schema translated still leaves with our code
    (and `retryable` where a retry helps), never as INTERNAL_SERVER_ERROR."""
    escaped = CoreError("boom", path=["job"], original_error=driver_error)
    answer = classify(escaped)
    assert answer.extensions is not None
    assert answer.extensions["code"] == code
    assert answer.extensions.get("retryable") is retryable
    assert "boom" not in answer.message
