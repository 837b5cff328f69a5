import { describe, expect, it } from "vitest";
import {
  buildCalendar,
  buildHeatGrid,
  calendarStep,
  cappedWindow,
  countRows,
  dayBreakdown,
  dayRange,
  formatDhm,
  formatHm,
  hourSpan,
  level,
  parseWindow,
  secondsKey,
  sortedCounts,
  stackUsage,
  todayIn,
  weekdayOf,
  windowLabel,
  windowQuery,
} from "./stats";

describe("windows", () => {
  it("parses what the selector offers and nothing else", () => {
    expect(parseWindow("30")).toBe(30);
    expect(parseWindow(" 7 ")).toBe(7);
    expect(parseWindow("all")).toBe("all");
    expect(parseWindow("all-time")).toBe("all");
    expect(parseWindow("14")).toBeNull();
    expect(parseWindow("30abc")).toBeNull();
    expect(parseWindow("-1")).toBeNull();
    expect(parseWindow("")).toBeNull();
    expect(parseWindow(null)).toBeNull();
  });
  it("labels and asks", () => {
    expect(windowLabel(30)).toBe("Last 30 days");
    expect(windowLabel(1)).toBe("Today");
    expect(windowLabel("all")).toBe("All time");
    expect(windowQuery(90)).toBe("days=90");
    expect(windowQuery("all")).toBe("timeframe=all-time");
    expect(cappedWindow("all")).toBe(365);
    expect(cappedWindow(7)).toBe(7);
  });
});

describe("formatHm", () => {
  it("rounds to the minute", () => {
    expect(formatHm(0)).toBe("0:00");
    expect(formatHm(29)).toBe("0:00");
    expect(formatHm(30)).toBe("0:01");
    expect(formatHm(3599)).toBe("1:00");
    expect(formatHm(3600 + 5 * 60)).toBe("1:05");
    expect(formatHm(100 * 3600 + 59 * 60)).toBe("100:59");
  });
  it("shows nonsense as zero", () => {
    expect(formatHm(-1)).toBe("0:00");
    expect(formatHm(Number.NaN)).toBe("0:00");
    expect(formatHm(undefined)).toBe("0:00");
  });
  it("formats day/hour/minute parts", () => {
    expect(formatDhm(2, 3, 15)).toBe("2d 3h 15m");
    expect(formatDhm(0, 5, 0)).toBe("5h");
    expect(formatDhm(0, 0, 0)).toBe("0m");
  });
});

describe("stackUsage", () => {
  const rows = [
    { day: "2024-06-02", user_id: "a", user: "Ann", hours: 1.5, seconds: 5400 },
    { day: "2024-06-01", user_id: "b", user: "Bob", hours: 2, seconds: 7200 },
    { day: "2024-06-02", user_id: "b", user: "Bob", hours: 0.25, seconds: 900 },
    { day: "2024-06-03", user_id: "c", user: null, hours: 0.01, seconds: 30 },
  ];
  it("makes one series per user, most watched first, with a name", () => {
    const { series } = stackUsage(rows);
    expect(series.map((s) => s.user_id)).toEqual(["b", "a", "c"]);
    expect(series[0]).toMatchObject({ key: "h:b", name: "Bob", seconds: 8100 });
    expect(series[2]!.name).toBe("User c");
  });
  it("fills every day of the window with zeros, keeping the API's hours and seconds", () => {
    const { data } = stackUsage(rows, dayRange("2024-06-04", 5));
    expect(data.map((d) => d.day)).toEqual(["2024-05-31", "2024-06-01", "2024-06-02", "2024-06-03", "2024-06-04"]);
    expect(data[0]).toEqual({ day: "2024-05-31", "h:a": 0, "s:a": 0, "h:b": 0, "s:b": 0, "h:c": 0, "s:c": 0 });
    expect(data[2]).toMatchObject({ "h:a": 1.5, "s:a": 5400, "h:b": 0.25, "s:b": 900, "h:c": 0 });
    expect(secondsKey("h:b")).toBe("s:b");
  });
  it("uses the rows' own days without a window, and drops rows outside one", () => {
    expect(stackUsage(rows).data.map((d) => d.day)).toEqual(["2024-06-01", "2024-06-02", "2024-06-03"]);
    expect(stackUsage(rows, ["2024-06-01"]).data).toHaveLength(1);
    expect(stackUsage([]).series).toEqual([]);
  });

  it("puts everyone else (user_id null) last, on top of the named users, whatever their hours", () => {
    const { series, data } = stackUsage([
      { day: "2024-06-01", user_id: null, user: null, hours: 9, seconds: 32400 },
      { day: "2024-06-01", user_id: "a", user: "Ann", hours: 1, seconds: 3600 },
    ]);
    expect(series.map((s) => [s.key, s.name])).toEqual([
      ["h:a", "Ann"],
      ["h:*", "Everyone else"],
    ]);
    expect(data[0]).toMatchObject({ "h:*": 9, "s:*": 32400, "h:a": 1 });
  });
});

