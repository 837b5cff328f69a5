/** Pure helpers for the dashboard's statistics: windows, chart data shaping, calendar and heatmap buckets. */

// ---------------------------------------------------------------- windows

/** A window of whole local days, or all time. */
export type Window = 1 | 7 | 30 | 90 | 365 | "all";

export const WINDOWS: readonly Window[] = [1, 7, 30, 90, 365, "all"];
export const DEFAULT_WINDOW: Window = 30;
export const WINDOW_STORAGE_KEY = "emby_analytics_days";

/** `?days=` (or a stored value) as a window; anything else is null. */
export function parseWindow(value: string | null | undefined): Window | null {
  if (value == null) return null;
  const v = value.trim().toLowerCase();
  if (v === "all" || v === "all-time") return "all";
  if (!/^\d+$/.test(v)) return null;
  const n = Number(v);
  return (WINDOWS as readonly (number | string)[]).includes(n) ? (n as Window) : null;
}

export function windowParam(w: Window): string {
  return w === "all" ? "all" : String(w);
}

/** What a card says about its window. */
export function windowLabel(w: Window): string {
  if (w === "all") return "All time";
  if (w === 1) return "Today";
  return `Last ${w} days`;
}

/** The short label of the selector's button. */
export function windowShort(w: Window): string {
  if (w === "all") return "All";
  if (w === 1) return "1 d";
  return `${w} d`;
}

/** The query string that asks a route for a window (`timeframe=all-time` or `days=N`). */
export function windowQuery(w: Window): string {
  return w === "all" ? "timeframe=all-time" : `days=${w}`;
}

/** Routes that refuse windows longer than a year (`/stats/usage`): all time becomes the last 365 days. */
export function cappedWindow(w: Window): Exclude<Window, "all"> {
  return w === "all" ? 365 : w;
}

// ---------------------------------------------------------------- durations

/** Seconds as h:mm (to the nearest minute; nonsense as 0:00). */
export function formatHm(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds) || seconds < 0) return "0:00";
  const minutes = Math.round(seconds / 60);
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return `${h}:${String(m).padStart(2, "0")}`;
}

/** "2d 3h 15m" from the parts an API gives (zero parts left out, "0m" for nothing). */
export function formatDhm(days: number, hours: number, minutes: number): string {
  const parts: string[] = [];
  if (days > 0) parts.push(`${days}d`);
  if (hours > 0) parts.push(`${hours}h`);
  if (minutes > 0 || parts.length === 0) parts.push(`${minutes}m`);
  return parts.join(" ");
}

// ---------------------------------------------------------------- usage per user per day

export interface UsageRow {
  day: string;
  /** null: everyone outside the users the API was asked to keep (`top`), together. */
  user_id: string | null;
  user: string | null;
  hours: number;
  seconds: number;
}

export interface UsageSeries {
  /** The chart's data key for this user's hours; `s:` + id holds the seconds. */
  key: string;
  /** null for "Everyone else". */
  user_id: string | null;
  name: string;
  seconds: number;
}

/** One chart row per day: `day`, and per user `h:<id>` (hours) and `s:<id>` (seconds). */
export type UsageDatum = { day: string } & Record<string, number | string>;

export interface StackedUsage {
  series: UsageSeries[];
  data: UsageDatum[];
}

/** Users the usage chart draws by name; the rest is one "Everyone else" series (500 users' bars do not fit). */
export const USAGE_TOP = 10;
export const EVERYONE_ELSE = "Everyone else";

export function hoursKey(userId: string | null): string {
  return userId === null ? "h:*" : `h:${userId}`;
}
export function secondsKey(dataKey: string): string {
  return `s:${dataKey.startsWith("h:") ? dataKey.slice(2) : dataKey}`;
}

/**
 * Shapes `/stats/usage` rows for stacked bars: one series per user (most watch time first, so the biggest sits at
 * the bottom; "Everyone else" last, on top), one row per day from `days` (every day of the window, so empty days show as gaps) or, when not
 * given, the days the rows name, in order. Missing cells are 0.
 */
