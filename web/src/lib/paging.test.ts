import { describe, expect, it } from "vitest";
import { flattenPages, hasMore, nextCursor } from "./paging";

const page = (ids: string[], next: string | null) => ({ plays: ids.map((play_id) => ({ play_id })), next_cursor: next });

describe("cursor paging", () => {
  it("passes the previous page's next_cursor on, and stops at null", () => {
    expect(nextCursor(page(["a"], "c1"))).toBe("c1");
    expect(nextCursor(page(["a"], null))).toBeUndefined();
    expect(nextCursor(page([], ""))).toBeUndefined();
  });
  it("knows whether more pages exist", () => {
    expect(hasMore([])).toBe(false);
    expect(hasMore([page(["a"], "c1")])).toBe(true);
    expect(hasMore([page(["a"], "c1"), page(["b"], null)])).toBe(false);
  });
  it("joins pages in order, each play once", () => {
    const rows = flattenPages([page(["a", "b"], "c1"), page(["b", "c"], "c2"), page(["d"], null)]);
    expect(rows.map((r) => r.play_id)).toEqual(["a", "b", "c", "d"]);
  });
});
