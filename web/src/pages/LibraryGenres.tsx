import type { ReactNode } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { useConfig, useGenreSeries, useGenreTitles, useMovieFacts, useSeriesFacts } from "../api/queries";
import type { GenreFact, GenreItem, ListedSeries } from "../api/types";
import { Poster } from "../components/Poster";
import { Empty, ErrorBox, Loading } from "../components/States";
import { formatCount, formatDuration, imageUrl } from "../lib/format";
import {
  ariaSort,
  genreHref,
  genreSearch,
  parseGenreView,
  sortedBy,
  SERIES_SORTS,
  TITLE_SORTS,
  type GenreList,
  type GenreSort,
  type GenreView,
  type SortOrder,
} from "../lib/genres";
import { historyHref } from "../lib/links";
import { formatBytes, formatDate, pageCount } from "../lib/library";

export const GENRE_PAGE_SIZE = 25;

export function LibraryGenres() {
  const [params] = useSearchParams();
  const view = parseGenreView(params);
  return view ? <GenreLists key={view.genre} view={view} /> : <GenreIndex />;
}

// ---------------------------------------------------------------- every genre, movies' and series'

function GenreIndex() {
  const movies = useMovieFacts();
  const series = useSeriesFacts();
  return (
    <div className="two-col">
      <GenreLinks id="genres-movies" title="Movie genres" noun="movies" list="titles" query={movies} genres={movies.data?.popular_genres} />
      <GenreLinks id="genres-series" title="Series genres" noun="series" list="series" query={series} genres={series.data?.popular_genres} />
    </div>
  );
}

function GenreLinks({
  id,
  title,
  noun,
  list,
  query,
  genres,
}: {
  id: string;
  title: string;
  noun: string;
  list: GenreList;
  query: { isPending: boolean; error: unknown; refetch: () => Promise<unknown> };
  genres: readonly GenreFact[] | undefined;
}) {
  let body: ReactNode;
  if (query.isPending) body = <Loading label={`Loading ${title.toLowerCase()}…`} />;
  else if (!genres) body = <ErrorBox error={query.error} title={`Could not load the ${title.toLowerCase()}`} onRetry={() => void query.refetch()} />;
  else if (genres.length === 0) body = <Empty>No {noun} have a genre yet.</Empty>;
  else
    body = (
      <ul className="genre-chips">
        {genres.map((g) => (
          <li key={g.genre}>
            <Link to={genreHref(g.genre, list)} aria-label={`${g.genre}: list its ${formatCount(g.count)} ${noun}`}>
              <span className="genre-chip-name">{g.genre}</span> <span className="genre-chip-count tabular">{formatCount(g.count)}</span>
            </Link>
          </li>
        ))}
      </ul>
    );
  return (
    <section className="section" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{title}</h2>
      <p className="summary-line">Each genre as Emby names it (never split at a comma), with its number of {noun}.</p>
      {body}
    </section>
  );
}

// ---------------------------------------------------------------- one genre's titles or series, paged and sorted

function GenreLists({ view }: { view: GenreView }) {
  const first = { ...view, page: 1, sort: "name" as const, order: "asc" as const };
  // The other list's size for its tab: one row of it is enough.
  const titleCount = useGenreTitles(first, 1, view.list !== "titles");
  const seriesCount = useGenreSeries(first, 1, view.list !== "series");
  const titles = useGenreTitles(view, GENRE_PAGE_SIZE, view.list === "titles");
  const series = useGenreSeries(view, GENRE_PAGE_SIZE, view.list === "series");
  const current = view.list === "titles" ? titles : series;
  const spelled = current.data?.genre ?? view.genre;
  const totals: Record<GenreList, number | undefined> = {
    titles: view.list === "titles" ? titles.data?.total : titleCount.data?.total,
    series: view.list === "series" ? series.data?.total : seriesCount.data?.total,
  };

  return (
    <section className="section genre-list" aria-labelledby="genre-list-title">
      <div className="section-head">
        <h2 id="genre-list-title">
          Genre: <span className="genre-title">{spelled}</span>
        </h2>
        <Link to="/library/genres" className="btn btn-small">
          All genres
        </Link>
      </div>
      <nav className="list-tabs" aria-label="Lists of this genre">
        {(["titles", "series"] as const).map((list) => (
          <Link
            key={list}
            to={{ search: genreSearch({ genre: view.genre, list, page: 1, sort: "name", order: "asc" }) }}
            aria-current={view.list === list ? "page" : undefined}
            className="list-tab"
          >
            {list === "titles" ? "Movies and videos" : "Series"}
            {totals[list] !== undefined ? <span className="tabular"> ({formatCount(totals[list] ?? 0)})</span> : null}
          </Link>
        ))}
      </nav>
      <SortSelect view={view} />
      {view.list === "titles" ? (
        <Paged view={view} query={titles} noun="titles" what="these titles">
          {(items) => <TitlesTable view={view} items={items as GenreItem[]} busy={titles.isFetching} />}
        </Paged>
      ) : (
        <Paged view={view} query={series} noun="series" what="these series">
          {(items) => <SeriesTable view={view} items={items as ListedSeries[]} busy={series.isFetching} />}
        </Paged>
      )}
    </section>
  );
}

