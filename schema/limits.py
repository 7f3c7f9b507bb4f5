"""Protection against expensive documents, beside strawberry's depth/alias/token limits.

- Cost: every field resolved counts 1, multiplied by the list sizes above it (a
  paged field's `first`/`last`, or its default; other lists count `LIST_GUESS`).
  Above `NEXTJOB_MAX_QUERY_COST` the document is refused with `QUERY_TOO_COMPLEX`
  before anything runs.
- Introspection: off when `NEXTJOB_INTROSPECTION=false` (`__typename` still works).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Final

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
)
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import SchemaExtension

from api.persistence.paging import DEFAULT_PAGE

LIST_GUESS: Final = 10
_PAGE_ARGS: Final = ("first", "last")


def _is_list(t: GraphQLOutputType) -> bool:
    if isinstance(t, GraphQLNonNull):
        t = t.of_type
    return isinstance(t, GraphQLList)


class _Cost:
    def __init__(self, schema: GraphQLSchema, document: DocumentNode, variables: Mapping[str, Any]):
        self.schema = schema
        self.variables = variables
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }

    def _size(self, node: FieldNode, field_args: Mapping[str, Any]) -> int | None:
        for arg in node.arguments or ():
            if arg.name.value in _PAGE_ARGS:
                value = arg.value
                if isinstance(value, IntValueNode):
                    return int(value.value)
                if isinstance(value, VariableNode):
                    v = self.variables.get(value.name.value)
                    return v if isinstance(v, int) else DEFAULT_PAGE
        for name in _PAGE_ARGS:
            if name in field_args:
                default = field_args[name].default_value
                return default if isinstance(default, int) else DEFAULT_PAGE
        return None

    def selections(self, selection_set: SelectionSetNode, parent: GraphQLNamedType) -> int:
        total = 0
        for sel in selection_set.selections:
            if isinstance(sel, FieldNode):
                total += self.field(sel, parent)
            elif isinstance(sel, InlineFragmentNode):
                cond = sel.type_condition
                target = self.schema.get_type(cond.name.value) if cond else parent
                total += self.selections(sel.selection_set, target or parent)
            elif isinstance(sel, FragmentSpreadNode):
                frag = self.fragments.get(sel.name.value)
                if frag is not None:
                    target = self.schema.get_type(frag.type_condition.name.value)
                    total += self.selections(frag.selection_set, target or parent)
        return total

    def field(self, node: FieldNode, parent: GraphQLNamedType) -> int:
        if node.name.value.startswith("__") or not isinstance(
            parent, GraphQLObjectType | GraphQLInterfaceType
        ):
            return 1
        definition = parent.fields.get(node.name.value)
        if definition is None or node.selection_set is None:
            return 1
        size = self._size(node, definition.args)
        if size is None:
            size = LIST_GUESS if _is_list(definition.type) else 1
            if node.name.value in ("edges", "nodes"):
                size = 1  # counted on the connection field already
        child = self.selections(node.selection_set, get_named_type(definition.type))
        return 1 + size * child


def estimate_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
) -> int:
    """Fields the operation would resolve, lists taken at their requested size."""
    cost = _Cost(schema, document, variables or {})
    for op in document.definitions:
        if not isinstance(op, OperationDefinitionNode):
            continue
        if operation_name is not None and (op.name is None or op.name.value != operation_name):
            continue
        root = schema.get_root_type(op.operation)
        return cost.selections(op.selection_set, root) if root else 0
    return 0


class QueryLimits(SchemaExtension):
    """Cost limit and the introspection switch, read from the request's settings."""

    def _settings(self) -> Any:
        return getattr(self.execution_context.context, "settings", None)

    def on_operation(self) -> Iterator[None]:
        settings = self._settings()
        if settings is not None and not settings.introspection:
            ec = self.execution_context
            ec.validation_rules = (*ec.validation_rules, NoSchemaIntrospectionCustomRule)
        yield

    def on_validate(self) -> Iterator[None]:
        # Runs after ValidationCache has validated: only valid documents are costed.
        ec = self.execution_context
        settings = self._settings()
        if settings is not None and not ec.pre_execution_errors and ec.graphql_document:
            cost = estimate_cost(
                ec.schema._schema, ec.graphql_document, ec.operation_name, ec.variables
            )
            if cost > settings.max_query_cost:
                ec.pre_execution_errors = [
                    GraphQLError(
                        f"query too complex: estimated cost {cost} exceeds "
                        f"{settings.max_query_cost}; ask for fewer rows or fields",
                        extensions={
                            "code": "QUERY_TOO_COMPLEX",
                            "cost": cost,
                            "maxCost": settings.max_query_cost,
                        },
                    )
                ]
        yield
