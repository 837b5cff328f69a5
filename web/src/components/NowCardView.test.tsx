import { renderToStaticMarkup } from "react-dom/server";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { MemoryRouter } from "react-router";
import { describe, expect, it } from "vitest";
import type { NowCard } from "../api/types";
import { NowCardView } from "./NowCardView";
import { SessionControls } from "./SessionControls";

const hostile = "<img src=x onerror=alert(1)>";

function card(over: Partial<NowCard> = {}): NowCard {
  return {
    session_id: "s1",
    user_id: "u1",
    user: hostile,
    item_id: "42",
    title: hostile,
    display: `${hostile} - <script>alert(2)</script> (S01E02)`,
    item_type: "Episode",
    live_tv: false,
    client: "<b>Emby Web</b>",
    device: '"><svg onload=alert(3)>',
    remote_address: null,
    position_sec: 3725,
    duration_sec: 7200,
    progress_pct: 51.7,
    is_paused: true,
    at: "2024-06-01T10:00:00Z",
    play_method: "Transcode",
    video: { resolution: "4K", width: 3840, height: 2160, codec: "hevc", bit_depth: 10, hdr: "HDR10" },
    audio: { language: "English", codec: "truehd", layout: "7.1", atmos: true },
    subs: { language: hostile, codec: "pgssub", burned_in: true },
    bitrate: 18_500_000,
    transcode: {
      video_from: "hevc",
      video_to: "h264",
      audio_from: "truehd",
      audio_to: "aac",
      reasons: ["SubtitleCodecNotSupported"],
      reasons_text: [`The client cannot show these subtitles ${hostile}`],
      hardware: "VAAPI",
      to_resolution: "1080p",
      progress_pct: 63.2,
      speed: 1.4,
      throttled: false,
    },
    poster: "/img/primary/42?w=160",
    backdrop: null,
    started_at: "2024-06-01T09:00:00Z",
    ...over,
  };
}

function render(c: NowCard): string {
  return renderToStaticMarkup(
    <MemoryRouter>
      <NowCardView card={c} receivedAt={0} now={5000} timeZone="UTC" />
    </MemoryRouter>,
  );
}

describe("NowCardView", () => {
  it("links the user's name to their page", () => {
    expect(render(card({ user_id: "0123456789abcdef0123456789abcdef" }))).toMatch(
      /<a class="now-user" href="\/users\/0123456789abcdef0123456789abcdef"[^>]*>&lt;img src=x/,
    );
    expect(render(card({ user_id: null }))).toContain('<span class="now-user">');
  });
  it("keeps hostile names inert (escaped text, no elements)", () => {
    const html = render(card());
    expect(html).not.toContain("<img src=x");
    expect(html).not.toContain("<script>");
    expect(html).not.toContain("<svg onload");
    expect(html).not.toContain("<b>Emby Web</b>");
    expect(html).toContain("&lt;img src=x onerror=alert(1)&gt;");
  });

  it("shows the stream's details", () => {
    const html = render(card());
    expect(html).toContain("1:02:05 / 2:00:00"); // paused: the position does not move on
    expect(html).toContain("Paused");
    expect(html).toContain("Transcode");
    expect(html).toContain("18.5 Mbps");
    expect(html).toContain("HDR10");
    expect(html).toContain("Burn-in");
    expect(html).toContain("Transcoded 63%");
    expect(html).toContain('loading="lazy"');
  });

  it("moves a playing session on and falls back without a usable poster", () => {
    const html = render(card({ is_paused: false, poster: "https://evil.example/x.png" }));
    expect(html).toContain("1:02:10 / 2:00:00");
    expect(html).not.toContain("evil.example");
    expect(html).toContain("No poster for");
  });

  it("shows the backdrop at a bounded width, and only from our own proxy", () => {
    expect(render(card({ backdrop: "/img/backdrop/42" }))).toContain('src="/img/backdrop/42?w=640"');
    expect(render(card({ backdrop: "//evil.example/b.jpg" }))).not.toContain("evil.example");
  });

  it("gives an admin the session's controls: Resume for a paused one, Pause for a playing one", () => {
    const withControls = (c: NowCard) =>
      renderToStaticMarkup(
        <MemoryRouter>
          <QueryClientProvider client={new QueryClient()}>
            <NowCardView card={c} receivedAt={0} now={0} timeZone="UTC" controls={<SessionControls card={c} who="Ann" />} />
          </QueryClientProvider>
        </MemoryRouter>,
      );
    const paused = withControls(card());
    expect(paused).toContain(">Resume<");
    expect(paused).toContain(">Message<");
    expect(paused).toContain(">Stop<");
    expect(paused).toContain('aria-label="Control Ann&#x27;s playback"');
    expect(withControls(card({ is_paused: false }))).toContain(">Pause<");
    expect(render(card())).not.toContain(">Stop<"); // a reader sees no controls
  });
});
