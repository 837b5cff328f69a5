import { keepPreviousData, useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { getJson } from "./client";
import type {
  Access,
  ActiveUser,
  ClientUse,
  Codecs,
  ClientTranscodes,
  Concurrency,
  FixList,
  GenreItemPage,
  Health,
  HeatCell,
  HistoryPage,
  ItemPage,
  Library,
  MovieFacts,
  Overview,
  PlayDetail,
  PlayMethods,
  PublicConfig,
  Qualities,
  SeriesFacts,
  SeriesPage,
  TopItem,
  TopSeries,
  TopUser,
  UserDay,
  UserDetail,
} from "./types";
import { cappedWindow, windowQuery, type Window } from "../lib/stats";
import { historyApiPath, type HistoryFilters } from "../lib/historyFilters";
import { nextCursor } from "../lib/paging";
import { genreApiPath, type GenreView } from "../lib/genres";
import { byClientApiPath, fixListApiPath, type TranscodeView } from "../lib/transcodes";
import type { Timeframe } from "../lib/window";

/** Whether this browser holds the admin credential (the kept token, else the cookie): admin controls show then. */
export function useIsAdmin(): boolean {
  const access = useQuery({
    queryKey: ["access"],
    queryFn: ({ signal }) => getJson<Access>("/access", { signal }),
    staleTime: 60_000,
    retry: false,
  });
  return access.data?.admin === true;
}

export function useConfig() {
  return useQuery({
    queryKey: ["config"],
    queryFn: ({ signal }) => getJson<PublicConfig>("/config", { signal }),
    staleTime: Infinity,
  });
}

/** `timeframe` as the API names windows; undefined is the route's default (all time). */
export function useOverview(timeframe?: "7d" | "all-time") {
  const query = timeframe ? `?timeframe=${timeframe}` : "";
  return useQuery({
    queryKey: ["overview", timeframe ?? "default"],
    queryFn: ({ signal }) => getJson<Overview>(`/stats/overview${query}`, { signal }),
    refetchInterval: 5 * 60_000,
  });
}

export function useHealth() {
  return useQuery({
    queryKey: ["health"],
    queryFn: ({ signal }) => getJson<Health>("/health", { signal }),
    refetchInterval: 60_000,
    retry: false,
  });
}

/** Every play, newest first, page by page (keyset: each page asks with the previous page's `next_cursor`). */
export function useHistory(filters: HistoryFilters) {
  return useInfiniteQuery({
    queryKey: ["history", filters],
    queryFn: ({ signal, pageParam }) => getJson<HistoryPage>(historyApiPath(filters, pageParam), { signal }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => nextCursor(last),
    placeholderData: keepPreviousData,
  });
}

/** One play explained: its segments and the "why this number" lines. */
export function usePlayDetail(playId: string, enabled: boolean) {
  return useQuery({
    queryKey: ["play", playId],
    queryFn: ({ signal }) => getJson<PlayDetail>(`/stats/history/${encodeURIComponent(playId)}`, { signal }),
    enabled,
  });
}

/** Users with watch time in the window: hours, plays, last seen (at most 500). */
export function useActiveUsers(timeframe: Timeframe) {
  return useQuery({
    queryKey: ["active-users", timeframe],
    queryFn: ({ signal }) => getJson<ActiveUser[]>(`/stats/active-users?timeframe=${timeframe}&limit=500`, { signal }),
    placeholderData: keepPreviousData,
  });
}

/** Client apps ever used (for the History filter). */
export function useClients() {
  return useQuery({
    queryKey: ["clients", "all-time"],
    queryFn: ({ signal }) => getJson<ClientUse[]>("/stats/clients?timeframe=all-time&limit=500", { signal }),
    staleTime: 5 * 60_000,
  });
}

export function useUserDetail(userId: string, timeframe: Timeframe) {
  return useQuery({
    queryKey: ["user", userId, timeframe],
    queryFn: ({ signal }) =>
      getJson<UserDetail>(`/stats/user/${encodeURIComponent(userId)}?timeframe=${timeframe}`, { signal }),
    // While another window loads, keep showing this user's last answer (never another user's).
    placeholderData: (previous, previousQuery) => (previousQuery?.queryKey[1] === userId ? previous : undefined),
  });
}

// ---------------------------------------------------------------- statistics for the dashboard's cards

/** A `/stats/...` answer for a path and query string; refreshed every 5 minutes (answers are ETag-cached). */
function useStats<T>(key: readonly unknown[], path: string, enabled = true) {
  return useQuery({
    queryKey: ["stats", ...key],
    queryFn: ({ signal }) => getJson<T>(path, { signal }),
    refetchInterval: 5 * 60_000,
    // While another window loads, the card keeps the last one's numbers (dimmed, marked busy).
    placeholderData: keepPreviousData,
    enabled,
  });
}

/** `top`: users kept by name, the rest summed per day (`user_id` null); 0 gives each day's total alone. */
export function useUsage(w: Window, top: number) {
  const days = cappedWindow(w);
  return useStats<UserDay[]>(["usage", days, top], `/stats/usage?days=${days}&top=${top}`);
}

export function useTopUsers(w: Window, limit = 10) {
  return useStats<TopUser[]>(["top-users", w, limit], `/stats/top/users?${windowQuery(w)}&limit=${limit}`);
}

export function useTopItems(w: Window, limit = 10) {
  return useStats<TopItem[]>(["top-items", w, limit], `/stats/top/items?${windowQuery(w)}&limit=${limit}`);
}

export function useTopSeries(w: Window, limit = 10) {
  return useStats<TopSeries[]>(["top-series", w, limit], `/stats/top/series?${windowQuery(w)}&limit=${limit}`);
}

export function useMostActiveUsers(w: Window, limit = 10) {
  return useStats<ActiveUser[]>(["active-users", w, limit], `/stats/active-users?${windowQuery(w)}&limit=${limit}`);
}

export function usePlayMethods(w: Window) {
  return useStats<PlayMethods>(["play-methods", w], `/stats/play-methods?${windowQuery(w)}&limit=1`);
}

export function useHeatmap(w: Window) {
  return useStats<HeatCell[]>(["heatmap", w], `/stats/heatmap?${windowQuery(w)}`);
}

export function useConcurrency(w: Window) {
  return useStats<Concurrency>(["concurrency", w], `/stats/concurrency?${windowQuery(w)}`);
}

export function useQualities() {
  return useStats<Qualities>(["qualities"], "/stats/qualities");
}

export function useCodecs() {
  return useStats<Codecs>(["codecs"], "/stats/codecs");
}

/** One page of the items a quality bucket or a codec counts; disabled while nothing is picked. */
export function useItemsBy(kind: "quality" | "codec" | null, value: string | null, page: number, pageSize = 25) {
  const path = kind && value ? `/stats/items/by-${kind}/${encodeURIComponent(value)}?page=${page}&page_size=${pageSize}` : "";
  return useStats<ItemPage>(["items-by", kind, value, page, pageSize], path, Boolean(kind && value));
}

/** Library totals now: items, size, runtime, per type and per Emby library. */
export function useLibrary() {
  return useStats<Library>(["library"], "/stats/library");
}

/** How many genres the Library section asks each ranking for (the API's most; one answer for every page). */
export const ALL_GENRES = 100;

/** The movie library at a glance (its notable titles, genres by count and by watch time). */
export function useMovieFacts() {
  return useStats<MovieFacts>(["movies", ALL_GENRES], `/stats/movies?genres=${ALL_GENRES}`);
}

/** The TV library at a glance. */
export function useSeriesFacts() {
  return useStats<SeriesFacts>(["series", ALL_GENRES], `/stats/series?genres=${ALL_GENRES}`);
}

/** One page of a genre's titles, as the view orders them. */
export function useGenreTitles(view: GenreView, pageSize: number, enabled = true) {
  const titles = { ...view, list: "titles" as const };
  return useStats<GenreItemPage>(["genre-titles", genreApiPath(titles, pageSize)], genreApiPath(titles, pageSize), enabled);
}

/** One page of a genre's series, as the view orders them. */
export function useGenreSeries(view: GenreView, pageSize: number, enabled = true) {
  const series = { ...view, list: "series" as const };
  return useStats<SeriesPage>(["genre-series", genreApiPath(series, pageSize)], genreApiPath(series, pageSize), enabled);
}

/** One page of the transcode fix-list (a window, maybe one client), most transcoded time first. */
export function useFixList(view: TranscodeView, pageSize: number) {
  const path = fixListApiPath(view, pageSize);
  return useStats<FixList>(["fix-list", path], path);
}

/** Transcodes per client app in a window. */
export function useTranscodesByClient(view: Pick<TranscodeView, "timeframe">) {
  const path = byClientApiPath(view.timeframe);
  return useStats<ClientTranscodes[]>(["transcodes-by-client", path], path);
}

/** A library report (`/stats/storage/...`, `/stats/library/health/...`, the admin's lists) by its path; `enabled`
 * false asks nothing. */
export function useReport<T>(path: string, { enabled = true }: { enabled?: boolean } = {}) {
  return useQuery({
    queryKey: ["stats", "report", path],
    queryFn: ({ signal }) => getJson<T>(path, { signal }),
    refetchInterval: 5 * 60_000,
    placeholderData: keepPreviousData,
    enabled,
  });
}
