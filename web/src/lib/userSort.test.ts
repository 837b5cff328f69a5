import { describe, expect, it } from "vitest";
import { parseUserSort, sortUsers } from "./userSort";

const u = (user_id: string, user: string | null, seconds: number, plays: number, last_seen: string | null) => ({
  user_id,
  user,
  seconds,
  plays,
  last_seen,
});
const rows = [
  u("1", "Bob", 100, 5, "2024-01-02T10:00:00Z"),
  u("2", "Ann", 300, 1, null),
  u("3", "Cid", 100, 9, "2024-01-03T10:00:00Z"),
];

describe("sortUsers", () => {
  it("sorts by watch time, ties by name", () => {
    expect(sortUsers(rows, "hours").map((r) => r.user)).toEqual(["Ann", "Bob", "Cid"]);
  });
  it("sorts by plays and by last seen (never seen last)", () => {
    expect(sortUsers(rows, "plays").map((r) => r.user)).toEqual(["Cid", "Bob", "Ann"]);
    expect(sortUsers(rows, "last_seen").map((r) => r.user)).toEqual(["Cid", "Bob", "Ann"]);
  });
  it("does not change its input and reads the URL safely", () => {
    sortUsers(rows, "plays");
    expect(rows[0]?.user).toBe("Bob");
    expect(parseUserSort("plays")).toBe("plays");
    expect(parseUserSort("name")).toBe("hours");
    expect(parseUserSort(null)).toBe("hours");
  });
});
