import { describe, expect, it } from "vitest";
import { parseSnapshot } from "./parse";

describe("parseSnapshot", () => {
  it("reads an array of cards", () => {
    const cards = parseSnapshot(JSON.stringify([{ session_id: "a", position_sec: 1 }, { session_id: "b", position_sec: 2 }]));
    expect(cards?.map((c) => c.session_id)).toEqual(["a", "b"]);
  });
  it("drops what is not a card and refuses what is not an array", () => {
    expect(parseSnapshot(JSON.stringify([{ session_id: 1 }, null, "x", { session_id: "ok", position_sec: 0 }]))?.length).toBe(1);
    expect(parseSnapshot("{}")).toBeNull();
    expect(parseSnapshot("not json")).toBeNull();
    expect(parseSnapshot("[]")).toEqual([]);
  });
});
