import { describe, expect, it } from "vitest";
import { parseHistoryFilters } from "./historyFilters";
import { dayHistoryHref, dayOf, historyHref, itemHistoryHref, methodHistoryHref, userHref, windowDays } from "./links";

const USER = "0123456789abcdef0123456789abcdef";
/** The filters History reads back from a link. */
const filtersOf = (href: string) => parseHistoryFilters(new URL(href, "http://x").searchParams);

describe("historyHref", () => {
  it("puts the filters in History's order and leaves empty ones out", () => {
    expect(historyHref({ to: "2024-06-09", user_id: USER, from: "2024-06-01", q: "" })).toBe(
      `/history?user_id=${USER}&from=2024-06-01&to=2024-06-09`,
    );
    expect(historyHref({})).toBe("/history");
  });
});

describe("dayHistoryHref", () => {
  it("opens one local day", () => {
    expect(dayHistoryHref("2024-06-09")).toBe("/history?from=2024-06-09&to=2024-06-09");
    expect(filtersOf(dayHistoryHref("2024-06-09"))).toEqual({ from: "2024-06-09", to: "2024-06-09" });
  });
  it("opens one user's day", () => {
    expect(dayHistoryHref("2024-02-29", USER)).toBe(`/history?user_id=${USER}&from=2024-02-29&to=2024-02-29`);
    expect(filtersOf(dayHistoryHref("2024-02-29", USER))).toEqual({ user_id: USER, from: "2024-02-29", to: "2024-02-29" });
  });
  it("drops a day that is not one rather than linking to a broken filter", () => {
    expect(dayHistoryHref("2023-02-29")).toBe("/history");
    expect(dayHistoryHref("junk", USER)).toBe(`/history?user_id=${USER}`);
  });
});

describe("windowDays", () => {
  it("covers the n local days ending today, as the API's days=n", () => {
    expect(windowDays(1, "2024-03-01")).toEqual({ from: "2024-03-01", to: "2024-03-01" });
    expect(windowDays(7, "2024-03-01")).toEqual({ from: "2024-02-24", to: "2024-03-01" });
    expect(windowDays(30, "2024-01-15")).toEqual({ from: "2023-12-17", to: "2024-01-15" });
    expect(windowDays(365, "2024-12-31")).toEqual({ from: "2024-01-02", to: "2024-12-31" });
  });
  it("is no window at all for all time (History's default)", () => {
    expect(windowDays("all", "2024-03-01")).toEqual({});
  });
});

describe("methodHistoryHref", () => {
  it("filters by the method within the dashboard's window", () => {
    expect(methodHistoryHref("Transcode", 7, "2024-03-01")).toBe("/history?play_method=Transcode&from=2024-02-24&to=2024-03-01");
    expect(filtersOf(methodHistoryHref("DirectPlay", 30, "2024-03-01"))).toEqual({
      play_method: "DirectPlay",
      from: "2024-02-01", // 2024 is a leap year
      to: "2024-03-01",
    });
  });
  it("has no dates for all time", () => {
    expect(methodHistoryHref("DirectStream", "all", "2024-03-01")).toBe("/history?play_method=DirectStream");
  });
});

describe("itemHistoryHref", () => {
  it("filters by the item within the window", () => {
    expect(itemHistoryHref("4711", 1, "2024-03-01")).toBe("/history?item_id=4711&from=2024-03-01&to=2024-03-01");
    expect(itemHistoryHref("4711", "all", "2024-03-01")).toBe("/history?item_id=4711");
  });
});

describe("userHref", () => {
  it("opens the user page on the dashboard's window when that page offers it", () => {
    expect(userHref(USER)).toBe(`/users/${USER}`);
    expect(userHref(USER, 30)).toBe(`/users/${USER}?timeframe=30d`);
    expect(userHref(USER, 365)).toBe(`/users/${USER}?timeframe=365d`);
    expect(userHref(USER, "all")).toBe(`/users/${USER}`);
    expect(userHref(USER, 1)).toBe(`/users/${USER}`); // the user page has no "today": its default, all time
  });
  it("escapes an id", () => {
    expect(userHref("a/b?c")).toBe("/users/a%2Fb%3Fc");
  });
});

describe("dayOf", () => {
  it("is the local day of an instant in the service's time zone", () => {
    expect(dayOf("2024-06-09T22:30:00Z", "Europe/Berlin")).toBe("2024-06-10");
    expect(dayOf("2024-06-09T22:30:00Z", "America/New_York")).toBe("2024-06-09");
    expect(dayOf("2024-06-09T22:30:00Z", "UTC")).toBe("2024-06-09");
  });
  it("is null for nonsense", () => {
    expect(dayOf("not a date", "UTC")).toBeNull();
  });
});
