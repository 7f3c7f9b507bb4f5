"""Parse and validate each document once, in caches bounded by bytes, not only entries.

Phones send the same few documents all day, so parsing and validating them once pays.
But a parsed document weighs far more than its text (about 600 bytes per token), and
strawberry's `ParserCache`/`ValidationCache` count entries only, and the validation
cache's keys keep documents alive after the parser cache dropped them. Here one LRU
holds both: a document's tree and whether it validated, evicted together, within
`NEXTJOB_DOCUMENT_CACHE_BYTES` (an estimate: text plus `BYTES_PER_TOKEN` per token).

Before any parsing, a document over `NEXTJOB_MAX_DOCUMENT_BYTES` is refused
(`QUERY_TOO_COMPLEX`): the token limit alone would still let one 20 MB comment or
string through the lexer. Only documents that validate without errors are marked
valid; failures are not cached (they are not what phones send all day).
"""

from __future__ import annotations

import sys
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Final

from graphql import ASTValidationRule, DocumentNode, GraphQLError, GraphQLSchema, parse
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

BYTES_PER_TOKEN: Final = 600  # measured: 1,997 tokens parse into ~1.2 MB
MAX_ENTRIES: Final = 256
DEFAULT_MAX_DOCUMENT_BYTES: Final = 64 * 1024
DEFAULT_CACHE_BYTES: Final = 16 * 1024 * 1024

Rules = tuple[type[ASTValidationRule], ...]


@dataclass(slots=True)
class _Entry:
    document: DocumentNode
    weight: int
    valid_under: set[Rules] = field(default_factory=set)


class DocumentCache:
    """An LRU of parsed documents whose total estimated weight stays under `max_bytes`."""

    def __init__(self, max_bytes: int, max_entries: int = MAX_ENTRIES) -> None:
        self.max_bytes, self.max_entries = max_bytes, max_entries
        self.bytes = 0
        self._entries: OrderedDict[str, _Entry] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, query: str) -> _Entry | None:
        entry = self._entries.get(query)
        if entry is not None:
            self._entries.move_to_end(query)
        return entry

    def put(self, query: str, document: DocumentNode) -> _Entry:
        entry = _Entry(document, weigh(query, document))
        if entry.weight > self.max_bytes // 4:
            return entry  # too heavy to keep: the caller uses it once
        old = self._entries.pop(query, None)
        if old is not None:
            self.bytes -= old.weight
        self._entries[query] = entry
        self.bytes += entry.weight
        while self.bytes > self.max_bytes or len(self._entries) > self.max_entries:
            _, dropped = self._entries.popitem(last=False)
            self.bytes -= dropped.weight
        return entry

    def parse(self, query: str, **options: Any) -> _Entry:
        """The cached entry, or a fresh parse (raising GraphQLSyntaxError) then kept."""
        return self.get(query) or self.put(query, parse(query, **options))

    def errors(self, schema: GraphQLSchema, entry: _Entry, rules: Rules) -> list[GraphQLError]:
        """Validation errors of a cached document; a success is remembered."""
        if rules in entry.valid_under:
            return []
        errors = validate_document(schema, entry.document, rules)
        if not errors:
            entry.valid_under.add(rules)
        return errors


def weigh(query: str, document: DocumentNode) -> int:
    """Estimated bytes held by a parsed document: its text plus its tokens and nodes."""
    tokens = 0
    token = document.loc.start_token if document.loc else None
    while token is not None:
        tokens += 1
        token = token.next
    return sys.getsizeof(query) + BYTES_PER_TOKEN * tokens


@cache
def shared_cache(max_bytes: int) -> DocumentCache:
    """One cache per budget, shared by every request (extensions are made per request)."""
    return DocumentCache(max_bytes)


def document_too_large(query: str, max_bytes: int) -> GraphQLError | None:
    size = len(query.encode("utf-8", "surrogatepass"))
    if size <= max_bytes:
        return None
    return GraphQLError(
        f"document is {size} bytes; at most {max_bytes}",
        extensions={"code": "QUERY_TOO_COMPLEX", "maxBytes": max_bytes},
    )


class CachedDocuments(SchemaExtension):
    """Parse (size-capped) and validate through the shared byte-bounded cache."""

    def _limits(self) -> tuple[int, int]:
        settings = getattr(self.execution_context.context, "settings", None)
        return (
            getattr(settings, "max_document_bytes", DEFAULT_MAX_DOCUMENT_BYTES),
            getattr(settings, "document_cache_bytes", DEFAULT_CACHE_BYTES),
        )

    def on_parse(self) -> Iterator[None]:
        ec = self.execution_context
        if ec.query is not None and ec.graphql_document is None:
            max_document, cache_bytes = self._limits()
            too_large = document_too_large(ec.query, max_document)
            if too_large is not None:
                # Raised before strawberry's own parse; NextjobSchema.process_errors
                # gives it to the client as it gives parse errors.
                raise too_large
            try:
                entry = shared_cache(cache_bytes).parse(ec.query, **ec.parse_options)
            except GraphQLError:
                pass  # strawberry parses again and reports it as a request error
            else:
                ec.graphql_document = entry.document
        yield

    def on_validate(self) -> Iterator[None]:
        ec = self.execution_context
        if ec.pre_execution_errors is None and ec.graphql_document is not None:
            cache_bytes = self._limits()[1]
            document_cache = shared_cache(cache_bytes)
            entry = document_cache.get(ec.query) if ec.query is not None else None
            if entry is None or entry.document is not ec.graphql_document:
                ec.pre_execution_errors = validate_document(
                    ec.schema._schema, ec.graphql_document, ec.validation_rules
                )
            else:
                ec.pre_execution_errors = document_cache.errors(
                    ec.schema._schema, entry, ec.validation_rules
                )
        yield
