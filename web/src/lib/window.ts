/** Statistics windows as the API names them (`timeframe`), with labels for a selector. Pure. */
export const TIMEFRAMES = ["1d", "3d", "7d", "14d", "30d", "90d", "365d", "all-time"] as const;
export type Timeframe = (typeof TIMEFRAMES)[number];

const LABELS: Record<Timeframe, string> = {
  "1d": "Today",
  "3d": "Last 3 days",
  "7d": "Last 7 days",
  "14d": "Last 14 days",
  "30d": "Last 30 days",
  "90d": "Last 90 days",
  "365d": "Last 365 days",
  "all-time": "All time",
};

/** The windows the Users pages offer (design brief: 7/30/90/365 days and all time). */
export const USER_TIMEFRAMES: readonly Timeframe[] = ["7d", "30d", "90d", "365d", "all-time"];

export function isTimeframe(value: unknown): value is Timeframe {
  return typeof value === "string" && (TIMEFRAMES as readonly string[]).includes(value);
}

export function timeframeLabel(tf: Timeframe): string {
  return LABELS[tf];
}

/** The URL's value when it is one of `allowed`, else `fallback`. */
export function parseTimeframe(raw: string | null | undefined, allowed: readonly Timeframe[], fallback: Timeframe): Timeframe {
  return isTimeframe(raw) && allowed.includes(raw) ? raw : fallback;
}
