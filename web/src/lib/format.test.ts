import { describe, expect, it } from "vitest";
import { formatClock, formatDateTime, formatDay, formatDuration, formatHms, formatMbps, formatTime, imageUrl, localUrl, validZone } from "./format";

describe("formatHms", () => {
  it("always shows hours", () => {
    expect(formatHms(0)).toBe("0:00:00");
    expect(formatHms(59.9)).toBe("0:00:59");
    expect(formatHms(61)).toBe("0:01:01");
    expect(formatHms(3600)).toBe("1:00:00");
    expect(formatHms(10 * 3600 + 5 * 60 + 7)).toBe("10:05:07");
  });
  it("shows nonsense as zero", () => {
    expect(formatHms(-5)).toBe("0:00:00");
    expect(formatHms(Number.NaN)).toBe("0:00:00");
    expect(formatHms(null)).toBe("0:00:00");
  });
});

describe("formatMbps", () => {
  it("converts bits per second", () => {
    expect(formatMbps(12_345_678)).toBe("12.3 Mbps");
    expect(formatMbps(800_000)).toBe("0.8 Mbps");
    expect(formatMbps(120_400_000)).toBe("120 Mbps");
  });
  it("is null when unknown", () => {
    expect(formatMbps(null)).toBeNull();
    expect(formatMbps(0)).toBeNull();
  });
});

describe("formatClock", () => {
  it("formats in the service's zone", () => {
    const now = new Date("2024-06-01T12:00:00Z");
    expect(formatClock("2024-06-01T10:05:00Z", "Europe/Berlin", now)).toBe("12:05");
    expect(formatClock("2024-06-01T10:05:00Z", "America/New_York", now)).toBe("06:05");
    expect(formatClock("2024-05-30T10:05:00Z", "UTC", now)).toBe("30 May 10:05");
  });
  it("ignores an unknown zone", () => {
    expect(validZone("Not/AZone")).toBeUndefined();
    expect(validZone("UTC")).toBe("UTC");
  });
});

describe("localUrl", () => {
  it("keeps our own paths only", () => {
    expect(localUrl("/img/primary/123?w=160")).toBe("/img/primary/123?w=160");
    expect(localUrl("//evil.example/x.png")).toBeNull();
    expect(localUrl("/\\evil.example")).toBeNull();
    expect(localUrl("https://evil.example/x.png")).toBeNull();
    expect(localUrl("javascript:alert(1)")).toBeNull();
    expect(localUrl(null)).toBeNull();
  });
});

describe("history formatting", () => {
  it("shows a date and time in the service's zone", () => {
    expect(formatDateTime("2024-03-01T23:30:00Z", "UTC")).toBe("Fri 1 Mar 2024, 23:30");
    expect(formatDateTime("2024-03-01T23:30:00Z", "Europe/Berlin")).toBe("Sat 2 Mar 2024, 00:30");
    expect(formatDateTime("nope", "UTC")).toBe("");
    expect(formatDateTime(null, "UTC")).toBe("");
  });
  it("shows times with seconds", () => {
    expect(formatTime("2024-03-01T08:05:09Z", "UTC")).toBe("08:05:09");
  });
  it("shows a local day as given", () => {
    expect(formatDay("2024-03-01")).toBe("Fri 1 Mar 2024");
    expect(formatDay("junk")).toBe("junk");
  });
  it("shows watch time in hours and minutes", () => {
    expect(formatDuration(0)).toBe("0 min");
    expect(formatDuration(59 * 60 + 59)).toBe("59 min");
    expect(formatDuration(2 * 3600 + 5 * 60)).toBe("2 h 05 min");
    expect(formatDuration(1234 * 3600)).toBe("1,234 h 00 min");
    expect(formatDuration(-1)).toBe("0 min");
  });
});

describe("imageUrl", () => {
  it("sizes our proxy's URLs and refuses any other", () => {
    expect(imageUrl("/img/primary/12345", 80)).toBe("/img/primary/12345?w=80");
    expect(imageUrl("/img/backdrop/42?x=1", 640)).toBe("/img/backdrop/42?x=1&w=640");
    expect(imageUrl("//evil.example/x", 80)).toBeNull();
    expect(imageUrl("https://evil.example/x", 80)).toBeNull();
    expect(imageUrl(null, 80)).toBeNull();
  });
});
