import { useEffect, useState, useSyncExternalStore } from "react";
import { getState, subscribe, type LiveState } from "./nowStream";

/** The shared live view (one EventSource per tab). */
export function useNowStream(): LiveState {
  return useSyncExternalStore(subscribe, getState, getState);
}

/** `Date.now()`, refreshed every `ms` while `active` (one timer per caller; nothing runs when inactive). */
export function useNow(active: boolean, ms = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    const id = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(id);
  }, [active, ms]);
  return now;
}
