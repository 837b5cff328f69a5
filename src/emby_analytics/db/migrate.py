"""Bring the database to the newest schema, at start-up and from `emby-analytics migrate`.

Alembic (with Mako and Pygments behind it, ~10 MB of a ~70 MB service) is imported only when an existing database
needs migrating: a database already at the newest revision is only read (one SELECT), and a new, empty one is
created from the declared schema (`metadata.create_all`, its views and triggers) and stamped with the newest
revision, as Alembic's cookbook does for "an up to date database from scratch". Tests check that both ways build
the same database.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, text

from emby_analytics.db.engine import Database
from emby_analytics.db.schema import metadata

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
_REVISION = re.compile(r"""^revision\s*=\s*["']([^"']+)["']""", re.MULTILINE)
_DOWN = re.compile(r"""^down_revision\s*=\s*(None|["']([^"']+)["'])""", re.MULTILINE)
# Exactly the table Alembic creates to hold the revision, so Alembic reads and updates ours.
_VERSION_TABLE = (
    "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, "
    "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))"
)


def head_revision() -> str:
    """The newest revision, read from the migration scripts' `revision` / `down_revision` lines (no Alembic)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in (MIGRATIONS / "versions").glob("*.py"):
        source = script.read_text(encoding="utf-8")
        revision, down = _REVISION.search(source), _DOWN.search(source)
        if revision is None or down is None:
            raise RuntimeError(f"migration {script.name} has no revision/down_revision line")
        revisions.add(revision.group(1))
        if down.group(2):
            parents.add(down.group(2))
    heads = revisions - parents
    if len(heads) != 1:
        raise RuntimeError(f"the migrations must have one head, found {sorted(heads)}")
    return heads.pop()


def _revision(conn: Connection) -> str | None:
    if not _has_table(conn, "alembic_version"):
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _has_table(conn: Connection, name: str) -> bool:
    found = conn.execute(text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :name"), {"name": name})
    return found.first() is not None


def _is_empty(conn: Connection) -> bool:
    return conn.execute(text("SELECT 1 FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'")).first() is None


def current_revision(db: Database) -> str | None:
    with db.writer.connect() as conn:
        return _revision(conn)


def upgrade(db: Database) -> tuple[str | None, str]:
    """Bring the schema to the newest revision; returns (revision before, revision after)."""
    head = head_revision()
    before = current_revision(db)
    if before == head:
        return before, head

    def create(conn: Connection) -> bool:
        if not _is_empty(conn):
            return False
        metadata.create_all(conn)
        conn.execute(text(_VERSION_TABLE))
        conn.execute(text("INSERT INTO alembic_version (version_num) VALUES (:head)"), {"head": head})
        return True

    if before is None and db.write_sync(create):
        return None, head
    upgrade_with_alembic(db)
    return before, head


def upgrade_with_alembic(db: Database, revision: str = "head") -> None:
    """Run the migration scripts up to `revision` (tests also build databases this way, and older revisions)."""
    from alembic import command  # Alembic is loaded only when a database needs migrating

    config = _config()
    with db.writer.connect() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)


def _config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config
