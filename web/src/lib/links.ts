/** Where the dashboard's charts and lists lead: History filtered by what was clicked, or a user's page. Pure. */
import { filtersToSearch, isDay, type HistoryFilters, type PlayMethod } from "./historyFilters";
import { addDays, todayIn, type Window } from "./stats";
import { USER_TIMEFRAMES, type Timeframe } from "./window";

/** `/history` with these filters in the address (keys in History's own stable order). */
export function historyHref(filters: HistoryFilters): string {
  const query = filtersToSearch(filters).toString();
  return query ? `/history?${query}` : "/history";
}

/**
 * The local days a dashboard window covers, as History's `from`/`to`: the `n` days ending `today` (as the API
 * resolves `days=n`); nothing for all time (History's default). `today` is a day in the service's time zone.
 */
export function windowDays(win: Window, today: string): Pick<HistoryFilters, "from" | "to"> {
  if (win === "all" || !isDay(today)) return {};
  return { from: addDays(today, -(win - 1)), to: today };
}

/** One local day's plays, of one user when given. */
export function dayHistoryHref(day: string, userId?: string): string {
  if (!isDay(day)) return historyHref(userId ? { user_id: userId } : {});
  return historyHref({ user_id: userId, from: day, to: day });
}

/** The plays one method delivered in a dashboard window. */
export function methodHistoryHref(method: PlayMethod, win: Window, today: string): string {
  return historyHref({ play_method: method, ...windowDays(win, today) });
}

/** An item's plays (a series' id matches its episodes) in a dashboard window. */
export function itemHistoryHref(itemId: string, win: Window, today: string): string {
  return historyHref({ item_id: itemId, ...windowDays(win, today) });
}

/** The timeframe of the user page that matches a dashboard window, when it offers one (not "today"). */
function userTimeframe(win: Window): Timeframe | null {
  const tf: Timeframe = win === "all" ? "all-time" : (`${win}d` as Timeframe);
  return USER_TIMEFRAMES.includes(tf) && tf !== "all-time" ? tf : null;
}

/** A user's page, on the dashboard's window when that page offers it (its default is all time). */
export function userHref(userId: string, win?: Window): string {
  const path = `/users/${encodeURIComponent(userId)}`;
  const tf = win === undefined ? null : userTimeframe(win);
  return tf ? `${path}?timeframe=${tf}` : path;
}

/** The local day (YYYY-MM-DD in `timeZone`) of an instant, for "that day's history"; null when unreadable. */
export function dayOf(iso: string, timeZone: string | undefined): string | null {
  const when = new Date(iso);
  if (Number.isNaN(when.getTime())) return null;
  return todayIn(timeZone, when);
}
