import type { ReactNode } from "react";
import type { UseQueryResult } from "@tanstack/react-query";
import { useConfig, useMovieFacts, useSeriesFacts } from "../api/queries";
import type { ItemFact, MovieFacts, SeriesFacts } from "../api/types";
import { Figure, GenreBars, NotableGrid, type Notable } from "../components/library/Facts";
import { Empty, ErrorBox, Loading } from "../components/States";
import { formatCount, formatDuration, formatHours, plural } from "../lib/format";
import { formatBytes, formatDate } from "../lib/library";

function hours(h: number): string {
  return `${formatHours(h)} h`;
}

function size(bytes: number | null | undefined): { value: string; valueTitle?: string } {
  return { value: formatBytes(bytes), valueTitle: bytes != null ? `${formatCount(bytes)} bytes` : undefined };
}

/** A page's states around its answer: loading, error, empty, or the content. */
function Answer<T>({
  query,
  what,
  isEmpty,
  empty,
  children,
}: {
  query: UseQueryResult<T>;
  what: string;
  isEmpty: (d: T) => boolean;
  empty: string;
  children: (d: T) => ReactNode;
}) {
  if (query.isPending) return <Loading label={`Loading the ${what}…`} />;
  if (query.data === undefined)
    return <ErrorBox error={query.error} title={`Could not load the ${what}`} onRetry={() => void query.refetch()} />;
  if (isEmpty(query.data)) return <Empty>{empty}</Empty>;
  return <>{children(query.data)}</>;
}

export function LibraryMovies() {
  const query = useMovieFacts();
  const zone = useConfig().data?.tz;
  return (
    <Answer query={query} what="movie facts" isEmpty={(d) => d.total_movies === 0} empty="No movies in the library yet.">
      {(d) => <MoviesView facts={d} zone={zone} />}
    </Answer>
  );
}

export function MoviesView({ facts: d, zone }: { facts: MovieFacts; zone: string | undefined }) {
  const runtime = (f: ItemFact | null) => ({ value: formatDuration(f?.runtime_seconds) });
  const notable: Notable[] = [
    { label: "Largest", item: d.largest_movie, ...size(d.largest_movie?.size_bytes) },
    { label: "Longest", item: d.longest_movie, ...runtime(d.longest_movie) },
    { label: "Shortest", item: d.shortest_movie, ...runtime(d.shortest_movie) },
    { label: "Newest", item: d.newest_movie, value: `Added ${formatDate(d.newest_movie?.date, zone)}` },
    {
      label: "Most watched",
      item: d.most_watched_movie,
      value: d.most_watched_movie
        ? `${hours(d.most_watched_movie.hours)} · ${plural(d.most_watched_movie.plays, "play")}`
        : "",
    },
  ];
  return (
    <>
      <section className="section" aria-labelledby="movies-totals-title">
        <h2 id="movies-totals-title">Movies</h2>
        <div className="kpi-grid kpi-grid-4">
          <Figure label="Movies" value={formatCount(d.total_movies)} />
          <Figure label="Total size" {...size(d.total_size_bytes)} />
          <Figure label="Runtime" value={hours(d.total_runtime_hours)} hint="to watch them all" />
          <Figure label="Added this month" value={formatCount(d.added_this_month)} hint={`since ${formatDate(d.month_start, zone)}`} />
        </div>
      </section>
      <section className="section" aria-labelledby="movies-notable-title">
        <h2 id="movies-notable-title">Notable movies</h2>
        <p className="summary-line">Each title opens its plays in History; most watched is by all-time watch time.</p>
        <NotableGrid items={notable} labelledBy="movies-notable-title" />
      </section>
      <GenreBars id="movies-genres" byCount={d.popular_genres} byTime={d.most_watched_genres} list="titles" noun="movies" />
    </>
  );
}

export function LibrarySeries() {
  const query = useSeriesFacts();
  const zone = useConfig().data?.tz;
  return (
    <Answer query={query} what="series facts" isEmpty={(d) => d.total_series === 0} empty="No series in the library yet.">
      {(d) => <SeriesView facts={d} zone={zone} />}
    </Answer>
  );
}

export function SeriesView({ facts: d, zone }: { facts: SeriesFacts; zone: string | undefined }) {
  const runtime = (seconds: number | null | undefined) => ({ value: formatDuration(seconds) });
  const shows: Notable[] = [
    { label: "Largest", item: d.largest_series, ...size(d.largest_series?.size_bytes) },
    { label: "Longest", item: d.longest_series, ...runtime(d.longest_series?.runtime_seconds) },
    { label: "Shortest", item: d.shortest_series, ...runtime(d.shortest_series?.runtime_seconds) },
    { label: "Newest", item: d.newest_series, value: `Added ${formatDate(d.newest_series?.date, zone)}` },
    {
      label: "Most watched",
      item: d.most_watched_series,
      value: d.most_watched_series
        ? `${hours(d.most_watched_series.hours)} · ${plural(d.most_watched_series.plays, "play")}`
        : "",
    },
  ];
  const episodes: Notable[] = [
    { label: "Largest", item: d.largest_episode, ...size(d.largest_episode?.size_bytes) },
    { label: "Longest", item: d.longest_episode, ...runtime(d.longest_episode?.runtime_seconds) },
    { label: "Shortest", item: d.shortest_episode, ...runtime(d.shortest_episode?.runtime_seconds) },
    { label: "Newest", item: d.newest_episode, value: `Added ${formatDate(d.newest_episode?.date, zone)}` },
  ];
  return (
    <>
      <section className="section" aria-labelledby="series-totals-title">
        <h2 id="series-totals-title">Series</h2>
        <div className="kpi-grid kpi-grid-4">
          <Figure
            label="Series"
            value={formatCount(d.total_series)}
            hint={`${plural(d.total_seasons, "season")} · ${plural(d.total_episodes, "episode")}`}
          />
          <Figure label="Total size" {...size(d.total_size_bytes)} />
          <Figure label="Runtime" value={hours(d.total_episode_runtime_hours)} hint="of all episodes" />
          <Figure
            label="Episodes added this month"
            value={formatCount(d.added_this_month)}
            hint={`${plural(d.series_added_this_month, "new series", "new series")} since ${formatDate(d.month_start, zone)}`}
          />
        </div>
      </section>
      <section className="section" aria-labelledby="series-notable-title">
        <h2 id="series-notable-title">Notable series</h2>
        <p className="summary-line">A series' size and runtime are its episodes'; each title opens its plays in History.</p>
        <NotableGrid items={shows} labelledBy="series-notable-title" />
      </section>
      <section className="section" aria-labelledby="episodes-notable-title">
        <h2 id="episodes-notable-title">Notable episodes</h2>
        <NotableGrid items={episodes} labelledBy="episodes-notable-title" />
      </section>
      <GenreBars id="series-genres" byCount={d.popular_genres} byTime={d.most_watched_genres} list="series" noun="series" />
    </>
  );
}
