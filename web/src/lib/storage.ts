/** The Storage and Health pages: several paged lists on one page, each with its own keys in the URL; the growth
 * chart's series (recorded sizes, then the forecast as its own line from the last snapshot). Pure. */
import { parsePage } from "./genres";
import { dayToUtc } from "./stats";

/** A page number kept under `key` ("stale_page"); 1 when absent or nonsense. */
export function pageParam(params: URLSearchParams, key: string): number {
  return parsePage(params.get(key));
}

/** The query string with `key` set (or removed for null / the default), the rest kept as it was. */
export function withParam(params: URLSearchParams, key: string, value: string | null, fallback?: string): string {
  const next = new URLSearchParams(params);
  if (value === null || value === fallback) next.delete(key);
  else next.set(key, value);
  const text = next.toString();
  return text ? `?${text}` : "";
}

export const STALE_DAYS = [null, 90, 180, 365] as const;
export type StaleDays = (typeof STALE_DAYS)[number];

/** `stale_days`: not played for 90, 180 or 365 days; anything else is "never played" (null). */
export function parseStaleDays(raw: string | null): StaleDays {
  const n = Number(raw);
  return n === 90 || n === 180 || n === 365 ? n : null;
}

export type RoiOrder = "worst" | "best";
export function parseRoiOrder(raw: string | null): RoiOrder {
  return raw === "best" ? "best" : "worst";
}

export function staleApiPath(days: StaleDays, page: number, pageSize: number): string {
  const params = new URLSearchParams({ page: String(page), page_size: String(pageSize) });
  if (days !== null) params.set("days", String(days));
  return `/stats/storage/stale?${params.toString()}`;
}

export function roiApiPath(order: RoiOrder, page: number, pageSize: number): string {
  return `/stats/storage/roi?order=${order}&page=${page}&page_size=${pageSize}`;
}

export function pagedApiPath(path: string, page: number, pageSize: number): string {
  return `${path}${path.includes("?") ? "&" : "?"}page=${page}&page_size=${pageSize}`;
}

export interface GrowthPoint {
  day: string;
  /** The day's UTC midnight in ms: a time axis, so six months of forecast take six months of width. */
  t: number;
  /** Recorded size, bytes (snapshots only). */
  size?: number;
  /** The trend's forecast, bytes: the last snapshot's size, then each forecast point, so the dashed line joins. */
  forecast?: number;
}

/** One row per day for the chart: the snapshots' sizes, then the forecast joined to the last snapshot. */
export function growthSeries(
  snapshots: readonly { day: string; size_bytes: number }[],
  forecast: readonly { day: string; size_bytes: number }[],
): GrowthPoint[] {
  const rows: GrowthPoint[] = snapshots.map((s) => ({ day: s.day, t: dayToUtc(s.day), size: s.size_bytes }));
  const last = rows[rows.length - 1];
  if (last && forecast.length > 0) {
    last.forecast = last.size;
    for (const f of forecast) if (f.day > last.day) rows.push({ day: f.day, t: dayToUtc(f.day), forecast: f.size_bytes });
  }
  return rows;
}
