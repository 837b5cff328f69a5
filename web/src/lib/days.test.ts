import { describe, expect, it } from "vitest";
import { barPercent, fillDays } from "./days";

describe("fillDays", () => {
  it("fills the gaps between the first and last day with zeros", () => {
    expect(
      fillDays([
        { day: "2024-02-28", seconds: 10 },
        { day: "2024-03-01", seconds: 30 },
      ]),
    ).toEqual([
      { day: "2024-02-28", seconds: 10 },
      { day: "2024-02-29", seconds: 0 },
      { day: "2024-03-01", seconds: 30 },
    ]);
  });
  it("keeps the latest days when there are too many, and ignores junk", () => {
    const out = fillDays([{ day: "2024-01-01", seconds: 1 }, { day: "2024-01-10", seconds: 2 }, { day: "nope", seconds: 5 }], 3);
    expect(out.map((d) => d.day)).toEqual(["2024-01-08", "2024-01-09", "2024-01-10"]);
    expect(fillDays([])).toEqual([]);
  });
});

describe("barPercent", () => {
  it("scales to the largest value and keeps small values visible", () => {
    expect(barPercent(50, 100)).toBe(50);
    expect(barPercent(1, 1000)).toBe(2);
    expect(barPercent(0, 100)).toBe(0);
    expect(barPercent(5, 0)).toBe(0);
  });
});
