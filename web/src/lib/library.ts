/** Library page helpers: byte sizes, and the picked quality/codec list as it lives in the URL. Pure. */

const BYTE_UNITS = ["B", "KB", "MB", "GB", "TB", "PB"] as const;

/** Bytes in decimal units as "1.5 TB", "820 GB", "0 B" (one decimal below 100; nonsense shows 0 B). */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes == null || !Number.isFinite(bytes) || bytes <= 0) return "0 B";
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < BYTE_UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  if (unit === 0) return `${Math.round(value)} B`;
  // 999.96 GB would round to "1000.0 GB": show it as the next unit instead.
  if (Number(value.toFixed(1)) >= 1000 && unit < BYTE_UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  const text = value >= 100 ? String(Math.round(value)) : value.toFixed(1).replace(/\.0$/, "");
  return `${text} ${BYTE_UNITS[unit]}`;
}

export type ListKind = "quality" | "codec";

/** The item list picked on the Library page: a quality bucket or a codec, and the page (1-based). */
export interface Selection {
  kind: ListKind;
  value: string;
  page: number;
}

/** The selection a query string names (`quality` wins over `codec`); null when none. Bad pages read as 1. */
export function parseSelection(params: URLSearchParams): Selection | null {
  const page = parsePage(params.get("page"));
  const quality = params.get("quality");
  if (quality) return { kind: "quality", value: quality, page };
  const codec = params.get("codec");
  if (codec) return { kind: "codec", value: codec, page };
  return null;
}

function parsePage(raw: string | null): number {
  if (!raw || !/^\d+$/.test(raw)) return 1;
  const n = Number(raw);
  return Number.isSafeInteger(n) && n >= 1 ? n : 1;
}

/** The query string for a selection ("?quality=4K", "?codec=hevc&page=2"; "" for none); page 1 is left out. */
export function selectionSearch(selection: Selection | null): string {
  if (!selection) return "";
  const params = new URLSearchParams();
  params.set(selection.kind, selection.value);
  if (selection.page > 1) params.set("page", String(selection.page));
  return `?${params.toString()}`;
}

/** Pages for a total at a page size (at least 1). */
export function pageCount(total: number, pageSize: number): number {
  if (!Number.isFinite(total) || total <= 0 || !Number.isFinite(pageSize) || pageSize <= 0) return 1;
  return Math.ceil(total / pageSize);
}

/** A date as "2 Dec 2025" in the service's time zone ("—" when there is none or it is unreadable). */
export function formatDate(iso: string | null | undefined, timeZone: string | undefined): string {
  if (!iso) return "—";
  const when = new Date(iso);
  if (Number.isNaN(when.getTime())) return "—";
  let zone: string | undefined = timeZone;
  try {
    new Intl.DateTimeFormat("en-GB", { timeZone: zone });
  } catch {
    zone = undefined;
  }
  return new Intl.DateTimeFormat("en-GB", { timeZone: zone, day: "numeric", month: "short", year: "numeric" }).format(when);
}
