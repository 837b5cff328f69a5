import { describe, expect, it } from "vitest";
import { byClientApiPath, fixListApiPath, parseTranscodeView, sortClients, transcodeSearch, type TranscodeView } from "./transcodes";

const view = (over: Partial<TranscodeView> = {}): TranscodeView => ({ timeframe: "30d", page: 1, client: null, clientSort: "hours", ...over });

describe("the Transcodes page in the URL", () => {
  it("round-trips, defaults left out", () => {
    expect(transcodeSearch(view())).toBe("");
    const v = view({ timeframe: "all-time", page: 3, client: "Roku SG & <b>", clientSort: "share" });
    expect(parseTranscodeView(new URLSearchParams(transcodeSearch(v)))).toEqual(v);
  });
  it("reads nonsense as defaults", () => {
    expect(parseTranscodeView(new URLSearchParams("timeframe=1d&page=x&clients_by=zzz"))).toEqual(view());
    expect(parseTranscodeView(new URLSearchParams(`client=${"x".repeat(129)}`)).client).toBeNull();
  });
  it("asks the API for the page's offset, one client when picked", () => {
    expect(fixListApiPath(view({ page: 3 }), 25)).toBe("/stats/transcodes/fix-list?timeframe=30d&offset=50&limit=25");
    expect(fixListApiPath(view({ client: "Emby Web" }), 25)).toBe(
      "/stats/transcodes/fix-list?timeframe=30d&offset=0&limit=25&client=Emby+Web",
    );
    expect(byClientApiPath("7d")).toBe("/stats/transcodes/by-client?timeframe=7d&limit=500");
  });
});

describe("sortClients", () => {
  const rows = [
    { client: "B", plays: 10, transcodes: 5, share: 0.5, seconds: 100, files: 1 },
    { client: "A", plays: 40, transcodes: 4, share: 0.1, seconds: 900, files: 3 },
    { client: null, plays: 2, transcodes: 2, share: 1, seconds: 100, files: 1 },
  ];
  it("orders by the chosen figure, largest first, ties by time then name", () => {
    expect(sortClients(rows, "hours").map((r) => r.client)).toEqual(["A", null, "B"]);
    expect(sortClients(rows, "share").map((r) => r.client)).toEqual([null, "B", "A"]);
    expect(sortClients(rows, "plays").map((r) => r.client)).toEqual(["A", "B", null]);
    expect(rows[0]?.client).toBe("B"); // unchanged
  });
});
