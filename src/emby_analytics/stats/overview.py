"""Library and user totals: `/stats/overview` and `/stats/users/total`."""

from __future__ import annotations

from pydantic import BaseModel, Field
from sqlalchemy import Connection, func, select

from emby_analytics.db.schema import items, users


class Overview(BaseModel):
    total_users: int = Field(description="Users known to Emby (not removed).")
    total_items: int = Field(description="Library items (not removed, not placeholders), all types.")
    items_by_type: dict[str, int] = Field(description="Library items per Emby type (Movie, Series, Episode...).")


class UsersTotal(BaseModel):
    total_users: int


def count_users(conn: Connection) -> int:
    return conn.execute(select(func.count()).select_from(users).where(users.c.removed_at.is_(None))).scalar_one()


def items_by_type(conn: Connection) -> dict[str, int]:
    """Live items per type. Placeholder (missing or unaired) episodes are not in the library, so not counted."""
    rows = conn.execute(
        select(items.c.type, func.count())
        .where(items.c.removed_at.is_(None), items.c.is_placeholder.is_(False))
        .group_by(items.c.type)
        .order_by(items.c.type)
    )
    return {row[0]: row[1] for row in rows}


def overview(conn: Connection) -> Overview:
    by_type = items_by_type(conn)
    return Overview(total_users=count_users(conn), total_items=sum(by_type.values()), items_by_type=by_type)


def users_total(conn: Connection) -> UsersTotal:
    return UsersTotal(total_users=count_users(conn))
