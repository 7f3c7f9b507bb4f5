"""What `nextjob serve` prints for the demo: where each page is, the demo's people
and developer tokens. Only the demo prints them; a production start prints neither."""

from __future__ import annotations

from datetime import timedelta

from api.access.tokens import issue_token
from api.core.domain import Role
from api.core.settings import Settings


def print_people(people: list[tuple[str, str, str]]) -> None:
    """The demo's sign-in names and passwords: printed this once, only hashes are kept."""
    if not people:
        return
    print("Demo accounts (sign in at /signin; shown once, only their hashes are kept):")
    for login, role, password in people:
        print(f"  {role:<11} {login:<12} {password}")


def print_banner(settings: Settings) -> None:
    """Where each page is, and developer tokens for GraphiQL and scripts."""
    base = f"http://{settings.host}:{settings.port}"
    secret = settings.signing_secret()
    ttl = timedelta(hours=settings.token_ttl_hours)
    print(
        f"""
nextjob is starting on {base}
  start:     {base}/          (every page: board, desk, team, accounts, technician app)
  sign in:   {base}/signin   (the demo accounts above)
  GraphiQL:  {base}/graphql   (add header  Authorization: Bearer <token>)
Developer tokens for GraphiQL and scripts, valid {settings.token_ttl_hours:g} h
(more: `.venv/bin/nextjob token ROLE SUBJECT`, roles technician csr dispatcher manager integration):
  dispatcher  {issue_token(secret, Role.DISPATCHER, "dispatch_demo", ttl)}
  csr         {issue_token(secret, Role.CSR, "csr_demo", ttl)}
  manager     {issue_token(secret, Role.MANAGER, "manager_demo", ttl)}
  technician  {issue_token(secret, Role.TECHNICIAN, "tech_09", ttl)}   (tech_09, no phone sim)
Press Ctrl-C to stop (the embedded database stops with it; data stays in {settings.data_dir}).
""",
        flush=True,
    )
