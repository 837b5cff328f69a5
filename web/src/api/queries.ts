import { keepPreviousData, useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { getJson } from "./client";
import type { ActiveUser, ClientUse, Health, HistoryPage, Overview, PlayDetail, PublicConfig, UserDetail } from "./types";
import { historyApiPath, type HistoryFilters } from "../lib/historyFilters";
import { nextCursor } from "../lib/paging";
import type { Timeframe } from "../lib/window";

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
