import { describe, expect, it } from "vitest";
import { USER_TIMEFRAMES, isTimeframe, parseTimeframe, timeframeLabel } from "./window";

describe("timeframes", () => {
  it("takes only allowed values from the URL", () => {
    expect(parseTimeframe("90d", USER_TIMEFRAMES, "30d")).toBe("90d");
    expect(parseTimeframe("1d", USER_TIMEFRAMES, "30d")).toBe("30d");
    expect(parseTimeframe(null, USER_TIMEFRAMES, "all-time")).toBe("all-time");
    expect(parseTimeframe("bogus", USER_TIMEFRAMES, "30d")).toBe("30d");
  });
  it("names them", () => {
    expect(isTimeframe("365d")).toBe(true);
    expect(isTimeframe("5d")).toBe(false);
    expect(timeframeLabel("all-time")).toBe("All time");
    expect(timeframeLabel("7d")).toBe("Last 7 days");
  });
});
