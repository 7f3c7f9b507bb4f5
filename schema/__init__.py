"""The GraphQL schema: types, queries, mutations, subscriptions, permissions."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter
from strawberry.types import ExecutionContext

from schema.context import Context
from schema.errors import ErrorCodes, classify
from schema.mutations import Mutation
from schema.queries import Query
from schema.subscriptions import Subscription


class NextjobSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Expected errors are answers, not incidents; `classify` logs the unexpected ones.
        return None


def build_schema() -> strawberry.Schema:
    return NextjobSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=[
            lambda: QueryDepthLimiter(max_depth=8),
            lambda: MaxAliasesLimiter(max_alias_count=30),
            lambda: MaxTokensLimiter(max_token_count=2000),
            ErrorCodes,
        ],
    )


__all__ = ["Context", "NextjobSchema", "build_schema", "classify"]
