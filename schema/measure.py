"""A document's shape (`schema.shape`), measured in one pass over the document.

Each fragment is measured once and its measure reused at every spread, so the work is
linear in the document even when fragments spread each other many times (a chain of
fragments each spreading the next twice expands to 2^n fields; measuring it costs n).
The measure itself is of the expanded document, which is what execution would do:

- cost: every field resolved counts 1, multiplied by the list sizes above it (a paged
  field's `first`/`last` from the literal, the variable's value, the variable's
  default, or the field's default; other lists count `LIST_GUESS`);
- depth: nesting of fields that have selections (introspection fields not counted,
  as strawberry's depth limiter does, so GraphiQL's introspection query fits);
- aliases, and introspection root fields (`__schema`, `__type`), counted as expanded,
  and how deeply lists nest under them (`types { fields { type { fields ...` grows
  the answer by the schema's size at each level);
- repeats, pairs and merge work: fields answering under one response name in one
  selection set, fragments merged in (the most in one place; the pairs they make,
  summed; and those pairs weighted by the product of the two fields' subtree sizes).
  graphql-core's OverlappingFieldsCanBeMerged compares each such pair, and their
  subtrees pairwise (300 `me { role }` side by side take it seconds), so these are
  capped before it runs.

A fragment cycle, or fragments nested deeper than `MAX_SPREAD_NESTING`, stops the
measure (`ShapeRefused`) before recursion can grow: validation reports cycles too,
but it runs after this.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
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
    SchemaMetaFieldDef,
    SelectionSetNode,
    TypeMetaFieldDef,
    VariableNode,
    get_named_type,
)

from api.persistence.paging import DEFAULT_PAGE
from schema.shape import (
    Names,
    Shape,
    ShapeRefused,
    finish_level,
    merge_names,
    saturate,
)

LIST_GUESS: Final = 10
MAX_SPREAD_NESTING: Final = 32
_PAGE_ARGS: Final = ("first", "last")


def _is_list(t: GraphQLOutputType) -> bool:
    if isinstance(t, GraphQLNonNull):
        t = t.of_type
    return isinstance(t, GraphQLList)


class _Measure:
    def __init__(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        variables: Mapping[str, Any],
    ) -> None:
        self.schema = schema
        self.variables = variables
        self.defaults: dict[str, Any] = {}
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.measured: dict[str, tuple[Shape, Names]] = {}
        self.open: list[str] = []  # fragments being measured, outermost first

    def operation(self, op: OperationDefinitionNode) -> Shape:
        self.defaults = {
            v.variable.name.value: v.default_value.value
            for v in op.variable_definitions or ()
            if isinstance(v.default_value, IntValueNode)
        }
        root = self.schema.get_root_type(op.operation)
        return self.selections(op.selection_set, root) if root else Shape()

    def selections(self, selection_set: SelectionSetNode, parent: GraphQLNamedType) -> Shape:
        return finish_level(*self._level(selection_set, parent))

    def _level(
        self, selection_set: SelectionSetNode, parent: GraphQLNamedType
    ) -> tuple[Shape, Names]:
        """A selection set's shape and its response names, fragments merged in."""
        total, names = Shape(), Names()
        for sel in selection_set.selections:
            if isinstance(sel, FieldNode):
                shape = self.field(sel, parent)
                total += shape
                merge_names(
                    names, {(sel.alias or sel.name).value: (1, shape.fields, shape.fields**2)}
                )
            elif isinstance(sel, InlineFragmentNode):
                cond = sel.type_condition
                target = self.schema.get_type(cond.name.value) if cond else parent
                shape, inner = self._level(sel.selection_set, target or parent)
                total += shape
                merge_names(names, inner)
            elif isinstance(sel, FragmentSpreadNode):
                shape, inner = self.fragment(sel.name.value, parent)
                total += shape
                merge_names(names, inner)
        return total, names

    def fragment(self, name: str, parent: GraphQLNamedType) -> tuple[Shape, Names]:
        known = self.measured.get(name)
        if known is not None:
            return known
        definition = self.fragments.get(name)
        if definition is None:
            return Shape(), Names()  # unknown: validation names it
        if name in self.open:
            raise ShapeRefused(f"fragment {name} spreads itself", "GRAPHQL_VALIDATION_FAILED")
        if len(self.open) >= MAX_SPREAD_NESTING:
            raise ShapeRefused(
                f"fragments nested more than {MAX_SPREAD_NESTING} deep", "QUERY_TOO_COMPLEX"
            )
        self.open.append(name)
        target = self.schema.get_type(definition.type_condition.name.value) or parent
        measured = self._level(definition.selection_set, target)
        self.open.pop()
        self.measured[name] = measured
        return measured

    def field(self, node: FieldNode, parent: GraphQLNamedType) -> Shape:
        name = node.name.value
        aliases = 1 if node.alias else 0
        if name.startswith("__"):
            return self._introspection(node, aliases)
        definition = (
            parent.fields.get(name)
            if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType)
            else None
        )
        if node.selection_set is None:
            return Shape(cost=1, aliases=aliases, fields=1)
        child_type = get_named_type(definition.type) if definition else parent
        child = self.selections(node.selection_set, child_type)
        size = 1
        if definition is not None:
            size = self._size(node, definition.args)
            if size < 0:
                size = LIST_GUESS if _is_list(definition.type) else 1
                if name in ("edges", "nodes"):
                    size = 1  # counted on the connection field already
        return Shape(
            cost=saturate(1 + size * child.cost),
            depth=child.depth + 1,
            aliases=saturate(aliases + child.aliases),
            introspection=child.introspection,
            fields=saturate(1 + child.fields),
            repeats=child.repeats,
            pairs=child.pairs,
            merge=child.merge,
            lists=child.lists + (1 if definition and _is_list(definition.type) else 0),
            meta_lists=child.meta_lists,
        )

    def _introspection(self, node: FieldNode, aliases: int) -> Shape:
        """`__schema`/`__type` measured through the meta types, for their list nesting.

        Neither their depth (GraphiQL's type references nest 8 deep) nor their cost
        (lists of types, fields and arguments) count: the number of such fields and how
        deeply their lists nest are limited instead.
        """
        name = node.name.value
        meta = {"__schema": SchemaMetaFieldDef, "__type": TypeMetaFieldDef}.get(name)
        if meta is None or node.selection_set is None:
            return Shape(cost=1, aliases=aliases, fields=1)
        child = self.selections(node.selection_set, get_named_type(meta.type))
        return Shape(
            cost=1,
            aliases=saturate(aliases + child.aliases),
            introspection=saturate(1 + child.introspection),
            fields=saturate(1 + child.fields),
            repeats=child.repeats,
            pairs=child.pairs,
            merge=child.merge,
            meta_lists=max(child.meta_lists, child.lists),
        )

    def _size(self, node: FieldNode, field_args: Mapping[str, Any]) -> int:
        """The page size asked for, or -1 when the field is not paged."""
        for arg in node.arguments or ():
            if arg.name.value in _PAGE_ARGS:
                value = arg.value
                if isinstance(value, IntValueNode):
                    return _page(value.value)
                if isinstance(value, VariableNode):
                    var = value.name.value
                    given = self.variables.get(var, self.defaults.get(var))
                    return _page(given)
        for name in _PAGE_ARGS:
            if name in field_args:
                return _page(field_args[name].default_value)
        return -1


def _page(value: Any) -> int:
    """A page size from a literal, a variable's value or a default; else the default page."""
    if isinstance(value, str) and value.lstrip("-").isdigit():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return saturate(max(value, 0))
    return DEFAULT_PAGE


def measure(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
) -> tuple[Shape, Shape]:
    """(the operation that would run, every operation together), each as expanded.

    Two linear passes: every operation without variables (depth, aliases and
    introspection do not depend on them), then the chosen one with its variables and
    their defaults (the cost does). Raises `ShapeRefused` for a fragment cycle or
    fragments nested too deep.
    """
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    structure = _Measure(schema, document, {})
    shapes = [structure.operation(op) for op in operations]
    every = sum(shapes, Shape())
    chosen = [
        i
        for i, op in enumerate(operations)
        if operation_name is None or (op.name is not None and op.name.value == operation_name)
    ]
    if len(chosen) != 1:  # no such operation, or no name among several: nothing will run
        return Shape(), every
    op = operations[chosen[0]]
    if not op.variable_definitions:
        return shapes[chosen[0]], every  # nothing in it depends on variables
    return _Measure(schema, document, variables or {}).operation(op), every
