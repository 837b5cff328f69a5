import { useEffect } from "react";
import { Link, useNavigate, useParams, useSearchParams } from "react-router";
import { ApiError } from "../api/client";
import { useConfig, useUserDetail } from "../api/queries";
import type { HistoryPlay, NamedUse, UserDetail } from "../api/types";
import { DecisionPill, PlayMarkers } from "../components/Pills";
import { Empty, ErrorBox, Loading } from "../components/States";
import { WindowSelect } from "../components/WindowSelect";
import { barPercent, fillDays } from "../lib/days";
import { formatCount, formatDateTime, formatDay, formatDuration, formatHms, validZone } from "../lib/format";
import { dayHistoryHref } from "../lib/links";
import { USER_TIMEFRAMES, parseTimeframe, timeframeLabel, type Timeframe } from "../lib/window";

export function UserPage() {
  const { id = "" } = useParams();
  const [params, setParams] = useSearchParams();
  const timeframe = parseTimeframe(params.get("timeframe"), USER_TIMEFRAMES, "all-time");
  const user = useUserDetail(id, timeframe);
  const config = useConfig();
  const timeZone = validZone(config.data?.tz);
  const name = user.data?.name ?? null;

  useEffect(() => {
    document.title = `${name ?? "User"} · Emby Analytics`;
  }, [name]);

  const missing = user.isError && user.error instanceof ApiError && (user.error.status === 404 || user.error.status === 422);
  if (missing) {
    return (
      <div className="page">
        <h1>No such user</h1>
        <Empty>
          <span>
            Emby Analytics knows no user with the id <code>{id}</code>. <Link to="/users">See all users</Link>
          </span>
        </Empty>
      </div>
    );
  }

  const setTimeframe = (tf: Timeframe) => {
    const next = new URLSearchParams(params);
    if (tf === "all-time") next.delete("timeframe");
    else next.set("timeframe", tf);
    setParams(next);
  };
  const historyLink = `/history?user_id=${encodeURIComponent(id)}`;

  return (
    <div className="page">
      <p className="crumbs">
        <Link to="/users">Users</Link>
      </p>
      <div className="page-head">
        <h1>{user.data ? (user.data.name ?? "Unknown user") : user.isError ? "User" : "Loading user…"}</h1>
        <Link to={historyLink}>Plays in History</Link>
      </div>
      <div className="toolbar">
        <WindowSelect value={timeframe} options={USER_TIMEFRAMES} onChange={setTimeframe} />
      </div>
      {user.isPending ? (
        <Loading label="Loading this user…" />
      ) : user.isError ? (
        <ErrorBox error={user.error} title="Could not load this user" onRetry={() => void user.refetch()} />
      ) : (
        <div className={user.isPlaceholderData ? "stale" : undefined} aria-busy={user.isFetching}>
          <UserBody user={user.data} timeframe={timeframe} timeZone={timeZone} historyLink={historyLink} />
        </div>
      )}
    </div>
  );
}

