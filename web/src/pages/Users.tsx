import { useEffect, useMemo } from "react";
import { Link, useSearchParams } from "react-router";
import { useActiveUsers, useConfig } from "../api/queries";
import { Empty, ErrorBox, Loading } from "../components/States";
import { WindowSelect } from "../components/WindowSelect";
import { formatCount, formatDateTime, formatDuration, validZone } from "../lib/format";
import { parseUserSort, sortUsers, type UserSort } from "../lib/userSort";
import { USER_TIMEFRAMES, parseTimeframe, timeframeLabel } from "../lib/window";

const SORT_LABELS: Record<UserSort, string> = { hours: "Watch time", plays: "Plays", last_seen: "Last seen" };

export function Users() {
  const [params, setParams] = useSearchParams();
  const timeframe = parseTimeframe(params.get("timeframe"), USER_TIMEFRAMES, "30d");
  const sort = parseUserSort(params.get("sort"));
  const users = useActiveUsers(timeframe);
  const config = useConfig();
  const timeZone = validZone(config.data?.tz);
  const rows = useMemo(() => sortUsers(users.data ?? [], sort), [users.data, sort]);

  useEffect(() => {
    document.title = "Users · Emby Analytics";
  }, []);

  const setParam = (key: string, value: string, fallback: string) => {
    const next = new URLSearchParams(params);
    if (value === fallback) next.delete(key);
    else next.set(key, value);
    setParams(next);
  };

  const sortHeader = (key: UserSort, className = "num") => (
    <th scope="col" className={className} aria-sort={sort === key ? "descending" : "none"}>
      <button type="button" className="sort-button" onClick={() => setParam("sort", key, "hours")}>
        {SORT_LABELS[key]}
        <span aria-hidden="true" className="sort-mark">
          {sort === key ? " ▾" : ""}
        </span>
        {sort === key ? null : <span className="visually-hidden"> (sort by this)</span>}
      </button>
    </th>
  );

  return (
    <div className="page">
      <div className="page-head">
        <h1>Users</h1>
      </div>
      <div className="toolbar">
        <WindowSelect value={timeframe} options={USER_TIMEFRAMES} onChange={(tf) => setParam("timeframe", tf, "30d")} />
        <span className="muted">Users who watched anything in this period, most watch time first unless sorted otherwise.</span>
      </div>
      {users.isPending ? (
        <Loading label="Loading users…" />
      ) : users.isError ? (
        <ErrorBox error={users.error} title="Could not load the users" onRetry={() => void users.refetch()} />
      ) : rows.length === 0 ? (
        <Empty>Nobody watched anything in this period ({timeframeLabel(timeframe).toLowerCase()}).</Empty>
      ) : (
        <div className={users.isPlaceholderData ? "table-wrap stale" : "table-wrap"} aria-busy={users.isFetching}>
          <table className="data-table stack-table users-table">
            <caption className="visually-hidden">
              Users, {timeframeLabel(timeframe).toLowerCase()}, sorted by {SORT_LABELS[sort].toLowerCase()}
            </caption>
            <thead>
              <tr>
                <th scope="col">User</th>
                {sortHeader("hours")}
                {sortHeader("plays")}
                <th scope="col" className="num">
                  Active days
                </th>
                {sortHeader("last_seen", "")}
              </tr>
            </thead>
            <tbody>
              {rows.map((u) => (
                <tr key={u.user_id}>
                  <th scope="row" data-label="User" className="name-cell">
                    <Link to={`/users/${encodeURIComponent(u.user_id)}${timeframe === "all-time" ? "" : `?timeframe=${timeframe}`}`}>
                      {u.user ?? "Unknown user"}
                    </Link>
                  </th>
                  <td data-label="Watch time" className="num tabular" title={`${formatCount(u.seconds)} seconds`}>
                    {formatDuration(u.seconds)}
                  </td>
                  <td data-label="Plays" className="num tabular">
                    {formatCount(u.plays)}
                  </td>
                  <td data-label="Active days" className="num tabular">
                    {formatCount(u.active_days)}
                  </td>
                  <td data-label="Last seen" className="tabular nowrap">
                    {u.last_seen ? <time dateTime={u.last_seen}>{formatDateTime(u.last_seen, timeZone)}</time> : <span className="muted">Never</span>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
