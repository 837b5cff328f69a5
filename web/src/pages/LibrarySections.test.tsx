import { renderToStaticMarkup } from "react-dom/server";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { MemoryRouter, Route, Routes } from "react-router";
import { describe, expect, it } from "vitest";
import type { GenreItemPage, ItemFact, MovieFacts, SeriesFacts, SeriesPage } from "../api/types";
import { ALL_GENRES } from "../api/queries";
import { genreApiPath } from "../lib/genres";
import { LibraryMovies, LibrarySeries } from "./LibraryFacts";
import { GENRE_PAGE_SIZE, LibraryGenres } from "./LibraryGenres";
import { LibrarySection } from "./LibrarySection";

const hostile = "<img src=x onerror=alert(1)>";
const COMMA = "Action, Adventure";

const fact = (id: string, name: string, over: Partial<ItemFact> = {}): ItemFact => ({
  id,
  name,
  display: name,
  production_year: 2001,
  size_bytes: 42_000_000_000,
  runtime_seconds: 7_380,
  runtime_minutes: 123,
  date: "2026-12-01T10:00:00Z",
  poster: null,
  ...over,
});

const movies: MovieFacts = {
  total_movies: 321,
  total_size_bytes: 12_500_000_000_000,
  total_runtime_hours: 640.5,
  total_runtime_seconds: 640.5 * 3600,
  largest_movie: fact("1", hostile, { poster: "/img/primary/1" }),
  largest_movie_name: hostile,
  largest_movie_gb: 39.12,
  longest_movie: fact("2", "Long One", { runtime_seconds: 14_400 }),
  longest_movie_name: "Long One",
  longest_runtime_minutes: 240,
  shortest_movie: fact("3", "Short One", { runtime_seconds: 1_500 }),
  shortest_movie_name: "Short One",
  shortest_runtime_minutes: 25,
  newest_movie: fact("4", "Fresh"),
  most_watched_movie: { id: "5", name: "Loved", poster: "/img/primary/5", hours: 12.25, seconds: 44_100, plays: 7 },
  popular_genres: [
    { genre: "Drama", count: 120, hours: 3, seconds: 10_800 },
    { genre: COMMA, count: 40, hours: 30, seconds: 108_000 },
  ],
  most_watched_genres: [
    { genre: COMMA, count: 40, hours: 30, seconds: 108_000 },
    { genre: "Drama", count: 120, hours: 3, seconds: 10_800 },
  ],
  added_this_month: 6,
  movies_added_this_month: 6,
  month_start: "2026-11-30T23:00:00Z",
};

const series: SeriesFacts = {
  total_series: 12,
  total_seasons: 30,
  total_episodes: 400,
  total_size_bytes: 9_000_000_000_000,
  total_episode_runtime_hours: 300,
  total_episode_runtime_seconds: 300 * 3600,
  largest_series: null,
  largest_series_name: null,
  largest_series_total_gb: null,
  longest_series: null,
  longest_series_name: null,
  longest_series_runtime_minutes: null,
  shortest_series: null,
  largest_episode: fact("7", "Show - Pilot (S01E01)"),
  largest_episode_name: "Pilot",
  largest_episode_gb: 3.1,
  longest_episode: null,
  shortest_episode: null,
  newest_series: null,
  newest_episode: null,
  most_watched_series: null,
  popular_genres: [{ genre: "Sci-Fi/Fantasy", count: 3, hours: 0, seconds: 0 }],
  most_watched_genres: [],
  added_this_month: 0,
  episodes_added_this_month: 0,
  series_added_this_month: 1,
  month_start: "2026-11-30T23:00:00Z",
};

const view = { genre: COMMA, list: "titles" as const, page: 2, sort: "size" as const, order: "desc" as const };
const titles: GenreItemPage = {
  items: [
    {
      id: "11",
      name: hostile,
      media_type: "Movie",
      width: 3840,
      height: 2160,
      codec: "hevc",
      quality: "4K",
      production_year: 1999,
      size_bytes: 50_000_000_000,
      runtime_seconds: 8_000,
      date: "2025-05-01T00:00:00Z",
      poster: "/img/primary/11",
    },
  ],
  total: 30,
  page: 2,
  page_size: GENRE_PAGE_SIZE,
  genre: COMMA,
  sort: "size",
  order: "desc",
};
const shows: SeriesPage = { items: [], total: 4, page: 1, page_size: 1, genre: COMMA, sort: "name", order: "asc" };