describe("dayBreakdown", () => {
  it("lists the day's watchers, most first, without the hidden ones", () => {
    const { series, data } = stackUsage([
      { day: "2024-06-02", user_id: "a", user: "Ann", hours: 0.5, seconds: 1800 },
      { day: "2024-06-02", user_id: "b", user: "Bob", hours: 1, seconds: 3600 },
      { day: "2024-06-01", user_id: "c", user: "Cy", hours: 1, seconds: 3600 },
    ]);
    const day = data.find((d) => d.day === "2024-06-02")!;
    expect(dayBreakdown(day, series)).toEqual({
      total: 5400,
      users: [
        { key: "h:b", name: "Bob", seconds: 3600 },
        { key: "h:a", name: "Ann", seconds: 1800 },
      ],
    });
    expect(dayBreakdown(day, series, new Set(["h:b"])).total).toBe(1800);
  });
});

describe("days", () => {
  it("counts weekdays from Monday and ranges across months", () => {
    expect(weekdayOf("2024-06-03")).toBe(0); // a Monday
    expect(weekdayOf("2024-06-09")).toBe(6);
    expect(dayRange("2024-03-01", 3)).toEqual(["2024-02-28", "2024-02-29", "2024-03-01"]);
    expect(todayIn("UTC", new Date("2024-06-01T23:30:00Z"))).toBe("2024-06-01");
    expect(todayIn("Asia/Tokyo", new Date("2024-06-01T23:30:00Z"))).toBe("2024-06-02");
  });
  it("shades relative to the most", () => {
    expect(level(0, 10)).toBe(0);
    expect(level(5, 0)).toBe(0);
    expect(level(0.1, 10)).toBe(1);
    expect(level(5, 10)).toBe(2);
    expect(level(10, 10)).toBe(4);
    expect(level(20, 10)).toBe(4);
  });
});