export function stackUsage(rows: readonly UsageRow[], days?: readonly string[]): StackedUsage {
  const totals = new Map<string, UsageSeries>();
  for (const r of rows) {
    const key = hoursKey(r.user_id);
    const s = totals.get(key);
    if (s) {
      s.seconds += r.seconds;
      if (!s.name && r.user) s.name = r.user;
    } else {
      totals.set(key, { key, user_id: r.user_id, name: r.user ?? "", seconds: r.seconds });
    }
  }
  const last = (s: UsageSeries) => (s.user_id === null ? 1 : 0);
  const series = [...totals.values()].sort((a, b) => last(a) - last(b) || b.seconds - a.seconds || a.name.localeCompare(b.name));
  for (const s of series) if (!s.name) s.name = s.user_id === null ? EVERYONE_ELSE : `User ${s.user_id.slice(0, 8)}`;

  const dayList = days ? [...days] : [...new Set(rows.map((r) => r.day))].sort();
  const byDay = new Map<string, UsageDatum>();
  for (const day of dayList) {
    const datum: UsageDatum = { day };
    for (const s of series) {
      datum[s.key] = 0;
      datum[secondsKey(s.key)] = 0;
    }
    byDay.set(day, datum);
  }
  for (const r of rows) {
    const datum = byDay.get(r.day);
    if (!datum) continue;
    const k = hoursKey(r.user_id);
    datum[k] = (datum[k] as number) + r.hours;
    datum[secondsKey(k)] = (datum[secondsKey(k)] as number) + r.seconds;
  }
  return { series, data: dayList.map((d) => byDay.get(d)!) };
}

// ---------------------------------------------------------------- calendar days

const DAY_MS = 86_400_000;

/** `YYYY-MM-DD` as a UTC midnight timestamp (NaN when malformed). */
export function dayToUtc(day: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return Number.NaN;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
}

export function utcToDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function addDays(day: string, n: number): string {
  return utcToDay(dayToUtc(day) + n * DAY_MS);
}

/** The `count` days ending with `end`, oldest first. */
export function dayRange(end: string, count: number): string[] {
  const out: string[] = [];
  for (let i = count - 1; i >= 0; i--) out.push(addDays(end, -i));
  return out;
}

/** 0 = Monday … 6 = Sunday, as the API counts weekdays. */
export function weekdayOf(day: string): number {
  return (new Date(dayToUtc(day)).getUTCDay() + 6) % 7;
}

/** Today in a time zone (the service's), as `YYYY-MM-DD`. */
export function todayIn(timeZone: string | undefined, now: Date = new Date()): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(now);
}

// ---------------------------------------------------------------- shading

/** A shade from 0 (nothing) to 4 (the most), relative to the largest value. */
export function level(value: number, max: number): 0 | 1 | 2 | 3 | 4 {
  if (!(value > 0) || !(max > 0)) return 0;
  return Math.min(4, Math.max(1, Math.ceil((value / max) * 4))) as 1 | 2 | 3 | 4;
}

// ---------------------------------------------------------------- activity calendar

export interface CalendarCell {
  day: string;
  weekday: number;
  seconds: number;
  level: 0 | 1 | 2 | 3 | 4;
  /** Outside the window (padding before its first day so weeks start on Monday). */
  pad: boolean;
}

export interface CalendarWeek {
  /** The Monday that starts the week. */
  start: string;
  /** A month's short name on the first week holding its 1st, else "". */
  month: string;
  cells: CalendarCell[];
}

