/** Pure formatting helpers (no DOM, no clock): easy to test. */

/** Seconds as h:mm:ss (always with hours, as Tautulli#2592 asks); negatives and NaN show 0:00:00. */
export function formatHms(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds) || seconds < 0) return "0:00:00";
  const total = Math.floor(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return `${h}:${String(m).padStart(2, "0")}:${String(s).padStart(2, "0")}`;
}

/** Bits per second as "12.3 Mbps" (one decimal; null when unknown). */
export function formatMbps(bitsPerSecond: number | null | undefined): string | null {
  if (bitsPerSecond == null || !Number.isFinite(bitsPerSecond) || bitsPerSecond <= 0) return null;
  const mbps = bitsPerSecond / 1_000_000;
  return `${mbps >= 100 ? Math.round(mbps) : mbps.toFixed(1)} Mbps`;
}

const numberFormat = new Intl.NumberFormat("en-US");

/** An integer with thousands separators. */
export function formatCount(n: number): string {
  return numberFormat.format(n);
}

/** Hours with at most one decimal, thousands separated. */
export function formatHours(hours: number): string {
  return new Intl.NumberFormat("en-US", { maximumFractionDigits: 1 }).format(hours);
}

/** A time of day (and the date when it is not today in that zone) in the service's time zone. */
export function formatClock(iso: string, timeZone: string | undefined, now: Date = new Date()): string {
  const when = new Date(iso);
  if (Number.isNaN(when.getTime())) return "";
  const zone = validZone(timeZone);
  const day = new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" });
  const time = new Intl.DateTimeFormat("en-GB", { timeZone: zone, hour: "2-digit", minute: "2-digit" }).format(when);
  if (day.format(when) === day.format(now)) return time;
  const date = new Intl.DateTimeFormat("en-GB", { timeZone: zone, day: "numeric", month: "short" }).format(when);
  return `${date} ${time}`;
}

/** The zone when the runtime knows it, else undefined (the browser's own). */
export function validZone(timeZone: string | undefined): string | undefined {
  if (!timeZone) return undefined;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone });
    return timeZone;
  } catch {
    return undefined;
  }
}

/** "1 stream" / "3 streams". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

/** A URL of our own origin's path ("/img/..."), else null: nothing from Emby may point the page elsewhere. */
export function localUrl(url: string | null | undefined): string | null {
  if (!url || !url.startsWith("/") || url.startsWith("//") || url.startsWith("/\\")) return null;
  return url;
}

/** One of our image proxy's URLs from the API, asking for an image this wide at most; null for anything else. */
export function imageUrl(url: string | null | undefined, width: number): string | null {
  const local = localUrl(url);
  return local ? `${local}${local.includes("?") ? "&" : "?"}w=${width}` : null;
}

/** A date and time of day in the service's time zone, as "Tue 2 Dec 2025, 14:05" ("" when not a time). */
export function formatDateTime(iso: string | null | undefined, timeZone: string | undefined): string {
  if (!iso) return "";
  const when = new Date(iso);
  if (Number.isNaN(when.getTime())) return "";
  const zone = validZone(timeZone);
  const time = new Intl.DateTimeFormat("en-GB", { timeZone: zone, hour: "2-digit", minute: "2-digit" }).format(when);
  return `${longDate(when, zone)}, ${time}`;
}

/** A time of day with seconds in the service's time zone ("14:05:09"). */
export function formatTime(iso: string | null | undefined, timeZone: string | undefined): string {
  if (!iso) return "";
  const when = new Date(iso);
  if (Number.isNaN(when.getTime())) return "";
  return new Intl.DateTimeFormat("en-GB", { timeZone: validZone(timeZone), hour: "2-digit", minute: "2-digit", second: "2-digit" }).format(when);
}

/** A local day "YYYY-MM-DD" as "Tue 2 Dec 2025" (the day as given: no zone shifts it). */
export function formatDay(day: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return day;
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return longDate(date, "UTC");
}

/** "Fri 1 Mar 2024", assembled from parts so every ICU version writes it alike. */
function longDate(when: Date, timeZone: string | undefined): string {
  const parts = new Intl.DateTimeFormat("en-GB", { timeZone, weekday: "short", day: "numeric", month: "short", year: "numeric" }).formatToParts(when);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? "";
  return `${part("weekday")} ${part("day")} ${part("month")} ${part("year")}`;
}

/** Watch time as "2 h 05 min" (or "45 min", "0 min"), from exact seconds. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds) || seconds < 0) return "0 min";
  const minutes = Math.floor(seconds / 60);
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  if (h === 0) return `${m} min`;
  return `${formatCount(h)} h ${String(m).padStart(2, "0")} min`;
}
