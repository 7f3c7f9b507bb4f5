"""The GraphQL schema: types, queries, mutations, subscriptions, permissions."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from schema.apikeys import ApiKeyMutation, ApiKeyQuery
from schema.board import BoardQuery, BoardSubscription
from schema.context import Context
from schema.customers import CustomerMutation, CustomerQuery
from schema.dispatcher import DispatcherMutation, DispatcherQuery
from schema.errors import ErrorCodes, classify
from schema.job_edit import JobEditMutation
from schema.limits import QueryLimits
from schema.metrics_extension import ErrorMetrics
from schema.mutations import Mutation
from schema.plan import PlanQuery
from schema.queries import Query
from schema.subscriptions import Subscription
from schema.team import TeamMutation, TeamQuery
from schema.voice import VoiceMutation, VoiceQuery, VoiceSubscription

RootQuery = merge_types(
    "Query",
    (
        Query,
        VoiceQuery,
        BoardQuery,
        DispatcherQuery,
        ApiKeyQuery,
        PlanQuery,
        TeamQuery,
        CustomerQuery,
    ),
)
RootMutation = merge_types(
    "Mutation",
    (
        Mutation,
        VoiceMutation,
        DispatcherMutation,
        ApiKeyMutation,
        TeamMutation,
        CustomerMutation,
        JobEditMutation,
    ),
)
RootSubscription = merge_types("Subscription", (Subscription, VoiceSubscription, BoardSubscription))


class NextjobSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Called for errors raised before execution (a parse error from the parser cache
        # escapes the extensions' operation hook): classify them here, in place, so they
        # carry a code too. Expected errors are answers, not incidents; `classify` logs
        # the unexpected ones.
        errors[:] = [e if (e.extensions or {}).get("code") else classify(e) for e in errors]


def build_schema() -> strawberry.Schema:
    return NextjobSchema(
        query=RootQuery,
        mutation=RootMutation,
        subscription=RootSubscription,
        extensions=[
            ErrorMetrics,  # outermost: counts the final codes ErrorCodes gives
            ErrorCodes,  # wraps the others, so it sees every error they raise
            # Phones send the same few documents all day: parse and validate them once.
            lambda: ParserCache(maxsize=256),
            lambda: ValidationCache(maxsize=256),
            lambda: QueryDepthLimiter(max_depth=8),
            lambda: MaxAliasesLimiter(max_alias_count=30),
            lambda: MaxTokensLimiter(max_token_count=2000),
            # Last: it costs only documents ValidationCache has found valid.
            QueryLimits,
        ],
    )


__all__ = ["Context", "NextjobSchema", "build_schema", "classify"]
