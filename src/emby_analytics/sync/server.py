"""Which Emby server this is (id, name, version), kept up to date by a job so no request waits on Emby for it."""

from __future__ import annotations

from dataclasses import dataclass

from emby_analytics.clock import Clock
from emby_analytics.emby.client import EmbyClient
from emby_analytics.emby.models import SystemInfo
from emby_analytics.scheduler import Job


@dataclass(frozen=True)
class ServerIdentity:
    server_id: str
    server_name: str
    version: str

    @classmethod
    def from_info(cls, info: SystemInfo) -> ServerIdentity:
        return cls(info.id or "", info.server_name or "", info.version or "")


class ServerInfoJob(Job):
    """Asks Emby who it is at start-up and hourly; `identity` is None until Emby has answered once."""

    name = "server-info"

    def __init__(self, emby: EmbyClient, clock: Clock, interval_sec: float = 3600.0) -> None:
        super().__init__(interval_sec, clock)
        self.emby = emby
        self.identity: ServerIdentity | None = None

    async def run_once(self) -> None:
        self.identity = ServerIdentity.from_info(await self.emby.system_info())