export interface Calendar {
  weeks: CalendarWeek[];
  maxSeconds: number;
  totalSeconds: number;
  activeDays: number;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/**
 * The last `count` days up to `end` as weeks (columns) of Monday…Sunday cells, each day's seconds summed over
 * users from `/stats/usage` rows. Days before the window pad the first week; the last week stops at `end`.
 */
export function buildCalendar(rows: readonly { day: string; seconds: number }[], end: string, count = 365): Calendar {
  const days = dayRange(end, count);
  const first = days[0] ?? end;
  const perDay = new Map<string, number>();
  for (const r of rows) perDay.set(r.day, (perDay.get(r.day) ?? 0) + r.seconds);
  let maxSeconds = 0;
  let totalSeconds = 0;
  let activeDays = 0;
  for (const d of days) {
    const s = perDay.get(d) ?? 0;
    if (s > maxSeconds) maxSeconds = s;
    totalSeconds += s;
    if (s > 0) activeDays++;
  }
  const weeks: CalendarWeek[] = [];
  const lead = weekdayOf(first);
  const cells: CalendarCell[] = [];
  for (let i = lead; i > 0; i--) {
    cells.push({ day: addDays(first, -i), weekday: lead - i, seconds: 0, level: 0, pad: true });
  }
  for (const d of days) {
    const s = perDay.get(d) ?? 0;
    cells.push({ day: d, weekday: weekdayOf(d), seconds: s, level: level(s, maxSeconds), pad: false });
  }
  let lastMonth = -1;
  for (let i = 0; i < cells.length; i += 7) {
    const week = cells.slice(i, i + 7);
    const start = week[0]!.day;
    const firstReal = week.find((c) => !c.pad);
    let month = "";
    const monthOf = (c: CalendarCell) => Number(c.day.slice(5, 7)) - 1;
    const withFirst = week.find((c) => !c.pad && c.day.endsWith("-01"));
    const candidate = withFirst ?? (weeks.length === 0 ? firstReal : undefined);
    if (candidate && monthOf(candidate) !== lastMonth) {
      lastMonth = monthOf(candidate);
      month = MONTHS[lastMonth] ?? "";
    }
    weeks.push({ start, month, cells: week });
  }
  return { weeks, maxSeconds, totalSeconds, activeDays };
}

/**
 * Where a key moves the focus in the calendar (one tab stop; columns are weeks): ←/→ a week, ↑/↓ a day,
 * Home/End the first/last day; kept within `first`…`last`. Null for any other key.
 */
export function calendarStep(day: string, key: string, first: string, last: string): string | null {
  const steps: Record<string, number> = { ArrowLeft: -7, ArrowRight: 7, ArrowUp: -1, ArrowDown: 1 };
  let next: string;
  if (key === "Home") next = first;
  else if (key === "End") next = last;
  else if (key in steps) next = addDays(day, steps[key]!);
  else return null;
  return next < first ? first : next > last ? last : next;
}

// ---------------------------------------------------------------- weekday × hour heatmap

export interface HeatRow {
  weekday: number;
  hour: number;
  hours: number;
  seconds: number;
}

export interface HeatGrid {
  /** rows[weekday][hour], weekday 0 = Monday; every cell present. */
  rows: { weekday: number; cells: (HeatRow & { level: 0 | 1 | 2 | 3 | 4 })[] }[];
  maxSeconds: number;
}

/** The 7 × 24 grid from `/stats/heatmap` cells (missing or out-of-range cells count as nothing). */
export function buildHeatGrid(cells: readonly HeatRow[]): HeatGrid {
  const grid: HeatRow[][] = Array.from({ length: 7 }, (_, weekday) =>
    Array.from({ length: 24 }, (_, hour) => ({ weekday, hour, hours: 0, seconds: 0 })),
  );
  for (const c of cells) {
    const row = grid[c.weekday];
    const cell = row?.[c.hour];
    if (!cell) continue;
    cell.hours += c.hours;
    cell.seconds += c.seconds;
  }
  let maxSeconds = 0;
  for (const row of grid) for (const c of row) if (c.seconds > maxSeconds) maxSeconds = c.seconds;
  return {
    rows: grid.map((row, weekday) => ({ weekday, cells: row.map((c) => ({ ...c, level: level(c.seconds, maxSeconds) })) })),
    maxSeconds,
  };
}

export const WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

/** "14:00–15:00". */
export function hourSpan(hour: number): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${pad(hour)}:00–${pad((hour + 1) % 24)}:00`;
}

// ---------------------------------------------------------------- counts per type

/** `{bucket: {Movie: n, Episode: n}}` as rows for bars, in the API's order (or `order` first), with totals. */
export function countRows(
  buckets: Record<string, Record<string, number> | undefined>,
  order?: readonly string[],
): { rows: ({ name: string; total: number } & Record<string, number | string>)[]; types: string[] } {
  // Empty buckets ("Unknown": {}) have nothing to draw or list.
  const names = Object.keys(buckets).filter((name) => Object.values(buckets[name] ?? {}).some((n) => n > 0));
  if (order) names.sort((a, b) => rank(order, a) - rank(order, b));
  const typeTotals = new Map<string, number>();
  const rows = names.map((name) => {
    const counts = buckets[name] ?? {};
    const row: { name: string; total: number } & Record<string, number | string> = { name, total: 0 };
    for (const [type, n] of Object.entries(counts)) {
      row[`t:${type}`] = n;
      row.total += n;
      typeTotals.set(type, (typeTotals.get(type) ?? 0) + n);
    }
    return row;
  });
  const types = [...typeTotals.entries()].sort((a, b) => b[1] - a[1]).map(([t]) => t);
  for (const row of rows) for (const t of types) if (row[`t:${t}`] === undefined) row[`t:${t}`] = 0;
  return { rows, types };
}

function rank(order: readonly string[], name: string): number {
  const i = order.indexOf(name);
  return i === -1 ? order.length : i;
}

/** `{reason: n}` as a list, most first. */
export function sortedCounts(counts: Record<string, number | undefined>): { name: string; count: number }[] {
  return Object.entries(counts)
    .map(([name, count]) => ({ name, count: count ?? 0 }))
    .filter((r) => r.count > 0)
    .sort((a, b) => b.count - a.count || a.name.localeCompare(b.name));
}

/** One day's stack for a tooltip: the users who watched (not the hidden ones), most first, and the day's total. */
export function dayBreakdown(
  datum: UsageDatum,
  series: readonly UsageSeries[],
  hidden: ReadonlySet<string> = new Set(),
): { total: number; users: { key: string; name: string; seconds: number }[] } {
  const users = series
    .filter((s) => !hidden.has(s.key))
    .map((s) => ({ key: s.key, name: s.name, seconds: Number(datum[secondsKey(s.key)] ?? 0) }))
    .filter((u) => u.seconds > 0)
    .sort((a, b) => b.seconds - a.seconds);
  return { total: users.reduce((n, u) => n + u.seconds, 0), users };
}
