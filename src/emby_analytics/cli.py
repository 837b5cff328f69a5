"""The `emby-analytics` command: serve, demo, simulate, migrate, sync."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from emby_analytics import heap
from emby_analytics.backups import Backups, upgrade_backed_up
from emby_analytics.clock import SystemClock
from emby_analytics.config import ConfigError, Settings, load_settings
from emby_analytics.db.engine import Database, StorageError
from emby_analytics.emby.connection import emby_http
from emby_analytics.emby.errors import EmbyError
from emby_analytics.logconfig import configure_logging
from emby_analytics.progress import ProgressBar
from emby_analytics.serving import ListenError, bind, serve
from emby_analytics.version import VERSION

log = logging.getLogger("emby_analytics")


def main(argv: Sequence[str] | None = None) -> int:
    _no_pydantic_v1()
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    try:
        result: int = args.run(args)
        return result
    except ConfigError as exc:
        print(f"emby-analytics: {exc}", file=sys.stderr)
        return 2
    except (StorageError, EmbyError, ListenError) as exc:
        print(f"emby-analytics: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _no_pydantic_v1() -> None:
    """Tell FastAPI that this process has no Pydantic v1 models, before any route is built (the routes, in `app`,
    are imported by the commands that need them). FastAPI asks by importing `pydantic.v1` for every route and for
    every value it encodes. That loads the whole v1 package, 1.4 MB of the idle service's memory, which nothing
    here uses. A failed import is FastAPI's own "no v1 here" answer (what it gets once Pydantic drops v1)."""
    sys.modules.setdefault("pydantic.v1", None)  # type: ignore[arg-type]  # None: "not importable" (importlib)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="emby-analytics", description="Analytics and live monitoring for Emby.")
    parser.add_argument("--version", action="version", version=f"emby-analytics {VERSION}")
    parser.add_argument("--env-file", type=Path, default=Path(".env"), help="optional .env file (default: ./.env)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the service (configured by environment variables)")
    serve.set_defaults(run=_serve)

    demo = commands.add_parser("demo", help="run the service against a built-in simulated Emby with demo data")
    demo.add_argument("--data-dir", type=Path, default=Path("demo-data"), help="where the demo keeps its database")
    demo.add_argument("--port", type=int, default=None, help="service port (default: PORT or 8080)")
    demo.add_argument("--host", default="127.0.0.1", help="service address (default: 127.0.0.1)")
    demo.add_argument("--seed", type=int, default=42, help="seed of the simulated world")
    demo.set_defaults(run=_demo)

    simulate = commands.add_parser("simulate", help="run only the simulated Emby server")
    simulate.add_argument("--host", default="127.0.0.1")
    simulate.add_argument("--port", type=int, default=8096)
    simulate.add_argument("--seed", type=int, default=42)
    simulate.add_argument("--items", type=int, default=None, help="approximate library size (default: demo size)")
    simulate.add_argument("--api-key", default=None, help="API key clients must send (default: random, printed)")
    simulate.add_argument("--latency-ms", type=float, default=0.0, help="added latency per request")
    simulate.add_argument(
        "--history-days", type=int, default=90, help="days of past viewing in the Playback Reporting plugin (0: none)"
    )
    simulate.set_defaults(run=_simulate)

    migrate_cmd = commands.add_parser("migrate", help="apply database migrations and exit")
    migrate_cmd.set_defaults(run=_migrate)

    accuracy = commands.add_parser(
        "accuracy", help="measure watch-time accuracy: every scenario through the service vs the simulator's truth"
    )
    accuracy.set_defaults(run=_accuracy)

    sync = commands.add_parser("sync", help="sync users and the library once, then exit")
    sync.add_argument("--incremental", action="store_true", help="only items changed since the last sync")
    sync.set_defaults(run=_sync)

    openapi = commands.add_parser("openapi", help="print the HTTP API's OpenAPI document (what /openapi.json serves)")
    openapi.set_defaults(run=_openapi)
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    settings = load_settings(env_file=args.env_file)
    configure_logging(settings.log_level, settings.secret_values())
    return settings


def _require_emby(settings: Settings) -> None:
    if not settings.emby_api_key.get_secret_value():
        raise ConfigError(
            "invalid configuration:\n  EMBY_API_KEY: required; create one in Emby under Dashboard > Advanced > API Keys"
        )


def _serve(args: argparse.Namespace) -> int:
    heap.one_arena()  # before any thread starts (see emby_analytics.heap)
    settings = _settings(args)
    _require_emby(settings)
    # The port first, then the database: a taken port or an unusable database is one line on stderr (main), and
    # a taken port leaves no file behind. The app's lifespan opens the migrated database again (one SELECT).
    sock = bind(settings.host, settings.port)
    try:
        before, after = _upgrade(settings)
        if before != after:
            log.info("database migrated", extra={"from": before or "empty", "to": after})
        from emby_analytics.app import create_app

        asyncio.run(serve(create_app(settings), sock))
    finally:
        sock.close()
    return 0


def _upgrade(settings: Settings) -> tuple[str | None, str]:
    db = Database.open(settings.sqlite_path)
    try:
        before, after = upgrade_backed_up(db, Backups.of(db, settings, SystemClock()))
    finally:
        db.close()
    return before, after


def _migrate(args: argparse.Namespace) -> int:
    settings = _settings(args)
    before, after = _upgrade(settings)
    print(f"database {settings.sqlite_path}: {before or 'empty'} -> {after}")
    return 0


def _openapi(_args: argparse.Namespace) -> int:
    # The document describes the routes only: no setting, file or Emby is needed to make it (the web UI's types
    # are generated from it at build time).
    from emby_analytics.app import create_app

    settings = load_settings({"EMBY_BASE_URL": "http://emby.invalid", "SQLITE_PATH": "/nonexistent/emby.db"})
    print(json.dumps(create_app(settings).openapi(), indent=1, sort_keys=True))
    return 0


def _sync(args: argparse.Namespace) -> int:
    settings = _settings(args)
    _require_emby(settings)
    return asyncio.run(_sync_once(settings, incremental=args.incremental))


async def _sync_once(settings: Settings, *, incremental: bool) -> int:
    from emby_analytics.app import build_state

    db = Database.open(settings.sqlite_path)
    try:
        upgrade_backed_up(db, Backups.of(db, settings, SystemClock()))
        async with emby_http(settings.emby_base_url) as http:
            state = build_state(settings, db, http, SystemClock())
            users = await state.user_sync.run()
            print(
                f"users: {users.total_users} (added {users.added}, updated {users.updated}, removed {users.removed})",
                file=sys.stderr,
            )
            bar = ProgressBar()
            sync = state.library_sync
            result = await (sync.incremental(bar) if incremental else sync.full(bar))
            print(
                f"{result.kind} sync: {result.processed} items, {result.removed} removed, "
                f"{result.skipped} skipped, {result.emby_calls} Emby calls",
                file=sys.stderr,
            )
    finally:
        db.close()
    return 0


def _accuracy(args: argparse.Namespace) -> int:
    from emby_analytics.accuracy.runner import main_async  # test tooling, loaded only for this command

    configure_logging("warning", [])
    return asyncio.run(main_async())


def _simulate(args: argparse.Namespace) -> int:
    from emby_analytics.demo import run_simulator

    configure_logging("info", [])
    return asyncio.run(run_simulator(args))


def _demo(args: argparse.Namespace) -> int:
    from emby_analytics.demo import run_demo

    heap.one_arena()
    return asyncio.run(run_demo(args, env_file=args.env_file))


if __name__ == "__main__":
    raise SystemExit(main())
