/** The Transcodes page's state as it lives in the URL (window, page, one client, how the clients are ordered) and
 * the API paths it asks. Pure. */
import { parsePage } from "./genres";
import { parseTimeframe, USER_TIMEFRAMES, type Timeframe } from "./window";

export const TRANSCODE_TIMEFRAMES = USER_TIMEFRAMES; // 7, 30, 90, 365 days, all time
export const DEFAULT_TIMEFRAME: Timeframe = "30d"; // the API's own default
export const CLIENT_SORTS = ["hours", "transcodes", "share", "plays", "files"] as const;
export type ClientSort = (typeof CLIENT_SORTS)[number];
const CLIENT_MAX = 128;

export interface TranscodeView {
  timeframe: Timeframe;
  page: number;
  /** Only this client's fixes (exactly as Emby names it); null for every client. */
  client: string | null;
  clientSort: ClientSort;
}

export function parseTranscodeView(params: URLSearchParams): TranscodeView {
  const client = params.get("client");
  const sort = params.get("clients_by") ?? "";
  return {
    timeframe: parseTimeframe(params.get("timeframe"), TRANSCODE_TIMEFRAMES, DEFAULT_TIMEFRAME),
    page: parsePage(params.get("page")),
    client: client && client.length <= CLIENT_MAX ? client : null,
    clientSort: (CLIENT_SORTS as readonly string[]).includes(sort) ? (sort as ClientSort) : "hours",
  };
}

/** The query string of a view, defaults left out ("" for the default view). */
export function transcodeSearch(view: TranscodeView): string {
  const params = new URLSearchParams();
  if (view.timeframe !== DEFAULT_TIMEFRAME) params.set("timeframe", view.timeframe);
  if (view.client !== null) params.set("client", view.client);
  if (view.page > 1) params.set("page", String(view.page));
  if (view.clientSort !== "hours") params.set("clients_by", view.clientSort);
  const text = params.toString();
  return text ? `?${text}` : "";
}

/** `/stats/transcodes/fix-list` for a view's page. */
export function fixListApiPath(view: TranscodeView, pageSize: number): string {
  const params = new URLSearchParams({ timeframe: view.timeframe, offset: String((view.page - 1) * pageSize), limit: String(pageSize) });
  if (view.client !== null) params.set("client", view.client);
  return `/stats/transcodes/fix-list?${params.toString()}`;
}

export function byClientApiPath(timeframe: Timeframe): string {
  return `/stats/transcodes/by-client?timeframe=${timeframe}&limit=500`;
}

export interface SortableClient {
  client: string | null;
  plays: number;
  transcodes: number;
  share: number;
  seconds: number;
  files: number;
}

/** Largest first by the chosen figure, then by transcoded time, then by name. Does not change `rows`. */
export function sortClients<T extends SortableClient>(rows: readonly T[], sort: ClientSort): T[] {
  const key = (c: T): number =>
    sort === "hours" ? c.seconds : sort === "transcodes" ? c.transcodes : sort === "share" ? c.share : sort === "plays" ? c.plays : c.files;
  return [...rows].sort((a, b) => key(b) - key(a) || b.seconds - a.seconds || (a.client ?? "").localeCompare(b.client ?? ""));
}
