import { describe, expect, it } from "vitest";
import { growthSeries, pageParam, parseRoiOrder, parseStaleDays, roiApiPath, staleApiPath, withParam } from "./storage";

describe("several paged lists in one URL", () => {
  it("keeps the other lists' keys when one changes", () => {
    const params = new URLSearchParams("stale_page=3&roi_order=best");
    expect(withParam(params, "roi_page", "2")).toBe("?stale_page=3&roi_order=best&roi_page=2");
    expect(withParam(params, "stale_page", null)).toBe("?roi_order=best");
    expect(withParam(params, "roi_order", "worst", "worst")).toBe("?stale_page=3");
    expect(withParam(new URLSearchParams(""), "x", null)).toBe("");
  });
  it("reads pages and choices, nonsense as defaults", () => {
    expect(pageParam(new URLSearchParams("dup_page=4"), "dup_page")).toBe(4);
    expect(pageParam(new URLSearchParams("dup_page=-1"), "dup_page")).toBe(1);
    expect(parseStaleDays("180")).toBe(180);
    expect(parseStaleDays("7")).toBeNull();
    expect(parseRoiOrder("best")).toBe("best");
    expect(parseRoiOrder("BEST")).toBe("worst");
  });
  it("asks the API", () => {
    expect(staleApiPath(null, 2, 10)).toBe("/stats/storage/stale?page=2&page_size=10");
    expect(staleApiPath(90, 1, 10)).toBe("/stats/storage/stale?page=1&page_size=10&days=90");
    expect(roiApiPath("best", 1, 10)).toBe("/stats/storage/roi?order=best&page=1&page_size=10");
  });
});

describe("growthSeries", () => {
  it("joins the dashed forecast to the last snapshot", () => {
    const snaps = [
      { day: "2026-11-01", size_bytes: 100 },
      { day: "2026-11-02", size_bytes: 110 },
    ];
    const ahead = [
      { day: "2026-12-02", size_bytes: 400 },
      { day: "2027-01-02", size_bytes: 700 },
    ];
    expect(growthSeries(snaps, ahead)).toEqual([
      { day: "2026-11-01", t: Date.UTC(2026, 10, 1), size: 100 },
      { day: "2026-11-02", t: Date.UTC(2026, 10, 2), size: 110, forecast: 110 },
      { day: "2026-12-02", t: Date.UTC(2026, 11, 2), forecast: 400 },
      { day: "2027-01-02", t: Date.UTC(2027, 0, 2), forecast: 700 },
    ]);
  });
  it("draws only what was recorded without a forecast", () => {
    expect(growthSeries([{ day: "2026-11-01", size_bytes: 5 }], [])).toEqual([{ day: "2026-11-01", t: Date.UTC(2026, 10, 1), size: 5 }]);
    expect(growthSeries([], [{ day: "2026-11-01", size_bytes: 5 }])).toEqual([]);
  });
});
