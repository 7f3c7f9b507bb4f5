"""The phone's contract is a file the build defends: its operations, hashes and the schema."""

from __future__ import annotations

from graphql import build_schema as build_sdl
from graphql import find_breaking_changes, parse, validate

from mobile_contract import SCHEMA_SNAPSHOT, current_manifest, manifest, operations
from schema import build_schema

UPDATE = "update it deliberately: .venv/bin/nextjob export-schema --output " + str(SCHEMA_SNAPSHOT)


def test_every_phone_operation_validates_against_the_schema() -> None:
    """Each .graphql operation the phone ships is valid against today's schema."""
    schema = build_schema()._schema
    assert operations(), "no phone operations found"
    for name, document in operations().items():
        errors = validate(schema, parse(document))
        assert not errors, f"{name}: {[e.message for e in errors]}"


def test_schema_has_no_breaking_change_against_the_snapshot() -> None:
    """No field, type or argument the committed snapshot offers has been removed or changed."""
    old = build_sdl(SCHEMA_SNAPSHOT.read_text())
    new = build_sdl(build_schema().as_str())
    breaking = find_breaking_changes(old, new)
    assert not breaking, [c.description for c in breaking]


def test_snapshot_is_current() -> None:
    """Any schema change shows up as a diff of the committed snapshot."""
    assert SCHEMA_SNAPSHOT.read_text() == build_schema().as_str() + "\n", UPDATE


def test_manifest_hashes_match_the_operations() -> None:
    """manifest.json lists every operation with the sha256 of its exact text."""
    assert manifest() == current_manifest()
