import { useEffect, useId, useMemo, useRef, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { useActiveUsers, useClients, useConfig, useHistory, usePlayDetail } from "../api/queries";
import type { HistoryPlay } from "../api/types";
import { DecisionPill, PlayMarkers } from "../components/Pills";
import { Empty, ErrorBox, Loading } from "../components/States";
import { formatCount, formatDateTime, formatHms, formatTime, validZone } from "../lib/format";
import {
  MEDIA_TYPES,
  PLAY_METHODS,
  Q_MAX,
  filtersToSearch,
  hasFilters,
  parseHistoryFilters,
  withFilter,
  withoutWindow,
  type FilterKey,
  type HistoryFilters,
} from "../lib/historyFilters";
import { decision } from "../lib/decision";
import { flattenPages, hasMore } from "../lib/paging";
import { timeframeLabel, type Timeframe } from "../lib/window";

const PERIODS: readonly Timeframe[] = ["1d", "7d", "30d", "90d", "365d"];
const MEDIA_LABELS: Record<string, string> = {
  Movie: "Movies",
  Episode: "Episodes",
  Audio: "Music",
  Video: "Videos",
  MusicVideo: "Music videos",
  TvChannel: "Live TV",
  Trailer: "Trailers",
  AudioBook: "Audiobooks",
  Book: "Books",
};
const COLUMNS = 8;

export function History() {
  const [params, setParams] = useSearchParams();
  const filters = useMemo(() => parseHistoryFilters(params), [params]);
  const config = useConfig();
  const timeZone = validZone(config.data?.tz);
  const history = useHistory(filters);

  useEffect(() => {
    document.title = "History · Emby Analytics";
  }, []);

  const setFilters = (next: HistoryFilters, replace = false) => setParams(filtersToSearch(next), { replace });

  const pages = history.data?.pages ?? [];
  const rows = flattenPages(pages);
  const filtered = hasFilters(filters);

  return (
    <div className="page">
      <div className="page-head">
        <h1>History</h1>
        {timeZone ? <span className="muted">Times in {timeZone}</span> : null}
      </div>
      <HistoryFilterBar filters={filters} update={setFilters} />

      {history.isPending ? (
        <Loading label="Loading plays…" />
      ) : history.isError && rows.length === 0 ? (
        <ErrorBox error={history.error} title="Could not load the history" onRetry={() => void history.refetch()} />
      ) : rows.length === 0 ? (
        <Empty>{filtered ? "No plays match these filters" : "No plays recorded yet"}</Empty>
      ) : (
        <>
          <p className="summary-line" aria-live="polite">
            {formatCount(rows.length)} {rows.length === 1 ? "play" : "plays"} shown
            {hasMore(pages) ? ", more below" : ""}
            {filters.from || filters.to || filters.timeframe ? "; watch time inside the chosen dates" : ""}
          </p>
          <div className={history.isPlaceholderData ? "table-wrap stale" : "table-wrap"} aria-busy={history.isFetching}>
            <table className="data-table stack-table history-table">
              <caption className="visually-hidden">Plays, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Date</th>
                  <th scope="col">User</th>
                  <th scope="col">Title</th>
                  <th scope="col">Client / device</th>
                  <th scope="col">Method</th>
                  <th scope="col" className="num">
                    Watch time
                  </th>
                  <th scope="col">Status</th>
                  <th scope="col">
                    <span className="visually-hidden">Details</span>
                  </th>
                </tr>
              </thead>
              {rows.map((play) => (
                <HistoryRow key={play.play_id} play={play} timeZone={timeZone} windowed={Boolean(filters.from || filters.to || filters.timeframe)} />
              ))}
            </table>
          </div>
          <div className="load-more">
            {history.isFetchNextPageError ? (
              <ErrorBox error={history.error} title="Could not load more plays" onRetry={() => void history.fetchNextPage()} />
            ) : hasMore(pages) ? (
              <button
                type="button"
                className="btn"
                onClick={() => void history.fetchNextPage()}
                disabled={history.isFetchingNextPage}
              >
                {history.isFetchingNextPage ? "Loading…" : "Load more"}
              </button>
            ) : (
              <span className="muted">End of the history</span>
            )}
          </div>
        </>
      )}
    </div>
  );
}

interface FilterBarProps {
  filters: HistoryFilters;
  /** Puts filters into the URL: a new history entry, or replacing the current one. */
  update: (next: HistoryFilters, replace?: boolean) => void;
}

function HistoryFilterBar({ filters, update }: FilterBarProps) {
  const base = useId();
  const setFilter = (key: FilterKey, value: string | undefined, replace = false) => update(withFilter(filters, key, value), replace);
  const setFilterRef = useRef(setFilter);
  setFilterRef.current = setFilter;
  const users = useActiveUsers("all-time");
  const clients = useClients();

  // The search box types freely; the URL follows 300 ms after the last key (and the box follows the URL on Back).
  const [text, setText] = useState(filters.q ?? "");
  const urlQ = filters.q ?? "";
  const lastUrlQ = useRef(urlQ);
  useEffect(() => {
    if (urlQ !== lastUrlQ.current) {
      lastUrlQ.current = urlQ;
      setText(urlQ);
    }
  }, [urlQ]);
  useEffect(() => {
    const wanted = text.trim();
    if (wanted === lastUrlQ.current) return;
    const timer = window.setTimeout(() => {
      const editing = lastUrlQ.current !== "" && wanted !== "";
      lastUrlQ.current = wanted;
      // Refining a search replaces its history entry; starting or clearing one adds an entry.
      setFilterRef.current("q", wanted || undefined, editing);
    }, 300);
    return () => window.clearTimeout(timer);
  }, [text]);

  const userOptions = useMemo(() => {
    const list = (users.data ?? []).map((u) => ({ id: u.user_id, name: u.user ?? u.user_id }));
    list.sort((a, b) => a.name.localeCompare(b.name));
    if (filters.user_id && !list.some((u) => u.id === filters.user_id)) list.unshift({ id: filters.user_id, name: `User ${filters.user_id}` });
    return list;
  }, [users.data, filters.user_id]);

  const clientOptions = useMemo(() => {
    const names = new Set<string>();
    for (const c of clients.data ?? []) if (c.client) names.add(c.client);
    if (filters.client) names.add(filters.client);
    return [...names].sort((a, b) => a.localeCompare(b));
  }, [clients.data, filters.client]);

  const period = filters.timeframe ?? (filters.from || filters.to ? "custom" : "");

  return (
    <form className="filters" role="search" aria-label="Filter plays" onSubmit={(e) => e.preventDefault()}>
      <div className="field field-grow">
        <label htmlFor={`${base}-q`}>Search titles</label>
        <input
          id={`${base}-q`}
          type="search"
          value={text}
          maxLength={Q_MAX}
          placeholder="Title…"
          onChange={(e) => setText(e.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor={`${base}-user`}>User</label>
        <select id={`${base}-user`} value={filters.user_id ?? ""} onChange={(e) => setFilter("user_id", e.target.value)}>
          <option value="">All users</option>
          {userOptions.map((u) => (
            <option key={u.id} value={u.id}>
              {u.name}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${base}-type`}>Media type</label>
        <select id={`${base}-type`} value={filters.media_type ?? ""} onChange={(e) => setFilter("media_type", e.target.value)}>
          <option value="">All types</option>
          {MEDIA_TYPES.map((t) => (
            <option key={t} value={t}>
              {MEDIA_LABELS[t] ?? t}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${base}-client`}>Client</label>
        <select id={`${base}-client`} value={filters.client ?? ""} onChange={(e) => setFilter("client", e.target.value)}>
          <option value="">All clients</option>
          {clientOptions.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${base}-method`}>Play method</label>
        <select id={`${base}-method`} value={filters.play_method ?? ""} onChange={(e) => setFilter("play_method", e.target.value)}>
          <option value="">All methods</option>
          {PLAY_METHODS.map((m) => (
            <option key={m} value={m}>
              {decision(m).label}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${base}-period`}>Period</label>
        <select
          id={`${base}-period`}
          value={period}
          onChange={(e) => {
            const v = e.target.value;
            if (v === "custom") return;
            if (v === "") update(withoutWindow(filters));
            else setFilter("timeframe", v);
          }}
        >
          <option value="">Any time</option>
          {PERIODS.map((tf) => (
            <option key={tf} value={tf}>
              {timeframeLabel(tf)}
            </option>
          ))}
          <option value="custom" disabled={period !== "custom"}>
            Custom dates
          </option>
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${base}-from`}>From</label>
        <input
          id={`${base}-from`}
          type="date"
          value={filters.from ?? ""}
          max={filters.to}
          onChange={(e) => setFilter("from", e.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor={`${base}-to`}>To</label>
        <input id={`${base}-to`} type="date" value={filters.to ?? ""} min={filters.from} onChange={(e) => setFilter("to", e.target.value)} />
      </div>
      {filters.item_id ? (
        <div className="field field-note">
          <span>One item only</span>
          <button type="button" className="btn btn-small" onClick={() => setFilter("item_id", undefined)}>
            Show all items
          </button>
        </div>
      ) : null}
      {hasFilters(filters) ? (
        <div className="field field-end">
          <button
            type="button"
            className="btn"
            onClick={() => {
              lastUrlQ.current = "";
              setText("");
              update({});
            }}
          >
            Clear filters
          </button>
        </div>
      ) : null}
    </form>
  );
}

function HistoryRow({ play, timeZone, windowed }: { play: HistoryPlay; timeZone: string | undefined; windowed: boolean }) {
  const [open, setOpen] = useState(false);
  const detailId = useId();
  const title = play.display ?? play.title ?? "Unknown item";
  const partial = windowed && play.watch_seconds !== play.play_watch_seconds;
  return (
    <tbody className={open ? "play open" : "play"}>
      <tr>
        <td data-label="Date" className="nowrap tabular">
          <time dateTime={play.started_at}>{formatDateTime(play.started_at, timeZone)}</time>
        </td>
        <td data-label="User" className="name-cell">
          <Link to={`/users/${encodeURIComponent(play.user_id)}`}>{play.user ?? "Unknown user"}</Link>
        </td>
        <td data-label="Title" className="title-cell">
          {title}
        </td>
        <td data-label="Client">
          <span>{play.client ?? "Unknown client"}</span>
          {play.device ? <span className="sub muted">{play.device}</span> : null}
        </td>
        <td data-label="Method">
          <DecisionPill method={play.play_method} />
        </td>
        <td data-label="Watch time" className="num tabular">
          {formatHms(play.watch_seconds)}
          {partial ? (
            <span className="sub muted" title="The whole play's watch time; the list counts only the part inside the chosen dates">
              of {formatHms(play.play_watch_seconds)}
            </span>
          ) : null}
        </td>
        <td data-label="Status">
          <PlayMarkers play={play} />
        </td>
        <td className="expand-cell">
          <button
            type="button"
            className="btn btn-small expand"
            aria-expanded={open}
            aria-controls={detailId}
            onClick={() => setOpen((v) => !v)}
          >
            <span aria-hidden="true" className="chevron">
              {open ? "▾" : "▸"}
            </span>{" "}
            Details<span className="visually-hidden"> of {title}</span>
          </button>
        </td>
      </tr>
      <tr className="detail-row" id={detailId} hidden={!open}>
        <td colSpan={COLUMNS}>{open ? <PlayDetailView playId={play.play_id} timeZone={timeZone} /> : null}</td>
      </tr>
    </tbody>
  );
}

/** The tracker's end reasons (tracking/model.py) in plain words. */
const END_REASONS: Record<string, string> = {
  stopped: "Stopped (the session went idle)",
  ended: "Played to the end",
  item_change: "The next item started",
  disappeared: "The session vanished from Emby",
  gone: "Gone when Emby answered again after an outage",
  event_stop: "Stopped (Emby reported the stop)",
  remote_stop: "Stopped from the dashboard",
};

function PlayDetailView({ playId, timeZone }: { playId: string; timeZone: string | undefined }) {
  const detail = usePlayDetail(playId, true);
  if (detail.isPending) return <Loading label="Loading this play…" />;
  if (detail.isError) return <ErrorBox error={detail.error} title="Could not load this play" onRetry={() => void detail.refetch()} />;
  const { play, segments, why, end_reason } = detail.data;
  const methods = [play.video_method ? `video ${play.video_method}` : null, play.audio_method ? `audio ${play.audio_method}` : null]
    .filter(Boolean)
    .join(", ");
  return (
    <div className="play-detail">
      <section className="why" aria-label="Why this number">
        <h3>Why this number</h3>
        {why.length ? (
          <ul>
            {why.map((line, i) => (
              <li key={i}>{line}</li>
            ))}
          </ul>
        ) : (
          <p className="muted">No explanation recorded for this play.</p>
        )}
      </section>
      <dl className="facts">
        <dt>Started</dt>
        <dd>{formatDateTime(play.started_at, timeZone)}</dd>
        <dt>Stopped</dt>
        <dd>{play.stopped_at ? formatDateTime(play.stopped_at, timeZone) : "Still playing"}</dd>
        <dt>Watch time</dt>
        <dd className="tabular">{formatHms(play.play_watch_seconds)}</dd>
        <dt>Paused</dt>
        <dd className="tabular">{formatHms(play.paused_seconds)}</dd>
        <dt>Progress through the item</dt>
        <dd className="tabular">{formatHms(play.content_seconds)}</dd>
        {end_reason ? (
          <>
            <dt>Ended</dt>
            <dd>{END_REASONS[end_reason] ?? end_reason}</dd>
          </>
        ) : null}
        {methods ? (
          <>
            <dt>Streams</dt>
            <dd>{methods}</dd>
          </>
        ) : null}
        {play.transcode_reasons.length ? (
          <>
            <dt>Transcode reasons</dt>
            <dd className="reasons">{play.transcode_reasons.join(", ")}</dd>
          </>
        ) : null}
        {play.remote_address ? (
          <>
            <dt>Address</dt>
            <dd>{play.remote_address}</dd>
          </>
        ) : null}
        <dt>Recorded from</dt>
        <dd>{play.source}</dd>
      </dl>
      <div className="segments">
        {segments.length ? (
          <table className="data-table compact">
            <caption>Segments: the stretches it was really playing</caption>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Started</th>
                <th scope="col">Stopped</th>
                <th scope="col" className="num">
                  Played
                </th>
                <th scope="col" className="num">
                  Position
                </th>
              </tr>
            </thead>
            <tbody>
              {segments.map((s, i) => (
                <tr key={`${s.started_at}-${i}`}>
                  <th scope="row" className="tabular">
                    {i + 1}
                  </th>
                  <td className="tabular">{formatTime(s.started_at, timeZone)}</td>
                  <td className="tabular">{formatTime(s.stopped_at, timeZone)}</td>
                  <td className="num tabular">{formatHms(s.seconds)}</td>
                  <td className="num tabular nowrap">
                    {formatHms(s.position_start_sec)} → {formatHms(s.position_end_sec)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p className="muted">No segments recorded (imported plays have only their total).</p>
        )}
      </div>
    </div>
  );
}
