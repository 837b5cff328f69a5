import { describe, expect, it } from "vitest";
import { ariaSort, genreApiPath, genreHref, genreSearch, parseGenreView, sortedBy, type GenreView } from "./genres";

const view = (over: Partial<GenreView> = {}): GenreView => ({ genre: "Drama", list: "titles", page: 1, sort: "name", order: "asc", ...over });

describe("genre views in the URL", () => {
  it("round-trip names with a comma, a slash, an ampersand and markup", () => {
    for (const genre of ["Action, Adventure", "Sci-Fi/Fantasy", "R&B #1 ?x=y", "<img src=x onerror=alert(1)>", "Ünïcødé 日本"]) {
      const v = view({ genre, list: "series", page: 3, sort: "size", order: "asc" });
      const search = genreSearch(v);
      expect(search).not.toContain(",");
      expect(search).not.toContain("/");
      expect(parseGenreView(new URLSearchParams(search))).toEqual(v);
    }
  });
  it("leaves defaults out", () => {
    expect(genreSearch(view())).toBe("?genre=Drama");
    expect(genreSearch(view({ sort: "size", order: "desc" }))).toBe("?genre=Drama&sort=size");
    expect(genreHref("Action, Adventure")).toBe("/library/genres?genre=Action%2C+Adventure");
    expect(genreHref("Drama", "series")).toBe("/library/genres?genre=Drama&list=series");
  });
  it("reads nonsense as defaults", () => {
    expect(parseGenreView(new URLSearchParams(""))).toBeNull();
    expect(parseGenreView(new URLSearchParams("genre=%20%20"))).toBeNull();
    expect(parseGenreView(new URLSearchParams("genre=Drama&page=-2&sort=watched&order=up&list=x"))).toEqual(view());
    expect(parseGenreView(new URLSearchParams("genre=Drama&page=0"))?.page).toBe(1);
    expect(parseGenreView(new URLSearchParams("genre=Drama&page=99999999"))?.page).toBe(1);
    // episodes sort series only
    expect(parseGenreView(new URLSearchParams("genre=Drama&sort=episodes"))?.sort).toBe("name");
    expect(parseGenreView(new URLSearchParams("genre=Drama&list=series&sort=episodes"))).toEqual(
      view({ list: "series", sort: "episodes", order: "desc" }),
    );
  });
});

describe("sorting by a column header", () => {
  it("flips the current column, starts another at its default, back to page 1", () => {
    expect(sortedBy(view({ page: 4 }), "name")).toEqual(view({ order: "desc" }));
    expect(sortedBy(view({ page: 4 }), "size")).toEqual(view({ sort: "size", order: "desc" }));
    expect(sortedBy(view({ sort: "size", order: "desc" }), "size")).toEqual(view({ sort: "size", order: "asc" }));
  });
  it("says how each column orders the list", () => {
    expect(ariaSort(view(), "name")).toBe("ascending");
    expect(ariaSort(view({ sort: "added", order: "desc" }), "added")).toBe("descending");
    expect(ariaSort(view(), "size")).toBe("none");
  });
});

describe("API paths", () => {
  it("send the genre as one encoded segment", () => {
    expect(genreApiPath(view({ genre: "Sci-Fi/Fantasy", page: 2 }), 25)).toBe(
      "/stats/items/by-genre/Sci-Fi%2FFantasy?page=2&page_size=25&sort=name&order=asc",
    );
    expect(genreApiPath(view({ genre: "Action, Adventure", list: "series", sort: "episodes", order: "desc" }), 1)).toBe(
      "/stats/series/by-genre/Action%2C%20Adventure?page=1&page_size=1&sort=episodes&order=desc",
    );
  });
});
