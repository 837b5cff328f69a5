/** History filters ⇄ URL query (so a view can be bookmarked and the back button works) ⇄ API path. Pure. */
import { isTimeframe, type Timeframe } from "./window";

export const MEDIA_TYPES = ["Movie", "Episode", "Audio", "Video", "MusicVideo", "TvChannel", "Trailer", "AudioBook", "Book"] as const;
export type MediaType = (typeof MEDIA_TYPES)[number];
export const PLAY_METHODS = ["DirectPlay", "DirectStream", "Transcode"] as const;
export type PlayMethod = (typeof PLAY_METHODS)[number];

export interface HistoryFilters {
  user_id?: string;
  item_id?: string;
  media_type?: MediaType;
  client?: string;
  play_method?: PlayMethod;
  /** Title search. */
  q?: string;
  /** A named window; never together with from/to. */
  timeframe?: Timeframe;
  /** YYYY-MM-DD, inclusive, in the service's time zone. */
  from?: string;
  to?: string;
}

/** The order keys take in URLs (stable, so equal filters make equal URLs and query keys). */
export const FILTER_KEYS = ["user_id", "item_id", "media_type", "client", "play_method", "q", "timeframe", "from", "to"] as const;
export type FilterKey = (typeof FILTER_KEYS)[number];

const ID = /^(?:[0-9a-fA-F]{32}|\d{1,20})$/;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
export const Q_MAX = 100;
const CLIENT_MAX = 128;

/** A real calendar day as YYYY-MM-DD. */
export function isDay(value: string): boolean {
  const m = DAY.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

function clean(key: FilterKey, raw: string | null | undefined): string | undefined {
  if (raw == null) return undefined;
  const value = key === "q" ? raw.trim().slice(0, Q_MAX).trim() : raw.trim();
  if (!value) return undefined;
  switch (key) {
    case "user_id":
    case "item_id":
      return ID.test(value) ? value : undefined;
    case "media_type":
      return (MEDIA_TYPES as readonly string[]).includes(value) ? value : undefined;
    case "play_method":
      return (PLAY_METHODS as readonly string[]).includes(value) ? value : undefined;
    case "client":
      return value.length <= CLIENT_MAX ? value : undefined;
    case "timeframe":
      return isTimeframe(value) ? value : undefined;
    case "from":
    case "to":
      return isDay(value) ? value : undefined;
    case "q":
      return value;
  }
}

/** Filters from a URL query: unknown keys and invalid values are dropped; dates win over a named window. */
export function parseHistoryFilters(params: URLSearchParams): HistoryFilters {
  const filters: Record<string, string> = {};
  for (const key of FILTER_KEYS) {
    const value = clean(key, params.get(key));
    if (value !== undefined) filters[key] = value;
  }
  if (filters.from || filters.to) delete filters.timeframe;
  return filters as HistoryFilters;
}

/** The URL query of some filters, keys in a stable order, empty ones left out. */
export function filtersToSearch(filters: HistoryFilters): URLSearchParams {
  const params = new URLSearchParams();
  for (const key of FILTER_KEYS) {
    const value = filters[key];
    if (value) params.set(key, value);
  }
  return params;
}

/** The filters with one changed (empty clears it); a named window and dates exclude each other. */
export function withFilter(filters: HistoryFilters, key: FilterKey, value: string | undefined): HistoryFilters {
  const next: Record<string, string | undefined> = { ...filters };
  const cleaned = clean(key, value);
  if (cleaned === undefined) delete next[key];
  else next[key] = cleaned;
  if (cleaned !== undefined && key === "timeframe") {
    delete next.from;
    delete next.to;
  }
  if (cleaned !== undefined && (key === "from" || key === "to")) delete next.timeframe;
  return next as HistoryFilters;
}

/** True when any filter narrows the list. */
export function hasFilters(filters: HistoryFilters): boolean {
  return FILTER_KEYS.some((key) => Boolean(filters[key]));
}

export const PAGE_SIZE = 50;

/** `/stats/history?...` for one page: the filters, the page size and the previous page's cursor. */
export function historyApiPath(filters: HistoryFilters, cursor?: string | null, limit: number = PAGE_SIZE): string {
  const params = filtersToSearch(filters);
  params.set("limit", String(limit));
  if (cursor) params.set("cursor", cursor);
  return `/stats/history?${params.toString()}`;
}

/** The filters without any window (named or dates): "any time". */
export function withoutWindow(filters: HistoryFilters): HistoryFilters {
  const next = { ...filters };
  delete next.timeframe;
  delete next.from;
  delete next.to;
  return next;
}
