import { describe, expect, it } from "vitest";
import type { Health } from "../api/types";
import { ApiError } from "../api/client";
import { healthProblem } from "./health";

function health(over: { poller?: Partial<Health["poller"]>; db?: Partial<Health["db"]>; status?: string; jobs?: Health["jobs"]; auth_failed?: boolean } = {}): Health {
  return {
    ok: true,
    status: over.status ?? "ok",
    version: "1",
    db: { ok: true, size_bytes: 1, wal_bytes: 0, error: null, ...over.db } as Health["db"],
    poller: {
      ok: true, interval_sec: 5, last_poll: null, last_success: "2024-06-01T10:00:00Z", last_error: null, consecutive_failures: 0,
      next_poll: null, open_plays: 0, unsaved_plays: 0, waiting_webhooks: 0, last_write_error: null, subscriber_errors: 0,
      last_subscriber_error: null, ...over.poller,
    } as Health["poller"],
    websocket: { enabled: true, connected: true, auth_failed: over.auth_failed ?? false } as Health["websocket"],
    jobs: over.jobs ?? [],
    guard: { enabled: false, failures: 0, gave_up: 0, last_stopped_at: null, pending: 0, stopped: 0 },
  };
}

const NOW = new Date("2024-06-01T12:00:00Z");

describe("healthProblem", () => {
  it("is null when all is well", () => {
    expect(healthProblem(health(), null, "UTC", NOW)).toBeNull();
  });

  it("says the service itself cannot be reached first", () => {
    expect(healthProblem(undefined, new ApiError(0, "unreachable", "x"), "UTC", NOW)).toMatchObject({ tone: "down", label: "Service unreachable" });
  });

  it("tells a refused reader and a broken database apart from an unreachable service", () => {
    const refused = healthProblem(undefined, new ApiError(403, "forbidden", "reading needs the admin token here (READ_ACCESS=token)"), "UTC", NOW);
    expect(refused?.label).toBe("Not signed in");
    expect(refused?.detail).toContain("READ_ACCESS=token");
    const broken = healthProblem(undefined, new ApiError(503, "db", "database disk image is malformed"), "UTC", NOW);
    expect(broken).toMatchObject({ tone: "down", label: "Database unavailable" });
  });

  it("says Emby is down, since when and why, and that nothing recorded is lost", () => {
    const p = healthProblem(health({ status: "degraded", poller: { ok: false, last_error: "GET /Sessions: connection refused" } }), null, "Europe/Berlin", NOW);
    expect(p?.label).toBe("Emby unreachable");
    expect(p?.detail).toContain("it last answered at 12:00"); // 10:00 UTC in Berlin (summer time)
    expect(p?.detail).toContain("connection refused");
    expect(p?.detail).toContain("plays open now are kept");
  });

  it("names plays waiting for the database", () => {
    const p = healthProblem(health({ status: "degraded", poller: { unsaved_plays: 3, last_write_error: "database is locked" } }), null, "UTC", NOW);
    expect(p).toMatchObject({ label: "Plays not stored" });
    expect(p?.detail).toContain("3 play(s) wait in memory");
  });

  it("names a failed background job", () => {
    const job = { name: "library-incremental", running: false, runs: 2, last_run_at: null, last_error: "boom", consecutive_failures: 1 };
    expect(healthProblem(health({ status: "degraded", jobs: [job] }), null, "UTC", NOW)?.detail).toContain("library-incremental");
  });
});