function render(url: string, withData = true): string {
  const client = new QueryClient();
  if (withData) {
    client.setQueryData(["config"], { tz: "Europe/Berlin" });
    client.setQueryData(["stats", "movies", ALL_GENRES], movies);
    client.setQueryData(["stats", "series", ALL_GENRES], series);
    client.setQueryData(["stats", "genre-titles", genreApiPath(view, GENRE_PAGE_SIZE)], titles);
    const first = { genre: COMMA, list: "series" as const, page: 1, sort: "name" as const, order: "asc" as const };
    client.setQueryData(["stats", "genre-series", genreApiPath(first, 1)], shows);
  }
  return renderToStaticMarkup(
    <QueryClientProvider client={client}>
      <MemoryRouter initialEntries={[url]}>
        <Routes>
          <Route path="/library" element={<LibrarySection />}>
            <Route path="movies" element={<LibraryMovies />} />
            <Route path="series" element={<LibrarySeries />} />
            <Route path="genres" element={<LibraryGenres />} />
          </Route>
        </Routes>
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

describe("Movies page", () => {
  it("shows the figures, the notable movies with posters and links to their plays, and genre bars", () => {
    const html = render("/library/movies");
    expect(html).toMatch(/aria-current="page" class="subnav-link active" href="\/library\/movies"/);
    expect(html).toContain("321");
    expect(html).toContain("12.5 TB");
    expect(html).toContain("640.5 h");
    expect(html).toContain("since 1 Dec 2026"); // the month's start in Berlin
    expect(html).toContain('src="/img/primary/1?w=80"');
    expect(html).toContain('href="/history?item_id=1"');
    expect(html).toContain('href="/history?item_id=5"');
    expect(html).toContain("12.3 h · 7 plays");
    expect(html).toContain("4 h 00 min");
    expect(html).toContain('aria-label="No poster for Long One"'); // none given: no image asked for
    // by count by default: Drama first, each genre to its list (the comma encoded)
    expect(html.indexOf("list its 120 movies")).toBeLessThan(html.indexOf("list its 40 movies"));
    expect(html).toContain('href="/library/genres?genre=Action%2C+Adventure"');
  });
  it("ranks genres by watch time when the URL says so", () => {
    const html = render("/library/movies?by=time");
    expect(html.indexOf("list its 40 movies")).toBeLessThan(html.indexOf("list its 120 movies"));
    expect(html).toContain("30 h");
    expect(html).toMatch(/aria-pressed="true"[^>]*>Watch time/);
  });
  it("renders names from Emby as text only", () => {
    const html = render("/library/movies");
    expect(html).not.toContain(hostile);
    expect(html).toContain("&lt;img src=x onerror=alert(1)&gt;");
  });
  it("shows a loading state before the answer", () => {
    expect(render("/library/movies", false)).toContain("Loading the movie facts…");
  });
});

describe("Series page", () => {
  it("shows the figures, and says so where there is nothing notable yet", () => {
    const html = render("/library/series");
    expect(html).toContain("30 seasons · 400 episodes");
    expect(html).toContain("1 new series since 1 Dec 2026");
    expect(html).toContain("None yet");
    expect(html).toContain('href="/history?item_id=7"');
    expect(html).toContain('href="/library/genres?genre=Sci-Fi%2FFantasy&amp;list=series"');
  });
  it("says nobody watched a genre yet when ranked by watch time", () => {
    expect(render("/library/series?by=time")).toContain("Nobody has watched series with a genre yet.");
  });
});

describe("Genres page", () => {
  it("lists every genre of movies and series", () => {
    const html = render("/library/genres");
    expect(html).toContain("Movie genres");
    expect(html).toContain("Series genres");
    expect(html).toContain('href="/library/genres?genre=Action%2C+Adventure"');
    expect(html).toContain('href="/library/genres?genre=Sci-Fi%2FFantasy&amp;list=series"');
  });
  it("lists a genre's page in the order of the URL, sortable by its headers", () => {
    const html = render("/library/genres?genre=Action%2C+Adventure&page=2&sort=size");
    expect(html).toContain("Genre: <span class=\"genre-title\">Action, Adventure</span>");
    expect(html).toContain("30 titles · page 2 of 2");
    expect(html).toContain("Series<span class=\"tabular\"> (4)</span>");
    expect(html).toContain('aria-sort="descending"');
    // the current column flips its order, another starts at its default, both on page 1
    expect(html).toContain('href="/library/genres?genre=Action%2C+Adventure&amp;sort=size&amp;order=asc"');
    expect(html).toContain('href="/library/genres?genre=Action%2C+Adventure&amp;sort=runtime"');
    expect(html).toContain('href="/library/genres?genre=Action%2C+Adventure"'); // name, A to Z
    expect(html).toContain('href="/history?item_id=11"');
    expect(html).toContain('src="/img/primary/11?w=80"');
    expect(html).toContain("50 GB");
    expect(html).not.toContain(hostile);
  });
  it("shows a loading state for a genre not asked yet", () => {
    expect(render("/library/genres?genre=Drama", false)).toContain("Loading these titles…");
  });
});
