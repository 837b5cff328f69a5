import { describe, expect, it } from "vitest";
import { livePosition, progressPct } from "./progress";

describe("livePosition", () => {
  const received = 1_000_000;
  it("moves on with the time since the view arrived", () => {
    const card = { position_sec: 100, duration_sec: 1000, is_paused: false };
    expect(livePosition(card, received, received)).toBe(100);
    expect(livePosition(card, received, received + 5_000)).toBe(105);
    expect(livePosition(card, received, received + 2_500)).toBeCloseTo(102.5);
  });
  it("stands still when paused", () => {
    const card = { position_sec: 100, duration_sec: 1000, is_paused: true };
    expect(livePosition(card, received, received + 60_000)).toBe(100);
  });
  it("never passes the end or goes back", () => {
    const card = { position_sec: 995, duration_sec: 1000, is_paused: false };
    expect(livePosition(card, received, received + 60_000)).toBe(1000);
    expect(livePosition(card, received, received - 10_000)).toBe(995);
  });
  it("runs on without a duration", () => {
    const card = { position_sec: 10, duration_sec: null, is_paused: false };
    expect(livePosition(card, received, received + 3_000)).toBe(13);
  });
});

describe("progressPct", () => {
  it("is a clamped percentage", () => {
    expect(progressPct(50, 200)).toBe(25);
    expect(progressPct(300, 200)).toBe(100);
    expect(progressPct(10, null)).toBeNull();
    expect(progressPct(10, 0)).toBeNull();
  });
});
