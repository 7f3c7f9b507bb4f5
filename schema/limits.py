"""Protection against expensive documents, checked before validation and execution.

Parse work is bounded first: `NEXTJOB_MAX_DOCUMENT_BYTES` and 2,000 tokens (see
`schema.document_cache`). Then, in one linear pass over the parsed document
(`schema.measure`: each fragment measured once, however often it is spread), before
graphql-core validates anything:

- depth over `MAX_DEPTH`, aliases over `MAX_ALIASES`, more than
  `MAX_INTROSPECTION_FIELDS` `__schema`/`__type` fields or their lists nested deeper
  than `MAX_INTROSPECTION_LISTS`, more than `MAX_REPEATS` fields
  under one response name in one selection set, `MAX_FIELD_PAIRS` such pairs in the
  document or `MAX_MERGE_WORK` weighted by their subtrees (graphql-core compares each),
  a fragment cycle or fragments nested too deep: `QUERY_TOO_COMPLEX`;
- cost: every field resolved counts 1, multiplied by the list sizes above it (page
  sizes from literals, variables and variable defaults). Above
  `NEXTJOB_MAX_QUERY_COST`: `QUERY_TOO_COMPLEX`, with `cost` and `maxCost`;
- variables nested deeper than `MAX_VARIABLE_DEPTH`, or strings that are not valid
  Unicode (lone surrogates, which no database can store): `BAD_USER_INPUT`.

Introspection is off when `NEXTJOB_INTROSPECTION=false` (`__typename` still works).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Final

from graphql import DocumentNode, GraphQLError, specified_rules
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import SchemaExtension
from strawberry.schema import BaseSchema, Schema

from schema.document_cache import document_too_large, shared_cache
from schema.measure import measure
from schema.shape import Shape, ShapeRefused

MAX_TOKENS: Final = 2000
MAX_DEPTH: Final = 8
MAX_ALIASES: Final = 30
MAX_INTROSPECTION_FIELDS: Final = 2
MAX_INTROSPECTION_LISTS: Final = 3  # GraphiQL's query: types { fields { args } }
MAX_REPEATS: Final = 20
MAX_FIELD_PAIRS: Final = 400
MAX_MERGE_WORK: Final = 20_000
MAX_VARIABLE_DEPTH: Final = 16
TOO_COMPLEX: Final = "QUERY_TOO_COMPLEX"

__all__ = ["MAX_TOKENS", "QueryLimits", "storable", "variables_problem"]


def _refusal(message: str, code: str = TOO_COMPLEX, **extensions: Any) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code, **extensions})


def variables_problem(variables: Any) -> str | None:
    """Why these variables cannot be taken as they are, or None. Iterative: any depth."""
    stack: list[tuple[Any, int]] = [(variables, 0)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_VARIABLE_DEPTH:
            return f"variables are nested more than {MAX_VARIABLE_DEPTH} levels deep"
        if isinstance(value, str):
            if not _is_unicode(value):
                return "a string in the variables is not valid Unicode (lone surrogate)"
        elif isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str) and not _is_unicode(key):
                    return "a key in the variables is not valid Unicode (lone surrogate)"
                stack.append((item, depth + 1))
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)
    return None


def _is_unicode(text: str) -> bool:
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _shape_problem(shape: Shape) -> GraphQLError | None:
    if shape.depth > MAX_DEPTH:
        return _refusal(f"query is nested {shape.depth} deep; at most {MAX_DEPTH}")
    if shape.aliases > MAX_ALIASES:
        return _refusal(f"{shape.aliases} aliases; at most {MAX_ALIASES}")
    if shape.repeats > MAX_REPEATS:
        return _refusal(
            f"{shape.repeats} fields answer under one name in one selection set; "
            f"at most {MAX_REPEATS}"
        )
    if shape.pairs > MAX_FIELD_PAIRS:
        return _refusal(
            f"{shape.pairs} pairs of fields answer under the same name; at most "
            f"{MAX_FIELD_PAIRS} (each pair is compared to check that they merge)"
        )
    if shape.merge > MAX_MERGE_WORK:
        return _refusal(
            f"same-named fields with large selections: {shape.merge} comparisons; at most "
            f"{MAX_MERGE_WORK} (select each field once, or alias the copies)"
        )
    if shape.meta_lists > MAX_INTROSPECTION_LISTS:
        return _refusal(
            f"introspection lists nested {shape.meta_lists} deep; at most {MAX_INTROSPECTION_LISTS}"
        )
    if shape.introspection > MAX_INTROSPECTION_FIELDS:
        return _refusal(
            f"{shape.introspection} introspection fields (__schema, __type); "
            f"at most {MAX_INTROSPECTION_FIELDS} per document"
        )
    return None


def storable(schema: BaseSchema, query: str, settings: Any) -> bool:
    """Whether a document is worth remembering (APQ): it is within the size, token and
    shape limits, and validates. Parse and validation go through the shared cache, so
    running it right after costs nothing more."""
    if not isinstance(schema, Schema):
        return False
    if document_too_large(query, settings.max_document_bytes) is not None:
        return False
    graphql_schema = schema._schema
    try:
        entry = shared_cache(settings.document_cache_bytes).parse(query, max_tokens=MAX_TOKENS)
        every = measure(graphql_schema, entry.document, None, None)[1]
    except (GraphQLError, ShapeRefused):
        return False
    if _shape_problem(every) is not None:
        return False
    errors = shared_cache(settings.document_cache_bytes).errors(
        graphql_schema, entry, tuple(specified_rules)
    )
    return not errors


class QueryLimits(SchemaExtension):
    """Shape and cost limits and the introspection switch, from the request's settings.

    Listed before `CachedDocuments`: its `on_validate` runs first, and a refusal here
    means graphql-core never validates the document.
    """

    def _settings(self) -> Any:
        return getattr(self.execution_context.context, "settings", None)

    def on_operation(self) -> Iterator[None]:
        settings = self._settings()
        if settings is not None and not settings.introspection:
            ec = self.execution_context
            ec.validation_rules = (*ec.validation_rules, NoSchemaIntrospectionCustomRule)
        yield

    def on_validate(self) -> Iterator[None]:
        ec = self.execution_context
        if ec.pre_execution_errors is None and ec.graphql_document is not None:
            error = self._problem(ec.graphql_document)
            if error is not None:
                ec.pre_execution_errors = [error]
        yield

    def _problem(self, document: DocumentNode) -> GraphQLError | None:
        ec = self.execution_context
        problem = variables_problem(ec.variables)
        if problem is not None:
            return _refusal(problem, "BAD_USER_INPUT")
        try:
            chosen, every = measure(ec.schema._schema, document, ec.operation_name, ec.variables)
        except ShapeRefused as exc:
            return _refusal(str(exc), exc.code)
        shape_error = _shape_problem(every)
        if shape_error is not None:
            return shape_error
        settings = self._settings()
        if settings is not None and chosen.cost > settings.max_query_cost:
            return _refusal(
                f"query too complex: estimated cost {chosen.cost} exceeds "
                f"{settings.max_query_cost}; ask for fewer rows or fields",
                cost=chosen.cost,
                maxCost=settings.max_query_cost,
            )
        return None