interface PageQuery {
  data?: { items: readonly unknown[]; total: number; page: number; page_size: number };
  isPending: boolean;
  isFetching: boolean;
  isPlaceholderData: boolean;
  error: unknown;
  refetch: () => Promise<unknown>;
}

function Paged({
  view,
  query,
  noun,
  what,
  children,
}: {
  view: GenreView;
  query: PageQuery;
  noun: string;
  what: string;
  children: (items: readonly unknown[]) => ReactNode;
}) {
  const navigate = useNavigate();
  const data = query.data;
  const pages = data ? pageCount(data.total, data.page_size || GENRE_PAGE_SIZE) : 1;
  const go = (page: number) => void navigate({ search: genreSearch({ ...view, page }) });
  // While another page loads, the last one stays (dimmed), and the line says which page it is.
  let body: ReactNode;
  if (query.isPending) body = <Loading label={`Loading ${what}…`} />;
  else if (!data) body = <ErrorBox error={query.error} title={`Could not load ${what}`} onRetry={() => void query.refetch()} />;
  else if (data.total === 0) body = <Empty>No {noun} in the library have this genre.</Empty>;
  else if (data.items.length === 0)
    body = (
      <Empty>
        This page is past the end. <Link to={{ search: genreSearch({ ...view, page: 1 }) }}>Go to page 1</Link>
      </Empty>
    );
  else
    body = (
      <>
        <p className="summary-line tabular" aria-live="polite">
          {formatCount(data.total)} {noun} · page {formatCount(data.page)} of {formatCount(pages)}
        </p>
        <div className={query.isPlaceholderData ? "table-wrap stale" : "table-wrap"}>{children(data.items)}</div>
      </>
    );
  return (
    <>
      {body}
      <nav className="pager" aria-label="Pages">
        <button type="button" className="btn" disabled={view.page <= 1 || query.isFetching} onClick={() => go(Math.min(view.page - 1, pages))}>
          Previous
        </button>
        <button type="button" className="btn" disabled={!data || view.page >= pages || query.isFetching} onClick={() => go(view.page + 1)}>
          Next
        </button>
      </nav>
    </>
  );
}

const SORT_LABELS: Record<GenreSort, string> = {
  name: "Name",
  year: "Year",
  size: "Size",
  runtime: "Runtime",
  episodes: "Episodes",
  added: "Added",
};

/** A column header that orders the list by its column, through the URL (its link flips a current order). */
function SortHead({ view, sort, num }: { view: GenreView; sort: GenreSort; num?: boolean }) {
  const state = ariaSort(view, sort);
  const mark = state === "ascending" ? " ▴" : state === "descending" ? " ▾" : "";
  const next = sortedBy(view, sort);
  const how = orderWords(sort, next.order);
  return (
    <th scope="col" className={num ? "num" : undefined} aria-sort={state}>
      <Link to={{ search: genreSearch(next) }} className="sort-link" aria-label={`${SORT_LABELS[sort]}: sort ${how}`}>
        {SORT_LABELS[sort]}
        <span aria-hidden="true">{mark}</span>
      </Link>
    </th>
  );
}

/** The same orders as the headers, as one control (on a phone the table's headers are hidden). */
function SortSelect({ view }: { view: GenreView }) {
  const navigate = useNavigate();
  const sorts = view.list === "series" ? SERIES_SORTS : TITLE_SORTS;
  return (
    <div className="toolbar sort-toolbar">
      <label className="field">
        <span>Sort by</span>{" "}
        <select
          value={`${view.sort}:${view.order}`}
          onChange={(e) => {
            const [sort, order] = e.target.value.split(":") as [GenreSort, SortOrder];
            void navigate({ search: genreSearch({ ...view, sort, order, page: 1 }) });
          }}
        >
          {sorts.flatMap((sort) =>
            (["asc", "desc"] as const).map((order) => (
              <option key={`${sort}:${order}`} value={`${sort}:${order}`}>
                {SORT_LABELS[sort]} ({orderWords(sort, order)})
              </option>
            )),
          )}
        </select>
      </label>
    </div>
  );
}

