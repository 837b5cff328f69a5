import { describe, expect, it } from "vitest";
import { formatBytes, formatDate, pageCount, parseSelection, selectionSearch, type Selection } from "./library";

describe("formatBytes", () => {
  it("uses decimal units", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(1500)).toBe("1.5 KB");
    expect(formatBytes(2_000_000)).toBe("2 MB");
    expect(formatBytes(820_400_000_000)).toBe("820 GB");
    expect(formatBytes(12_340_000_000)).toBe("12.3 GB");
    expect(formatBytes(1_500_000_000_000)).toBe("1.5 TB");
    expect(formatBytes(42_000_000_000_000)).toBe("42 TB");
  });
  it("never shows 1000 of a unit", () => {
    expect(formatBytes(999_960_000_000)).toBe("1 TB");
    expect(formatBytes(999_400_000_000)).toBe("999 GB");
  });
  it("shows nonsense as 0 B", () => {
    expect(formatBytes(-1)).toBe("0 B");
    expect(formatBytes(Number.NaN)).toBe("0 B");
    expect(formatBytes(null)).toBe("0 B");
    expect(formatBytes(undefined)).toBe("0 B");
  });
});

describe("URL ⇄ selection", () => {
  const parse = (q: string) => parseSelection(new URLSearchParams(q));

  it("reads a quality or a codec with its page", () => {
    expect(parse("")).toBeNull();
    expect(parse("quality=4K")).toEqual({ kind: "quality", value: "4K", page: 1 });
    expect(parse("codec=hevc&page=3")).toEqual({ kind: "codec", value: "hevc", page: 3 });
    expect(parse("quality=1080p&codec=hevc")).toEqual({ kind: "quality", value: "1080p", page: 1 });
    expect(parse("quality=")).toBeNull();
  });
  it("reads bad pages as 1", () => {
    for (const p of ["0", "-2", "x", "1.5", "", "99999999999999999999"]) expect(parse(`codec=h264&page=${p}`)?.page).toBe(1);
  });
  it("writes the query string, leaving page 1 out", () => {
    expect(selectionSearch(null)).toBe("");
    expect(selectionSearch({ kind: "quality", value: "4K", page: 1 })).toBe("?quality=4K");
    expect(selectionSearch({ kind: "codec", value: "hevc", page: 2 })).toBe("?codec=hevc&page=2");
  });
  it("round-trips values that need escaping", () => {
    const cases: Selection[] = [
      { kind: "codec", value: "mpeg2 video&x=1", page: 4 },
      { kind: "quality", value: "Unknown", page: 1 },
      { kind: "codec", value: "ünïcødé/+?#", page: 12 },
    ];
    for (const s of cases) expect(parse(selectionSearch(s).slice(1))).toEqual(s);
  });
});

describe("pageCount", () => {
  it("is at least 1", () => {
    expect(pageCount(0, 25)).toBe(1);
    expect(pageCount(25, 25)).toBe(1);
    expect(pageCount(26, 25)).toBe(2);
    expect(pageCount(10, 0)).toBe(1);
  });
});

describe("formatDate", () => {
  it("writes a day in the service's time zone", () => {
    expect(formatDate("2026-11-30T23:00:00Z", "Europe/Berlin")).toBe("1 Dec 2026");
    expect(formatDate("2026-11-30T23:00:00Z", "UTC")).toBe("30 Nov 2026");
    expect(formatDate("2026-11-30T23:00:00Z", "Not/AZone")).toMatch(/2026$/);
    expect(formatDate(null, "UTC")).toBe("—");
    expect(formatDate("yesterday", "UTC")).toBe("—");
  });
});
