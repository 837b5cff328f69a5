import { useState } from "react";
import { Link } from "react-router";
import { useTopItems, useTopSeries, useTopUsers } from "../../api/queries";
import { formatCount, formatHours, imageUrl } from "../../lib/format";
import { itemHistoryHref, userHref } from "../../lib/links";
import { formatHm, todayIn, windowLabel, type Window } from "../../lib/stats";
import { StatCard, Toggle } from "./StatCard";
import { Poster } from "../Poster";

type Metric = "hours" | "plays";
const METRICS = [
  { value: "hours", label: "Hours" },
  { value: "plays", label: "Plays" },
] as const;

/** The first letter or digit of a name (not a control character or half an emoji), else "?". */
export function initial(name: string): string {
  return (/[\p{L}\p{N}]/u.exec(name)?.[0] ?? "?").toUpperCase();
}

function Initial({ name }: { name: string }) {
  return (
    <div className="thumb thumb-user" aria-hidden="true">
      {initial(name)}
    </div>
  );
}

export interface Ranked {
  key: string;
  name: string;
  sub?: string;
  hours: number;
  seconds: number;
  plays: number;
  thumb: React.ReactNode;
  /** Where the row leads (its name is the link). */
  href?: string;
  /** What the link says to a screen reader, when more than the name. */
  linkLabel?: string;
}

/** Ordered by the metric shown (the API ranks by watch time; plays re-orders the same rows). */
export function RankedList({ rows, metric }: { rows: Ranked[]; metric: Metric }) {
  const sorted = metric === "plays" ? [...rows].sort((a, b) => b.plays - a.plays || b.seconds - a.seconds) : rows;
  const max = Math.max(1, ...sorted.map((r) => (metric === "plays" ? r.plays : r.seconds)));
  return (
    <ol className="ranked">
      {sorted.map((r, i) => {
        const v = metric === "plays" ? r.plays : r.seconds;
        return (
          <li key={r.key}>
            <span className="rank tabular" aria-hidden="true">
              {i + 1}
            </span>
            {r.thumb}
            <div className="ranked-body">
              <div className="ranked-name" title={r.name}>
                {r.href ? (
                  <Link to={r.href} aria-label={r.linkLabel}>
                    {r.name}
                  </Link>
                ) : (
                  r.name
                )}
              </div>
              {r.sub ? <div className="ranked-sub muted">{r.sub}</div> : null}
              <div className="meter" aria-hidden="true">
                <span style={{ width: `${(v / max) * 100}%` }} />
              </div>
            </div>
            <div className="ranked-value tabular">
              {metric === "plays" ? (
                <>
                  <strong>{formatCount(r.plays)}</strong> <span className="muted">{r.plays === 1 ? "play" : "plays"}</span>
                </>
              ) : (
                <>
                  <strong title={`${formatHours(r.hours)} hours`}>{formatHm(r.seconds)}</strong> <span className="muted">h:mm</span>
                </>
              )}
            </div>
          </li>
        );
      })}
    </ol>
  );
}

function useMetric(): [Metric, React.ReactNode] {
  const [metric, setMetric] = useState<Metric>("hours");
  return [metric, <Toggle label="Rank by" value={metric} options={METRICS} onChange={setMetric} />];
}

export function TopUsersCard({ win }: { win: Window }) {
  const query = useTopUsers(win);
  const [metric, toggle] = useMetric();
  return (
    <StatCard id="top-users" title="Top users" window={windowLabel(win)} query={query} isEmpty={(d) => d.length === 0} actions={toggle}>
      {(rows) => (
        <RankedList
          metric={metric}
          rows={rows.map((u) => {
            const name = u.name ?? `User ${u.user_id.slice(0, 8)}`;
            return {
              key: u.user_id,
              name,
              hours: u.hours,
              seconds: u.seconds,
              plays: u.plays,
              thumb: <Initial name={name} />,
              href: userHref(u.user_id, win),
            };
          })}
        />
      )}
    </StatCard>
  );
}

export function TopItemsCard({ win, timeZone }: { win: Window; timeZone: string | undefined }) {
  const query = useTopItems(win);
  const today = todayIn(timeZone);
  const [metric, toggle] = useMetric();
  return (
    <StatCard id="top-items" title="Top items" window={windowLabel(win)} query={query} isEmpty={(d) => d.length === 0} actions={toggle}>
      {(rows) => (
        <RankedList
          metric={metric}
          rows={rows.map((it) => {
            const name = it.display ?? it.name ?? `Item ${it.item_id}`;
            return {
              key: it.item_id,
              name,
              sub: it.type ?? undefined,
              hours: it.hours,
              seconds: it.seconds,
              plays: it.plays,
              thumb: <Poster src={imageUrl(it.poster, 80)} label={name} variant="thumb" />,
              href: itemHistoryHref(it.item_id, win, today),
              linkLabel: `${name}: its plays in History`,
            };
          })}
        />
      )}
    </StatCard>
  );
}

export function TopSeriesCard({ win, timeZone }: { win: Window; timeZone: string | undefined }) {
  const query = useTopSeries(win);
  const today = todayIn(timeZone);
  const [metric, toggle] = useMetric();
  return (
    <StatCard id="top-series" title="Top series" window={windowLabel(win)} query={query} isEmpty={(d) => d.length === 0} actions={toggle}>
      {(rows) => (
        <RankedList
          metric={metric}
          rows={rows.map((s) => {
            const name = s.name ?? `Series ${s.series_id}`;
            return {
              key: s.series_id,
              name,
              hours: s.hours,
              seconds: s.seconds,
              plays: s.plays,
              thumb: <Poster src={imageUrl(s.poster, 80)} label={name} variant="thumb" />,
              // History's item filter also matches a series' episodes.
              href: itemHistoryHref(s.series_id, win, today),
              linkLabel: `${name}: its episodes' plays in History`,
            };
          })}
        />
      )}
    </StatCard>
  );
}
