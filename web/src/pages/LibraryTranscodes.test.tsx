import { renderToStaticMarkup } from "react-dom/server";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { MemoryRouter, Route, Routes } from "react-router";
import { describe, expect, it } from "vitest";
import type { ClientTranscodes, FixList } from "../api/types";
import { byClientApiPath, fixListApiPath } from "../lib/transcodes";
import { FIX_PAGE_SIZE, LibraryTranscodes } from "./LibraryTranscodes";
import { LibrarySection } from "./LibrarySection";

const hostile = "<img src=x onerror=alert(1)>";
const fixes: FixList = {
  fixes: [
    {
      item_id: "42",
      name: hostile,
      display: `${hostile} (2020)`,
      item_type: "Movie",
      file: "zero.mkv",
      container: "mkv",
      video: "HEVC Main10",
      hdr: "HDR10",
      audio: "TrueHD 7.1",
      poster: "/img/primary/42",
      client: "Roku SG",
      reasons: ["VideoCodecNotSupported"],
      reasons_text: ["the client cannot play the video codec"],
      cause: "HEVC Main10 is not supported by Roku SG",
      fix: "an H.264 version, or a client that plays HEVC",
      advice: [{ reason: "VideoCodecNotSupported", cause: "HEVC Main10 is not supported by Roku SG", fix: "an H.264 version" }],
      plays: 3,
      users: 2,
      hours: 1.5,
      seconds: 5412,
      last_transcoded_at: "2026-01-13T14:00:12Z",
    },
  ],
  total: 30,
  offset: 25,
  limit: FIX_PAGE_SIZE,
};
const clients: ClientTranscodes[] = [
  { client: "Emby Web", plays: 10, transcodes: 1, share: 0.1, hours: 0.75, seconds: 2700, files: 1, top_reasons: [] },
  {
    client: hostile,
    plays: 4,
    transcodes: 3,
    share: 0.75,
    hours: 1.5,
    seconds: 5412,
    files: 1,
    top_reasons: [{ reason: "VideoCodecNotSupported", words: "the client cannot play the video codec", plays: 3 }],
  },
];

function render(url: string, withData = true): string {
  const client = new QueryClient();
  if (withData) {
    client.setQueryData(["config"], { tz: "Europe/Berlin" });
    const view = { timeframe: "30d" as const, page: 2, client: null, clientSort: "hours" as const };
    client.setQueryData(["stats", "fix-list", fixListApiPath(view, FIX_PAGE_SIZE)], fixes);
    client.setQueryData(["stats", "transcodes-by-client", byClientApiPath("30d")], clients);
  }
  return renderToStaticMarkup(
    <QueryClientProvider client={client}>
      <MemoryRouter initialEntries={[url]}>
        <Routes>
          <Route path="/library" element={<LibrarySection />}>
            <Route path="transcodes" element={<LibraryTranscodes />} />
          </Route>
        </Routes>
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

describe("Transcodes page", () => {
  it("ranks files on clients with cause and fix, poster, links to History and the client", () => {
    const html = render("/library/transcodes?page=2");
    expect(html).toMatch(/aria-current="page" class="subnav-link active" href="\/library\/transcodes"/);
    expect(html).toContain("30 files on clients transcoded, most transcoded time first · page 2 of 2");
    expect(html).toContain('<ol class="fix-list" start="26"');
    expect(html).toContain("HEVC Main10 is not supported by Roku SG");
    expect(html).toContain("an H.264 version, or a client that plays HEVC");
    expect(html).toContain("zero.mkv");
    expect(html).toContain("HEVC Main10 · HDR10 · TrueHD 7.1 · MKV");
    expect(html).toContain('src="/img/primary/42?w=80"');
    expect(html).toContain('href="/history?item_id=42"');
    expect(html).toContain('href="/history?item_id=42&amp;client=Roku+SG"');
    expect(html).toContain("1 h 30 min");
    expect(html).toContain("3 plays · 2 users");
  });
  it("orders clients by the URL's choice and links each to its own fixes", () => {
    const byTime = render("/library/transcodes?page=2");
    expect(byTime.indexOf("Emby Web: list its fixes")).toBeGreaterThan(byTime.indexOf("list its fixes")); // the hostile one first
    expect(byTime).toContain('href="/library/transcodes?client=Emby+Web"');
    expect(byTime).toContain("75%");
    expect(byTime).toContain("the client cannot play the video codec");
  });
  it("renders names from Emby as text only", () => {
    const html = render("/library/transcodes?page=2");
    expect(html).not.toContain(hostile);
    expect(html).toContain("&lt;img src=x onerror=alert(1)&gt;");
  });
  it("shows loading states before the answers", () => {
    const html = render("/library/transcodes", false);
    expect(html).toContain("Loading the fix-list…");
    expect(html).toContain("Loading transcodes per client…");
  });
});
