"""User sync: additions, changes and removals are reflected; removed users keep their rows."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, select
from tests.conftest import Service

from emby_analytics.db.schema import users
from emby_analytics.sync.users import EmptyUserList


def _rows(conn: Connection) -> dict[str, dict[str, object]]:
    return {row.id: dict(row._mapping) for row in conn.execute(select(users))}


async def test_user_sync_adds_updates_and_marks_removed(service: Service) -> None:
    world = service.simulator.world
    sync = service.state.user_sync

    first = await sync.run()
    assert first.total_users == len(world.users)
    assert first.added == len(world.users)
    assert (first.updated, first.removed) == (0, 0)

    again = await sync.run()
    assert (again.added, again.updated, again.removed) == (0, 0, 0)

    victim, renamed = world.users[1].id, world.users[2].id
    world.rename_user(renamed, "Renamed Person")
    world.remove_user(victim)
    newcomer = world.add_user("New Person", disabled=True)
    result = await sync.run()
    assert (result.added, result.updated, result.removed) == (1, 1, 1)

    rows = await service.state.db.read(_rows)
    assert rows[victim]["removed_at"] is not None, "a removed user's row (and history) stays"
    assert rows[renamed]["name"] == "Renamed Person"
    assert rows[newcomer]["is_disabled"] is True
    admins = [row for row in rows.values() if row["is_admin"]]
    assert admins, "the simulated household has an administrator"


async def test_user_flags_come_from_the_policy(service: Service) -> None:
    await service.state.user_sync.run()
    rows = await service.state.db.read(_rows)
    for user in service.simulator.world.users:
        row = rows[user.id]
        assert row["is_admin"] == user.is_admin
        assert row["is_disabled"] == user.is_disabled
        assert row["is_hidden"] == user.is_hidden


async def test_an_empty_user_list_removes_nobody(service: Service) -> None:
    world = service.simulator.world
    await service.state.user_sync.run()
    for user in list(world.users):
        world.remove_user(user.id)
    with pytest.raises(EmptyUserList):
        await service.state.user_sync.run()
    rows = await service.state.db.read(_rows)
    assert all(row["removed_at"] is None for row in rows.values())
