import { describe, expect, it } from "vitest";
import { authState, confirmMatches, formatBytes, importText, refreshPercent, refreshText, type RefreshLike } from "./admin";

const base: RefreshLike = { running: false, status: null, phase: null, processed: 0, total: 0, pct: null, started_at: null, error: null };

describe("refreshText", () => {
  it("shows percent and counts while running", () => {
    expect(refreshText({ ...base, running: true, status: "running", processed: 42, total: 100, pct: 42 })).toBe("Refreshing… 42% (42/100)");
  });
  it("computes the percent when pct is missing", () => {
    expect(refreshText({ ...base, running: true, processed: 1, total: 3 })).toBe("Refreshing… 33% (1/3)");
  });
  it("has no percent before the total is known", () => {
    expect(refreshText({ ...base, running: true, phase: "libraries" })).toBe("Refreshing… (libraries)");
    expect(refreshText({ ...base, running: true })).toBe("Refreshing…");
  });
  it("says Done, the error, or that none ran", () => {
    expect(refreshText({ ...base, status: "done", started_at: "x" })).toBe("Done");
    expect(refreshText({ ...base, status: "failed", started_at: "x", error: "Emby 502" })).toBe("Failed: Emby 502");
    expect(refreshText({ ...base, status: "interrupted", started_at: "x" })).toBe("Interrupted");
    expect(refreshText(base)).toBe("No library sync since start-up.");
  });
});

describe("refreshPercent", () => {
  it("rounds and clamps", () => {
    expect(refreshPercent({ processed: 0, total: 0, pct: 99.6 })).toBe(100);
    expect(refreshPercent({ processed: 5, total: 4, pct: null })).toBe(100);
    expect(refreshPercent({ processed: 0, total: 0, pct: null })).toBeNull();
  });
});

describe("importText", () => {
  const imp = { running: false, rows_read: 10, plays_added: 7, pages: 2, started_at: null, finished_at: null, error: null };
  it("covers each state", () => {
    expect(importText(imp)).toBe("No import since start-up.");
    expect(importText({ ...imp, running: true, started_at: "x" })).toBe("Importing… page 2: 10 rows read, 7 plays added");
    expect(importText({ ...imp, started_at: "x", finished_at: "y" })).toBe("Done: 10 rows read, 7 plays added");
    expect(importText({ ...imp, started_at: "x", error: "no plugin" })).toBe("Failed: no plugin");
  });
});

describe("confirmMatches", () => {
  it("needs the exact name", () => {
    expect(confirmMatches("reset-all", "reset-all")).toBe(true);
    expect(confirmMatches("  reset-all ", "reset-all")).toBe(true);
    expect(confirmMatches("Reset-All", "reset-all")).toBe(false);
    expect(confirmMatches("reset", "reset-all")).toBe(false);
    expect(confirmMatches("", "reset-lifetime")).toBe(false);
  });
});

describe("authState", () => {
  it("maps the check", () => {
    expect(authState("pending", null)).toBe("checking");
    expect(authState("success", null)).toBe("signed-in");
    expect(authState("error", 401)).toBe("signed-out");
    expect(authState("error", 500)).toBe("error");
  });
});

describe("formatBytes", () => {
  it("scales", () => {
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(1536)).toBe("1.5 KB");
    expect(formatBytes(5 * 1024 * 1024)).toBe("5.0 MB");
  });
});
