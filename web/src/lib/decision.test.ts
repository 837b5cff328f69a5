import { describe, expect, it } from "vitest";
import { decision, summaryLine } from "./decision";

describe("decision", () => {
  it("maps play methods to labels and tones", () => {
    expect(decision("DirectPlay")).toEqual({ label: "Direct Play", tone: "direct-play" });
    expect(decision("DirectStream")).toEqual({ label: "Direct Stream", tone: "direct-stream" });
    expect(decision("Transcode")).toEqual({ label: "Transcode", tone: "transcode" });
    expect(decision(null)).toEqual({ label: "Unknown", tone: "unknown" });
  });
});

describe("summaryLine", () => {
  const c = (play_method: string | null) => ({ play_method });
  it("counts each decision", () => {
    expect(summaryLine([c("DirectPlay"), c("DirectStream"), c("Transcode")])).toBe(
      "3 streams: 1 direct play, 1 direct stream, 1 transcode",
    );
    expect(summaryLine([c("DirectPlay"), c("DirectPlay"), c("Transcode"), c("Transcode")])).toBe(
      "4 streams: 2 direct plays, 2 transcodes",
    );
    expect(summaryLine([c("Transcode")])).toBe("1 stream: 1 transcode");
    expect(summaryLine([])).toBe("No streams");
  });
});
