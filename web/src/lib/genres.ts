/** The Library section's genre lists as they live in the URL (genre, which list, page, sort), and the API paths
 * they ask. Genre names come from Emby and may hold a comma, a slash or anything else: they travel as one query
 * parameter (URLSearchParams encodes them) and as one encoded path segment to the API. Pure. */

export type GenreList = "titles" | "series";
export type SortOrder = "asc" | "desc";
export const TITLE_SORTS = ["name", "year", "size", "runtime", "added"] as const;
export const SERIES_SORTS = ["name", "year", "size", "runtime", "episodes", "added"] as const;
export type TitleSort = (typeof TITLE_SORTS)[number];
export type SeriesSort = (typeof SERIES_SORTS)[number];
export type GenreSort = TitleSort | SeriesSort;

export interface GenreView {
  genre: string;
  list: GenreList;
  page: number;
  sort: GenreSort;
  order: SortOrder;
}

/** The API's own default: names A to Z, every figure largest or newest first. */
export function defaultOrder(sort: GenreSort): SortOrder {
  return sort === "name" ? "asc" : "desc";
}

function sortsOf(list: GenreList): readonly GenreSort[] {
  return list === "series" ? SERIES_SORTS : TITLE_SORTS;
}

/** The page (from 1) a query value names; anything else is 1. */
export function parsePage(raw: string | null): number {
  if (!raw || !/^\d{1,6}$/.test(raw)) return 1;
  const n = Number(raw);
  return n >= 1 ? n : 1;
}

/** The genre view a query string names; null when it names no genre. Unknown sorts and orders read as defaults. */
export function parseGenreView(params: URLSearchParams): GenreView | null {
  const genre = params.get("genre")?.trim();
  if (!genre) return null;
  const list: GenreList = params.get("list") === "series" ? "series" : "titles";
  const rawSort = params.get("sort") ?? "";
  const sort = (sortsOf(list) as readonly string[]).includes(rawSort) ? (rawSort as GenreSort) : "name";
  const rawOrder = params.get("order");
  const order: SortOrder = rawOrder === "asc" || rawOrder === "desc" ? rawOrder : defaultOrder(sort);
  return { genre, list, page: parsePage(params.get("page")), sort, order };
}

/** The query string of a view ("?genre=Action%2C+Adventure&list=series&page=2&sort=size&order=asc"); defaults
 * (titles, page 1, by name, the sort's default order) are left out, so equal views make equal URLs. */
export function genreSearch(view: GenreView): string {
  const params = new URLSearchParams();
  params.set("genre", view.genre);
  if (view.list === "series") params.set("list", "series");
  if (view.page > 1) params.set("page", String(view.page));
  if (view.sort !== "name") params.set("sort", view.sort);
  if (view.order !== defaultOrder(view.sort)) params.set("order", view.order);
  return `?${params.toString()}`;
}

/** The genre page of one genre's titles or series (first page, by name). */
export function genreHref(genre: string, list: GenreList = "titles"): string {
  return `/library/genres${genreSearch({ genre, list, page: 1, sort: "name", order: "asc" })}`;
}

/** Where a sortable column's header leads: the current sort flips its order, another sort starts at its default
 * order; either way back to page 1 (the old page number means nothing in a new order). */
export function sortedBy(view: GenreView, sort: GenreSort): GenreView {
  const order = view.sort === sort ? (view.order === "asc" ? "desc" : "asc") : defaultOrder(sort);
  return { ...view, sort, order, page: 1 };
}

/** aria-sort of a column: how the list is ordered by it, or "none". */
export function ariaSort(view: GenreView, sort: GenreSort): "ascending" | "descending" | "none" {
  if (view.sort !== sort) return "none";
  return view.order === "asc" ? "ascending" : "descending";
}

/** The API path of a view's page: `/stats/items/by-genre/…` or `/stats/series/by-genre/…`, the genre one
 * encoded segment (a slash in it stays part of the name). */
export function genreApiPath(view: Pick<GenreView, "genre" | "list" | "page" | "sort" | "order">, pageSize: number): string {
  const base = view.list === "series" ? "/stats/series/by-genre/" : "/stats/items/by-genre/";
  const params = new URLSearchParams({
    page: String(view.page),
    page_size: String(pageSize),
    sort: view.sort,
    order: view.order,
  });
  return `${base}${encodeURIComponent(view.genre)}?${params.toString()}`;
}
