import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { getJson } from "./client";
import type {
  ActiveUser,
  Codecs,
  Concurrency,
  Health,
  HeatCell,
  ItemPage,
  Overview,
  PlayMethods,
  PublicConfig,
  Qualities,
  TopItem,
  TopSeries,
  TopUser,
  UserDay,
} from "./types";
import { cappedWindow, windowQuery, type Window } from "../lib/stats";

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

export function useUsage(w: Window) {
  const days = cappedWindow(w);
  return useStats<UserDay[]>(["usage", days], `/stats/usage?days=${days}`);
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

export function useActiveUsers(w: Window, limit = 10) {
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
