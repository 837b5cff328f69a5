import { describe, expect, it } from "vitest";
import {
  filtersToSearch,
  hasFilters,
  historyApiPath,
  isDay,
  parseHistoryFilters,
  withFilter,
  withoutWindow,
} from "./historyFilters";

const USER = "0123456789abcdef0123456789abcdef";
const parse = (query: string) => parseHistoryFilters(new URLSearchParams(query));

describe("parseHistoryFilters", () => {
  it("reads every filter from the URL", () => {
    expect(
      parse(`user_id=${USER}&media_type=Episode&client=Emby%20Web&play_method=Transcode&q=%20star%20&timeframe=7d`),
    ).toEqual({ user_id: USER, media_type: "Episode", client: "Emby Web", play_method: "Transcode", q: "star", timeframe: "7d" });
  });
  it("drops unknown keys and invalid values", () => {
    expect(parse("user_id=<img>&media_type=Nope&play_method=x&timeframe=2d&from=2024-02-30&foo=1&q=%20%20")).toEqual({});
    expect(parse("item_id=4784184")).toEqual({ item_id: "4784184" });
  });
  it("lets dates win over a named window (the API refuses both)", () => {
    expect(parse("timeframe=7d&from=2024-01-01")).toEqual({ from: "2024-01-01" });
    expect(parse("timeframe=30d&to=2024-01-31")).toEqual({ to: "2024-01-31" });
  });
  it("cuts a search to the API's 100 characters", () => {
    expect(parse(`q=${"a".repeat(150)}`).q).toHaveLength(100);
  });
  it("keeps hostile text as text", () => {
    expect(parse("client=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E").client).toBe("<img src=x onerror=alert(1)>");
  });
});

describe("filtersToSearch", () => {
  it("round-trips through the URL in a stable order", () => {
    const filters = { q: "x y", play_method: "DirectPlay", user_id: USER } as const;
    const search = filtersToSearch(filters).toString();
    expect(search).toBe(`user_id=${USER}&play_method=DirectPlay&q=x+y`);
    expect(parse(search)).toEqual(filters);
  });
  it("leaves empty values out", () => {
    expect(filtersToSearch({ q: "", client: undefined }).toString()).toBe("");
  });
});

describe("withFilter", () => {
  it("sets and clears one filter", () => {
    expect(withFilter({}, "media_type", "Movie")).toEqual({ media_type: "Movie" });
    expect(withFilter({ media_type: "Movie", q: "a" }, "media_type", "")).toEqual({ q: "a" });
    expect(withFilter({ q: "a" }, "media_type", "Bogus")).toEqual({ q: "a" });
  });
  it("makes a named window and dates exclude each other", () => {
    expect(withFilter({ from: "2024-01-01", to: "2024-01-31" }, "timeframe", "7d")).toEqual({ timeframe: "7d" });
    expect(withFilter({ timeframe: "7d" }, "from", "2024-01-01")).toEqual({ from: "2024-01-01" });
    expect(withFilter({ timeframe: "7d", from: undefined }, "to", "")).toEqual({ timeframe: "7d" });
  });
  it("does not change its argument", () => {
    const f = { q: "a" };
    withFilter(f, "q", "b");
    expect(f).toEqual({ q: "a" });
  });
});

describe("withoutWindow and hasFilters", () => {
  it("drops every kind of window", () => {
    expect(withoutWindow({ timeframe: "7d", q: "a" })).toEqual({ q: "a" });
    expect(withoutWindow({ from: "2024-01-01", to: "2024-01-02" })).toEqual({});
  });
  it("knows an empty filter set", () => {
    expect(hasFilters({})).toBe(false);
    expect(hasFilters({ q: "" })).toBe(false);
    expect(hasFilters({ client: "Emby Web" })).toBe(true);
  });
});

describe("historyApiPath", () => {
  it("asks for one page with the cursor, never an offset", () => {
    expect(historyApiPath({ q: "a&b" })).toBe("/stats/history?q=a%26b&limit=50");
    expect(historyApiPath({}, "abc+/=", 20)).toBe("/stats/history?limit=20&cursor=abc%2B%2F%3D");
    expect(historyApiPath({}, null)).not.toContain("offset");
  });
});

describe("isDay", () => {
  it("accepts only calendar days", () => {
    expect(isDay("2024-02-29")).toBe(true);
    expect(isDay("2023-02-29")).toBe(false);
    expect(isDay("2024-2-1")).toBe(false);
    expect(isDay("2024-13-01")).toBe(false);
  });
});