function UserBody({ user, timeframe, timeZone, historyLink }: { user: UserDetail; timeframe: Timeframe; timeZone: string | undefined; historyLink: string }) {
  const period = timeframeLabel(timeframe);
  return (
    <>
      <div className="kpi-grid kpi-grid-4">
        <Kpi label="Watch time" value={formatDuration(user.total_seconds)} hint={period} />
        <Kpi label="Plays" value={formatCount(user.plays)} hint={period} />
        <Kpi label="Movies" value={formatCount(user.movies)} hint="Distinct, watched" />
        <Kpi label="Episodes" value={formatCount(user.episodes)} hint="Distinct, watched" />
      </div>

      <section className="section panel" aria-labelledby="u-days">
        <h2 id="u-days">Hours per day</h2>
        <DayStrip days={user.by_day} userId={user.user_id} />
      </section>

      <section className="section panel" aria-labelledby="u-hours">
        <h2 id="u-hours">Hours by hour of day</h2>
        <HourStrip hours={user.by_hour} timeZone={timeZone} />
      </section>

      <div className="two-col">
        <section className="section" aria-labelledby="u-top">
          <h2 id="u-top">Top items</h2>
          {user.top_items.length === 0 ? (
            <Empty>Nothing watched in this period.</Empty>
          ) : (
            <table className="data-table stack-table">
              <thead>
                <tr>
                  <th scope="col">Title</th>
                  <th scope="col">Type</th>
                  <th scope="col" className="num">
                    Watch time
                  </th>
                  <th scope="col" className="num">
                    Plays
                  </th>
                </tr>
              </thead>
              <tbody>
                {user.top_items.map((item) => (
                  <tr key={item.item_id}>
                    <th scope="row" data-label="Title" className="title-cell">
                      <Link to={`${historyLink}&item_id=${encodeURIComponent(item.item_id)}`}>{item.display ?? item.name ?? "Unknown item"}</Link>
                    </th>
                    <td data-label="Type">{item.type ?? "—"}</td>
                    <td data-label="Watch time" className="num tabular">
                      {formatDuration(item.seconds)}
                    </td>
                    <td data-label="Plays" className="num tabular">
                      {formatCount(item.plays)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>

        <section className="section" aria-labelledby="u-recent">
          <div className="section-head">
            <h2 id="u-recent">Recent plays</h2>
            <Link to={historyLink}>All plays in History</Link>
          </div>
          <RecentPlays plays={user.recent_plays} timeZone={timeZone} />
        </section>
      </div>

      <div className="two-col">
        <UseTable id="u-devices" title="Devices" rows={user.devices} timeZone={timeZone} />
        <UseTable id="u-clients" title="Clients" rows={user.clients} timeZone={timeZone} />
      </div>
    </>
  );
}

function Kpi({ label, value, hint }: { label: string; value: string; hint: string }) {
  return (
    <div className="kpi">
      <div className="kpi-label">{label}</div>
      <div className="kpi-value tabular">{value}</div>
      <div className="kpi-hint">{hint}</div>
    </div>
  );
}

function DayStrip({ days, userId }: { days: UserDetail["by_day"]; userId: string }) {
  const navigate = useNavigate();
  const filled = fillDays(days);
  if (filled.length === 0 || filled.every((d) => d.seconds === 0)) return <p className="muted">No watch time in this period.</p>;
  const max = Math.max(...filled.map((d) => d.seconds));
  const busiest = filled.reduce((a, b) => (b.seconds > a.seconds ? b : a));
  const total = filled.reduce((sum, d) => sum + d.seconds, 0);
  const first = filled[0];
  const last = filled[filled.length - 1];
  return (
    <figure className="strip-figure">
      <div
        className="bar-strip"
        role="img"
        aria-label={`Watch time on ${filled.length} days, ${formatDuration(total)} in all; most on ${formatDay(busiest.day)}: ${formatDuration(busiest.seconds)}`}
      >
        {filled.map((d) =>
          d.seconds > 0 ? (
            // A shortcut for the mouse (the keyboard has "All plays in History" and History's dates).
            <span
              key={d.day}
              className="bar bar-link"
              title={`${formatDay(d.day)}: ${formatDuration(d.seconds)} — click for that day's plays`}
              onClick={() => void navigate(dayHistoryHref(d.day, userId))}
            >
              <span className="bar-fill" style={{ height: `${barPercent(d.seconds, max)}%` }} />
            </span>
          ) : (
            <span key={d.day} className="bar" title={`${formatDay(d.day)}: ${formatDuration(d.seconds)}`}>
              <span className="bar-fill" style={{ height: `${barPercent(d.seconds, max)}%` }} />
            </span>
          ),
        )}
      </div>
      <figcaption className="strip-axis muted">
        <span>{first ? formatDay(first.day) : ""}</span>
        <span>Highest: {formatDuration(max)} a day · click a day for its plays</span>
        <span>{last ? formatDay(last.day) : ""}</span>
      </figcaption>
    </figure>
  );
}

function HourStrip({ hours, timeZone }: { hours: UserDetail["by_hour"]; timeZone: string | undefined }) {
  const byHour = Array.from({ length: 24 }, (_, h) => hours.find((x) => x.hour === h)?.seconds ?? 0);
  const max = Math.max(...byHour);
  if (max === 0) return <p className="muted">No watch time in this period.</p>;
  const busiest = byHour.indexOf(max);
  return (
    <figure className="strip-figure">
      <div
        className="bar-strip bar-strip-hours"
        role="img"
        aria-label={`Watch time by hour of day${timeZone ? ` in ${timeZone}` : ""}; most from ${busiest}:00 to ${busiest + 1}:00: ${formatDuration(max)}`}
      >
        {byHour.map((s, h) => (
          <span key={h} className="bar" title={`${h}:00–${h + 1}:00: ${formatDuration(s)}`}>
            <span className="bar-fill" style={{ height: `${barPercent(s, max)}%` }} />
          </span>
        ))}
      </div>
      <figcaption className="strip-axis strip-axis-hours muted" aria-hidden="true">
        <span>0:00</span>
        <span>6:00</span>
        <span>12:00</span>
        <span>18:00</span>
        <span>24:00</span>
      </figcaption>
    </figure>
  );
}

function RecentPlays({ plays, timeZone }: { plays: HistoryPlay[]; timeZone: string | undefined }) {
  if (plays.length === 0) return <Empty>No plays in this period.</Empty>;
  return (
    <table className="data-table stack-table">
      <thead>
        <tr>
          <th scope="col">Date</th>
          <th scope="col">Title</th>
          <th scope="col">Method</th>
          <th scope="col" className="num">
            Watch time
          </th>
          <th scope="col">Status</th>
        </tr>
      </thead>
      <tbody>
        {plays.map((p) => (
          <tr key={p.play_id}>
            <td data-label="Date" className="nowrap tabular">
              <time dateTime={p.started_at}>{formatDateTime(p.started_at, timeZone)}</time>
            </td>
            <td data-label="Title" className="title-cell">
              {p.display ?? p.title ?? "Unknown item"}
              {p.client ? <span className="sub muted">{p.client}</span> : null}
            </td>
            <td data-label="Method">
              <DecisionPill method={p.play_method} />
            </td>
            <td data-label="Watch time" className="num tabular">
              {formatHms(p.watch_seconds)}
            </td>
            <td data-label="Status">
              <PlayMarkers play={p} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function UseTable({ id, title, rows, timeZone }: { id: string; title: string; rows: NamedUse[]; timeZone: string | undefined }) {
  return (
    <section className="section" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {rows.length === 0 ? (
        <Empty>None in this period.</Empty>
      ) : (
        <table className="data-table stack-table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col" className="num">
                Plays
              </th>
              <th scope="col" className="num">
                Watch time
              </th>
              <th scope="col">Last seen</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r, i) => (
              <tr key={`${r.name ?? ""}-${i}`}>
                <th scope="row" data-label="Name">
                  {r.name ?? "Unknown"}
                </th>
                <td data-label="Plays" className="num tabular">
                  {formatCount(r.plays)}
                </td>
                <td data-label="Watch time" className="num tabular">
                  {formatDuration(r.seconds)}
                </td>
                <td data-label="Last seen" className="tabular">
                  {r.last_seen ? formatDateTime(r.last_seen, timeZone) : <span className="muted">—</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
