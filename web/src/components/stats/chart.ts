/** Shared chart bits: series colours (readable on the dark and the light theme) and day labels. */

export const SERIES_COLOURS = [
  "#52b54b",
  "#4c9aff",
  "#f0a020",
  "#c678dd",
  "#2ec4b6",
  "#ff7b72",
  "#e3b341",
  "#8b9dff",
  "#7ee787",
  "#f778ba",
  "#a5d6ff",
  "#d29922",
] as const;

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/** `2024-06-09` as "9 Jun" (with the weekday: "Sun 9 Jun 2024"). The day is a local date: no zone maths. */
export function shortDay(day: string, long = false): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return day;
  const month = MONTHS[Number(m[2]) - 1] ?? "";
  const d = Number(m[3]);
  if (!long) return `${d} ${month}`;
  const weekday = WEEKDAYS[new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, d)).getUTCDay()] ?? "";
  return `${weekday} ${d} ${month} ${m[1]}`;
}

export const TOOLTIP_STYLE = {
  contentStyle: { background: "var(--panel)", border: "1px solid var(--border)", borderRadius: 8, color: "var(--text)" },
  labelStyle: { color: "var(--text)" },
  itemStyle: { color: "var(--text)" },
} as const;