function orderWords(sort: GenreSort, order: SortOrder): string {
  if (sort === "name") return order === "asc" ? "A to Z" : "Z to A";
  if (sort === "added" || sort === "year") return order === "asc" ? "oldest first" : "newest first";
  return order === "asc" ? "smallest first" : "largest first";
}

function TitleCell({ id, name, poster }: { id: string; name: string; poster: string | null | undefined }) {
  return (
    <th scope="row" data-label="Title" className="title-cell">
      <span className="titled">
        <Poster src={imageUrl(poster, 80)} label={name} variant="thumb" />
        <Link to={historyHref({ item_id: id })} aria-label={`${name}: its plays in History`}>
          {name}
        </Link>
      </span>
    </th>
  );
}

function TitlesTable({ view, items, busy }: { view: GenreView; items: readonly GenreItem[]; busy: boolean }) {
  const zone = useConfig().data?.tz;
  return (
    <table className="data-table stack-table genre-table" aria-busy={busy}>
      <caption className="visually-hidden">
        Titles of the genre {view.genre}, page {view.page}
      </caption>
      <thead>
        <tr>
          <SortHead view={view} sort="name" />
          <th scope="col">Type</th>
          <SortHead view={view} sort="year" num />
          <SortHead view={view} sort="runtime" num />
          <SortHead view={view} sort="size" num />
          <SortHead view={view} sort="added" />
          <th scope="col">Quality</th>
        </tr>
      </thead>
      <tbody>
        {items.map((it) => (
          <tr key={it.id}>
            <TitleCell id={it.id} name={it.name} poster={it.poster} />
            <td data-label="Type">{it.media_type}</td>
            <td data-label="Year" className="num tabular">
              {it.production_year ?? "—"}
            </td>
            <td data-label="Runtime" className="num tabular">
              {it.runtime_seconds ? formatDuration(it.runtime_seconds) : "—"}
            </td>
            <td data-label="Size" className="num tabular" title={it.size_bytes ? `${formatCount(it.size_bytes)} bytes` : undefined}>
              {it.size_bytes ? formatBytes(it.size_bytes) : "—"}
            </td>
            <td data-label="Added" className="tabular nowrap">
              {formatDate(it.date, zone)}
            </td>
            <td data-label="Quality">
              <span>
                {it.quality}
                {it.codec ? <span className="muted"> · {it.codec}</span> : null}
              </span>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function SeriesTable({ view, items, busy }: { view: GenreView; items: readonly ListedSeries[]; busy: boolean }) {
  const zone = useConfig().data?.tz;
  return (
    <table className="data-table stack-table genre-table" aria-busy={busy}>
      <caption className="visually-hidden">
        Series of the genre {view.genre}, page {view.page}
      </caption>
      <thead>
        <tr>
          <SortHead view={view} sort="name" />
          <SortHead view={view} sort="year" num />
          <th scope="col" className="num">
            Seasons
          </th>
          <SortHead view={view} sort="episodes" num />
          <SortHead view={view} sort="runtime" num />
          <SortHead view={view} sort="size" num />
          <SortHead view={view} sort="added" />
        </tr>
      </thead>
      <tbody>
        {items.map((s) => (
          <tr key={s.id}>
            <TitleCell id={s.id} name={s.name} poster={s.poster} />
            <td data-label="Year" className="num tabular">
              {s.production_year ?? "—"}
            </td>
            <td data-label="Seasons" className="num tabular">
              {formatCount(s.seasons)}
            </td>
            <td data-label="Episodes" className="num tabular">
              {formatCount(s.episodes)}
            </td>
            <td data-label="Runtime" className="num tabular">
              {s.runtime_seconds ? formatDuration(s.runtime_seconds) : "—"}
            </td>
            <td data-label="Size" className="num tabular" title={`${formatCount(s.size_bytes)} bytes`}>
              {formatBytes(s.size_bytes)}
            </td>
            <td data-label="Added" className="tabular nowrap">
              {formatDate(s.date, zone)}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
