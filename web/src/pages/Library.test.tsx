import { renderToStaticMarkup } from "react-dom/server";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { MemoryRouter, Route, Routes } from "react-router";
import { describe, expect, it } from "vitest";
import type { Codecs, ItemPage, Library as LibraryData, Qualities } from "../api/types";
import { Library } from "./Library";
import { LibrarySection } from "./LibrarySection";

const hostile = "<img src=x onerror=alert(1)>";

const library: LibraryData = {
  items: 1234,
  size_bytes: 12_500_000_000_000,
  runtime_hours: 4321.5,
  runtime_seconds: 4321.5 * 3600,
  by_type: [{ type: "Movie", items: 234, size_bytes: 9_000_000_000_000, runtime_hours: 400, runtime_seconds: 400 * 3600 }],
  libraries: [
    {
      library_id: "1",
      name: hostile,
      collection_type: "movies",
      items: 234,
      size_bytes: 9_000_000_000_000,
      runtime_hours: 400,
      runtime_seconds: 400 * 3600,
      by_type: [],
    },
  ],
};
const qualities: Qualities = { buckets: { "4K": { Movie: 3 }, "1080p": { Movie: 200, Episode: 31 }, Unknown: {} } };
const codecs: Codecs = { codecs: { hevc: { Movie: 120 }, h264: { Episode: 31 } } };
const page: ItemPage = {
  items: [{ id: "9", name: hostile, media_type: "Movie", width: 3840, height: 2160, codec: "hevc", quality: "4K" }],
  total: 30,
  page: 2,
  page_size: 25,
};

function render(url: string, withData = true): string {
  const client = new QueryClient();
  if (withData) {
    client.setQueryData(["stats", "library"], library);
    client.setQueryData(["stats", "qualities"], qualities);
    client.setQueryData(["stats", "codecs"], codecs);
    client.setQueryData(["stats", "items-by", "quality", "4K", 2, 25], page);
  }
  return renderToStaticMarkup(
    <QueryClientProvider client={client}>
      <MemoryRouter initialEntries={[url]}>
        <Routes>
          <Route path="/library" element={<LibrarySection />}>
            <Route index element={<Library />} />
          </Route>
        </Routes>
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

describe("Library page", () => {
  it("shows totals, tables and bucket links", () => {
    const html = render("/library");
    expect(html).toContain("<h1>Library</h1>");
    // the section's pages, Overview current
    expect(html).toMatch(/<nav class="subnav" aria-label="Library pages">/);
    expect(html).toMatch(/<a aria-current="page" class="subnav-link active" href="\/library"[^>]*>Overview<\/a>/);
    for (const p of ["movies", "series", "genres", "storage", "health", "transcodes"]) expect(html).toContain(`href="/library/${p}"`);
    for (const h of ["Totals", "By type", "By library", "Qualities", "Codecs"]) expect(html).toContain(`>${h}</h2>`);
    expect(html).toContain("12.5 TB");
    expect(html).toContain("4,321.5 h");
    expect(html).toContain('href="/library?quality=4K"');
    expect(html).toContain('href="/library?codec=hevc"');
    expect(html).not.toContain('href="/library?quality=Unknown"'); // empty bucket
    expect(html).not.toContain("library-items-title");
  });
  it("lists the picked bucket's page from the URL", () => {
    const html = render("/library?quality=4K&page=2");
    expect(html).toContain("Items: quality 4K");
    expect(html).toContain("30 items · page 2 of 2");
    expect(html).toContain('aria-current="true"');
    expect(html).toContain("3840×2160");
  });
  it("renders names from Emby as text only", () => {
    const html = render("/library?quality=4K&page=2");
    expect(html).not.toContain(hostile);
    expect(html).toContain("&lt;img src=x onerror=alert(1)&gt;");
  });
  it("shows loading states before the answers", () => {
    const html = render("/library", false);
    expect(html).toContain("Loading the library…");
    expect(html).toContain("Loading qualities…");
  });
});
