import { useQuery } from "@tanstack/react-query";
import { getJson } from "./client";
import type { Health, Overview, PublicConfig } from "./types";

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
