"""What every resolver gets: the actions' dependencies, the readers, and who is asking."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.websockets import WebSocket
from strawberry.dataloader import DataLoader
from strawberry.types import Info as StrawberryInfo

from api.core.errors import Unauthenticated
from api.core.principal import Principal
from api.core.settings import Settings
from api.customers.timing import CustomerTiming
from api.dispatch.deps import Dispatch
from api.insight.lookahead import LookaheadPlanner
from api.persistence.reads import Reader
from api.persistence.store import Doc
from api.voice.alerts import AlertBoard
from realtime import Broker


@dataclass
class Context:
    dispatch: Dispatch  # what every dispatch and voice action takes first
    board: AlertBoard
    reader: Reader
    broker: Broker
    settings: Settings
    timing: CustomerTiming
    planner: LookaheadPlanner
    request: Request | WebSocket | None = None
    response: Any = None
    principal: Principal | None = None
    connection_params: dict[str, Any] = field(default_factory=dict)
    _tech_loader: DataLoader[str, Doc | None] | None = None

    def viewer(self) -> Principal:
        if self.principal is None:
            raise Unauthenticated("missing bearer token")
        return self.principal

    @property
    def tech_loader(self) -> DataLoader[str, Doc | None]:
        # One loader per HTTP request; subscriptions call `fresh_loaders` before each push
        # because a WebSocket's context lives as long as the socket.
        if self._tech_loader is None:
            self._tech_loader = DataLoader(load_fn=self.reader.technicians_by_ids)
        return self._tech_loader

    def check_token(self) -> None:
        """Sockets outlive tokens: a stream stops once its token has expired."""
        p = self.viewer()
        if p.expires_at is not None and p.expires_at <= datetime.now(UTC):
            raise Unauthenticated("token expired; reconnect with a fresh one")

    def fresh_loaders(self) -> None:
        self._tech_loader = None


Info = StrawberryInfo[Context, None]