describe("buildCalendar", () => {
  const rows = [
    { day: "2024-06-09", seconds: 3600 },
    { day: "2024-06-09", seconds: 1800 }, // another user, same day: summed
    { day: "2024-06-05", seconds: 600 },
    { day: "2023-01-01", seconds: 99999 }, // outside the window
  ];
  it("sums users per day into Monday-first weeks ending today", () => {
    const cal = buildCalendar(rows, "2024-06-09", 14);
    // 2024-05-27 (Mon) … 2024-06-09 (Sun): exactly two weeks, no padding
    expect(cal.weeks).toHaveLength(2);
    expect(cal.weeks[0]!.start).toBe("2024-05-27");
    expect(cal.weeks[1]!.cells.map((c) => c.weekday)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    const sunday = cal.weeks[1]!.cells[6]!;
    expect(sunday).toMatchObject({ day: "2024-06-09", seconds: 5400, level: 4, pad: false });
    expect(cal.weeks[1]!.cells[2]).toMatchObject({ day: "2024-06-05", seconds: 600, level: 1 });
    expect(cal).toMatchObject({ maxSeconds: 5400, totalSeconds: 6000, activeDays: 2 });
  });
  it("pads the first week before the window and labels months", () => {
    const cal = buildCalendar(rows, "2024-06-09", 10); // starts Fri 2024-05-31
    expect(cal.weeks[0]!.cells.slice(0, 4).every((c) => c.pad && c.seconds === 0)).toBe(true);
    expect(cal.weeks[0]!.cells[4]).toMatchObject({ day: "2024-05-31", pad: false });
    expect(cal.weeks.map((w) => w.month)).toEqual(["Jun", ""]); // the week holding June 1st
    expect(buildCalendar([], "2024-06-20", 10).weeks.map((w) => w.month)).toEqual(["Jun", ""]);
    const full = buildCalendar([], "2024-06-09");
    expect(full.weeks.reduce((n, w) => n + w.cells.filter((c) => !c.pad).length, 0)).toBe(365);
    expect(full.maxSeconds).toBe(0);
  });
});

describe("buildHeatGrid", () => {
  it("places every cell by weekday and hour, shading relative to the busiest", () => {
    const grid = buildHeatGrid([
      { weekday: 0, hour: 20, hours: 2, seconds: 7200 },
      { weekday: 6, hour: 0, hours: 0.5, seconds: 1800 },
      { weekday: 9, hour: 3, hours: 1, seconds: 3600 }, // impossible: ignored
      { weekday: 2, hour: 24, hours: 1, seconds: 3600 },
    ]);
    expect(grid.rows).toHaveLength(7);
    expect(grid.rows.every((r) => r.cells.length === 24)).toBe(true);
    expect(grid.rows[0]!.cells[20]).toMatchObject({ hours: 2, seconds: 7200, level: 4 });
    expect(grid.rows[6]!.cells[0]).toMatchObject({ hours: 0.5, seconds: 1800, level: 1 });
    expect(grid.rows[3]!.cells[3]).toMatchObject({ seconds: 0, level: 0 });
    expect(grid.maxSeconds).toBe(7200);
    expect(hourSpan(23)).toBe("23:00–00:00");
  });
});

describe("counts", () => {
  it("orders buckets and fills missing types", () => {
    const { rows, types } = countRows({ SD: { Movie: 1 }, Unknown: {}, "4K": { Movie: 2, Episode: 5 } }, ["8K", "4K", "1080p", "SD"]);
    expect(rows.map((r) => r.name)).toEqual(["4K", "SD"]);
    expect(types).toEqual(["Episode", "Movie"]);
    expect(rows[1]).toEqual({ name: "SD", total: 1, "t:Movie": 1, "t:Episode": 0 });
    expect(sortedCounts({ b: 2, a: 2, c: 5, z: 0 })).toEqual([
      { name: "c", count: 5 },
      { name: "a", count: 2 },
      { name: "b", count: 2 },
    ]);
  });
});

describe("calendarStep", () => {
  const first = "2024-01-01";
  const last = "2024-03-01";
  it("moves a week sideways and a day up or down, across months", () => {
    expect(calendarStep("2024-02-26", "ArrowRight", first, last)).toBe("2024-03-01"); // clamped to the last day
    expect(calendarStep("2024-02-20", "ArrowRight", first, last)).toBe("2024-02-27");
    expect(calendarStep("2024-02-20", "ArrowLeft", first, last)).toBe("2024-02-13");
    expect(calendarStep("2024-02-29", "ArrowDown", first, last)).toBe("2024-03-01");
    expect(calendarStep("2024-03-01", "ArrowUp", first, last)).toBe("2024-02-29");
  });
  it("stays inside the window and goes to its ends", () => {
    expect(calendarStep("2024-01-03", "ArrowLeft", first, last)).toBe(first);
    expect(calendarStep("2024-03-01", "ArrowDown", first, last)).toBe(last);
    expect(calendarStep("2024-02-10", "Home", first, last)).toBe(first);
    expect(calendarStep("2024-02-10", "End", first, last)).toBe(last);
  });
  it("ignores other keys", () => {
    expect(calendarStep("2024-02-10", "Enter", first, last)).toBeNull();
    expect(calendarStep("2024-02-10", "Tab", first, last)).toBeNull();
  });
});
