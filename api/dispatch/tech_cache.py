"""Each API process's copy of the technician documents, for routing's decisions.

A decision needs every technician for the company prior (and a batch needs the free
ones); re-reading 200 documents per decision was most of a decision's cost. The copy
is kept fresh like the open-job index (api/dispatch/open_jobs.py):

- a load at start, then a full reload every period (heals anything a lost event left);
- the board's "technician" events: re-read that one technician;
- the service's own writes, applied directly.

A stale copy is harmless: every assignment is a conditional write on the tech's status
in MongoDB, so a tech shown free who is not makes that write fail with Conflict. The
one tech a decision is for is always read from MongoDB (see `dispatch_tech`).

Who is free is decided in MongoDB: a batch's `current` checks every technician's
version (a small projected read) and re-reads only the changed documents, so a tech
written behind the service's back (a script, a test) is still seen.

Without `start` (the simulator, scripts, tests driving actions directly) nothing
follows the broker, so each call reads every technician, as before.
"""

from __future__ import annotations

from api.dispatch.board_follower import BoardFollower
from api.persistence import lookups
from api.persistence.store import Doc, Store
from realtime import Broker, Event


class TechCache(BoardFollower):
    """The technician documents of one process, by id."""

    what = "technician cache"

    def __init__(self, store: Store, broker: Broker, resync_seconds: float) -> None:
        super().__init__(broker, resync_seconds)
        self.store = store
        self._docs: dict[str, Doc] = {}

    async def known(self) -> list[Doc]:
        """Every technician as this process knows them (for the company prior, which
        moves slowly): the followed copy, or a fresh read when not started."""
        if not self.following:
            await self.reload()
        return list(self._docs.values())

    async def current(self) -> list[Doc]:
        """Every technician, checked against MongoDB (who is free is decided there):
        one read of ids and versions, then only the changed documents are re-read."""
        if not self.following:
            await self.reload()
            return list(self._docs.values())
        versions = await lookups.technician_versions(self.store)
        changed = [
            t
            for t, v in versions.items()
            if t not in self._docs or int(self._docs[t].get("version", 0)) < v
        ]
        if changed:
            for doc in await lookups.technicians_by_ids(self.store, changed):
                self.apply(doc)
        for gone in [t for t in self._docs if t not in versions]:
            del self._docs[gone]
        return list(self._docs.values())

    def get(self, tech_id: str) -> Doc | None:
        """One technician as last seen (None if unknown)."""
        return self._docs.get(tech_id)

    def apply(self, doc: Doc) -> None:
        """Take a technician document just written or read; older versions are ignored."""
        known = self._docs.get(doc["_id"])
        if known is None or int(doc.get("version", 0)) >= int(known.get("version", 0)):
            self._docs[doc["_id"]] = doc

    async def refresh(self, tech_id: str) -> None:
        """Re-read one technician (dropping them if gone)."""
        doc = await lookups.technician_or_none(self.store, tech_id)
        if doc is None:
            self._docs.pop(tech_id, None)
        else:
            self.apply(doc)

    async def heal(self) -> None:
        await self.reload()

    async def reload(self) -> None:
        """Replace the copy with MongoDB's technicians."""
        fresh = {d["_id"]: d for d in await lookups.all_technicians(self.store)}
        for tech_id, known in self._docs.items():
            # Applied while the read ran: newer than what the read saw.
            doc = fresh.get(tech_id)
            if doc is not None and int(known.get("version", 0)) > int(doc.get("version", 0)):
                fresh[tech_id] = known
        self._docs = fresh

    async def on_event(self, event: Event) -> None:
        if event["kind"] == "technician":
            known = self._docs.get(event["id"])
            if known is None or event["version"] > int(known.get("version", 0)):
                await self.refresh(event["id"])
