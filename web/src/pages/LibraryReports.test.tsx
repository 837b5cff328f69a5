import { renderToStaticMarkup } from "react-dom/server";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { MemoryRouter, Route, Routes } from "react-router";
import { describe, expect, it } from "vitest";
import type { DuplicatePage, Growth, PlaceholderPage, PosterPage, RoiPage, StalePage } from "../api/types";
import { pagedApiPath, roiApiPath, staleApiPath } from "../lib/storage";
import { LibraryHealth } from "./LibraryHealth";
import { LibrarySection } from "./LibrarySection";
import { LibraryStorage, REPORT_PAGE_SIZE } from "./LibraryStorage";

const hostile = "<img src=x onerror=alert(1)>";
const stored = { media_type: "Movie", size_bytes: 50_000_000_000, size_gb: 46.57, quality: "4K" };
const stale: StalePage = {
  items: [{ id: "1", name: hostile, display: hostile, poster: "/img/primary/1", last_played: null, ...stored }],
  total: 12,
  total_size_bytes: 600_000_000_000,
  days: null,
  since: null,
  page: 2,
  page_size: REPORT_PAGE_SIZE,
};
const roi: RoiPage = {
  items: [{ id: "2", name: "Loved", display: "Loved", poster: null, hours: 30, seconds: 108_000, hours_per_gb: 0.644, ...stored }],
  total: 1,
  order: "best",
  page: 1,
  page_size: REPORT_PAGE_SIZE,
};
const duplicates: DuplicatePage = { groups: [], total: 0, reclaimable_bytes: 0, page: 1, page_size: REPORT_PAGE_SIZE };
const few: Growth = {
  snapshots: [{ day: "2026-12-02", taken_at: "2026-12-02T10:00:00Z", items: 644, size_bytes: 6_400_000_000_000, by_type: {}, by_quality: {} }],
  trend: null,
  forecast: [],
  message: "1 daily snapshot so far: a trend needs at least 7, and the library is recorded once a day, so about 6 more days.",
};
const posters: PosterPage = {
  items: [{ id: "5", name: "Pilot", media_type: "Episode", display: "Show - Pilot (S01E01)", series_id: "4", series_poster: true }],
  total: 3,
  page: 1,
  page_size: REPORT_PAGE_SIZE,
};
const placeholders: PlaceholderPage = {
  series: [
    {
      series_id: "4",
      series_name: hostile,
      missing: 2,
      unaired: 1,
      episodes: [{ id: "9", name: "Later", season_number: 2, episode_number: 3, premiere_date: null, kind: "unaired" }],
    },
  ],
  total: 1,
  missing: 2,
  unaired: 1,
  page: 1,
  page_size: REPORT_PAGE_SIZE,
};

function render(url: string, growth: Growth = few): string {
  const client = new QueryClient();
  client.setQueryData(["config"], { tz: "Europe/Berlin" });
  const set = (path: string, data: unknown) => client.setQueryData(["stats", "report", path], data);
  set("/stats/storage/growth", growth);
  set(staleApiPath(null, 2, REPORT_PAGE_SIZE), stale);
  set(roiApiPath("best", 1, REPORT_PAGE_SIZE), roi);
  set(pagedApiPath("/stats/storage/duplicates", 1, REPORT_PAGE_SIZE), duplicates);
  set(pagedApiPath("/stats/library/health/no-poster", 1, REPORT_PAGE_SIZE), posters);
  set(pagedApiPath("/stats/library/health/placeholders", 1, REPORT_PAGE_SIZE), placeholders);
  return renderToStaticMarkup(
    <QueryClientProvider client={client}>
      <MemoryRouter initialEntries={[url]}>
        <Routes>
          <Route path="/library" element={<LibrarySection />}>
            <Route path="storage" element={<LibraryStorage />} />
            <Route path="health" element={<LibraryHealth />} />
          </Route>
        </Routes>
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

describe("Storage page", () => {
  it("says honestly why there is no trend yet", () => {
    const html = render("/library/storage?stale_page=2&roi_order=best");
    expect(html).toContain('class="notice" role="status"');
    expect(html).toContain("a trend needs at least 7");
    expect(html).toContain("6.4 TB");
    expect(html).toContain("not enough snapshots yet");
  });
  it("shows the forecast's figures once there is a trend", () => {
    const growth: Growth = {
      ...few,
      message: null,
      trend: { bytes_per_day: 1e10, gb_per_month: 279.4, r2: 0.98 },
      forecast: [{ day: "2027-06-02", size_bytes: 8_200_000_000_000 }],
    };
    const html = render("/library/storage", growth);
    expect(html).not.toContain('class="notice" role="status"');
    expect(html).toContain("+279.4 GB");
    expect(html).toContain("fit r² 0.98");
    expect(html).toContain("8.2 TB");
  });
  it("pages each list from its own keys, with posters and links to History", () => {
    const html = render("/library/storage?stale_page=2&roi_order=best");
    expect(html).toContain("Stale files<span class=\"count tabular\"> (12)</span>");
    expect(html).toContain("12 files, 600 GB together · page 2 of 2");
    expect(html).toContain('src="/img/primary/1?w=80"');
    expect(html).toContain('href="/history?item_id=1"');
    expect(html).toContain('aria-label="No poster for Loved"');
    expect(html).toContain("0.644");
    expect(html).toMatch(/aria-pressed="true"[^>]*>Best/);
    expect(html).toContain("No duplicates: every title is there once.");
    expect(html).not.toContain(hostile);
  });
});

describe("Health page", () => {
  it("lists each report with its count, the admin's only for the admin", () => {
    const html = render("/library/health");
    expect(html).toContain("Without a poster<span class=\"count tabular\"> (3)</span>");
    expect(html).toContain("Shows its series&#x27; poster");
    expect(html).toContain("1 series: 2 missing, 1 unaired");
    expect(html).toContain("S02E03");
    expect(html).toContain("Loading titles without provider ids…");
    expect(html).toContain("sign in on Admin");
    expect(html).not.toContain("Runtime outliers");
    expect(html).not.toContain(hostile);
  });
});
