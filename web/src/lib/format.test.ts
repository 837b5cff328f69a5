import { describe, expect, it } from "vitest";
import { formatClock, formatHms, formatMbps, localUrl, validZone } from "./format";

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
