import type { ReactNode } from "react";
import { Link, useSearchParams } from "react-router";
import type { GenreFact } from "../../api/types";
import { formatCount, formatHours, imageUrl } from "../../lib/format";
import { genreHref, type GenreList } from "../../lib/genres";
import { historyHref } from "../../lib/links";
import { Poster } from "../Poster";
import { Toggle } from "../stats/StatCard";
import { Empty } from "../States";

/** A figure of the library, in the KPI cards' style. */
export function Figure({ label, value, title, hint }: { label: string; value: string; title?: string; hint?: ReactNode }) {
  return (
    <div className="kpi">
      <div className="kpi-label">{label}</div>
      <div className="kpi-value tabular" title={title}>
        {value}
      </div>
      {hint ? <div className="kpi-hint">{hint}</div> : null}
    </div>
  );
}

/** A notable title: what makes it notable, its poster, its name (to its plays in History) and the figure. */
export interface Notable {
  label: string;
  item: { id: string; name: string; display?: string | null; poster?: string | null } | null | undefined;
  value: string;
  valueTitle?: string;
}

export function NotableGrid({ items, labelledBy }: { items: readonly Notable[]; labelledBy: string }) {
  return (
    <ul className="notable-grid" aria-labelledby={labelledBy}>
      {items.map((n) => {
        const name = n.item ? (n.item.display ?? n.item.name) : null;
        return (
          <li key={n.label} className="notable">
            {n.item && name !== null ? (
              <>
                <Poster src={imageUrl(n.item.poster, 80)} label={name} variant="thumb" />
                <div className="notable-body">
                  <div className="notable-label">{n.label}</div>
                  <Link className="notable-name" to={historyHref({ item_id: n.item.id })} aria-label={`${name}: its plays in History`}>
                    {name}
                  </Link>
                  <div className="notable-value tabular" title={n.valueTitle}>
                    {n.value}
                  </div>
                </div>
              </>
            ) : (
              <div className="notable-body">
                <div className="notable-label">{n.label}</div>
                <div className="muted">None yet</div>
              </div>
            )}
          </li>
        );
      })}
    </ul>
  );
}

type GenreMetric = "count" | "time";
const GENRE_METRICS = [
  { value: "count", label: "Titles" },
  { value: "time", label: "Watch time" },
] as const;

/** Genres as bars, by number of titles or by all-time watch time (the choice in the URL's `by`); each genre links
 * to its list. `noun`: what is counted ("movies", "series"). */
export function GenreBars({
  id,
  byCount,
  byTime,
  list,
  noun,
  limit = 12,
}: {
  id: string;
  byCount: readonly GenreFact[];
  byTime: readonly GenreFact[];
  list: GenreList;
  noun: string;
  limit?: number;
}) {
  const [params, setParams] = useSearchParams();
  const metric: GenreMetric = params.get("by") === "time" ? "time" : "count";
  const setMetric = (m: GenreMetric) => {
    const next = new URLSearchParams(params);
    if (m === "time") next.set("by", "time");
    else next.delete("by");
    setParams(next, { replace: true });
  };
  const rows = (metric === "time" ? byTime : byCount).slice(0, limit);
  const max = Math.max(1, ...rows.map((g) => (metric === "time" ? g.seconds : g.count)));
  const headingId = `${id}-title`;
  return (
    <section className="section genre-card" aria-labelledby={headingId}>
      <div className="section-head">
        <h2 id={headingId}>Genres</h2>
        <Toggle label="Rank genres by" value={metric} options={GENRE_METRICS} onChange={setMetric} />
        <Link className="section-link" to="/library/genres">
          All genres
        </Link>
      </div>
      <p className="summary-line">
        {metric === "time" ? `By all-time watch time of their ${noun}.` : `By number of ${noun}.`} Pick a genre to list its {noun}.
      </p>
      {rows.length === 0 ? (
        <Empty>{metric === "time" ? `Nobody has watched ${noun} with a genre yet.` : `No ${noun} have a genre yet.`}</Empty>
      ) : (
        <ol className="genre-bars">
          {rows.map((g) => {
            const v = metric === "time" ? g.seconds : g.count;
            const figure = metric === "time" ? `${formatHours(g.hours)} h` : formatCount(g.count);
            return (
              <li key={g.genre}>
                <Link to={genreHref(g.genre, list)} className="genre-name" aria-label={`${g.genre}: list its ${formatCount(g.count)} ${noun}`}>
                  {g.genre}
                </Link>
                <span className="genre-meter" aria-hidden="true">
                  <span style={{ width: `${(v / max) * 100}%` }} />
                </span>
                <span className="genre-value tabular">{figure}</span>
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}
