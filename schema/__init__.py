"""The GraphQL schema: types, queries, mutations, subscriptions, permissions."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaxTokensLimiter
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from schema.accounts import AccountMutation, AccountQuery
from schema.apikeys import ApiKeyMutation, ApiKeyQuery
from schema.board import BoardQuery, BoardSubscription
from schema.context import Context
from schema.customers import CustomerMutation, CustomerQuery
from schema.desk import DeskQuery
from schema.dispatcher import DispatcherMutation, DispatcherQuery
from schema.document_cache import CachedDocuments
from schema.errors import ErrorCodes, classify
from schema.job_edit import JobEditMutation
from schema.limits import MAX_TOKENS, QueryLimits
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
        AccountQuery,
        DeskQuery,
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
        AccountMutation,
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
            # Parsing stops after 2,000 tokens (and CachedDocuments refuses oversized
            # documents before parsing starts).
            lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
            # Depth, aliases, introspection and cost, in one linear pass over the parsed
            # document, before validation: strawberry's depth and alias limiters walk
            # every spread of every fragment again (2^n for a doubling chain).
            QueryLimits,
            # Phones send the same few documents all day: parse and validate them once,
            # in a cache bounded by bytes.
            CachedDocuments,
        ],
    )


__all__ = ["Context", "NextjobSchema", "build_schema", "classify"]
