"""What the phone app relies on: its operations as `.graphql` files, and the schema."""

from __future__ import annotations

from functools import cache
from pathlib import Path

OPERATIONS_DIR = Path(__file__).parent / "operations"
SCHEMA_SNAPSHOT = Path(__file__).parent / "schema.graphql"


@cache
def operations() -> dict[str, str]:
    """Operation name -> document, one file per operation."""
    return {p.stem: p.read_text() for p in sorted(OPERATIONS_DIR.glob("*.graphql"))}


def operation(name: str) -> str:
    try:
        return operations()[name]
    except KeyError:
        raise KeyError(f"no phone operation named {name!r} in {OPERATIONS_DIR}") from None


def document_hash(document: str) -> str:
    """The sha256 a phone sends instead of the document (trusted documents)."""
    import hashlib

    return hashlib.sha256(document.encode()).hexdigest()


def manifest() -> dict[str, str]:
    """Operation name -> sha256 of its document, as committed in manifest.json."""
    import json

    data: dict[str, str] = json.loads((Path(__file__).parent / "manifest.json").read_text())
    return data


def current_manifest() -> dict[str, str]:
    return {name: document_hash(doc) for name, doc in operations().items()}
