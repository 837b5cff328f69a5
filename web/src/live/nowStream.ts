/**
 * ONE `EventSource('/now/stream')` per tab, shared by every component that wants the live view (ref-counted: it
 * opens with the first subscriber and closes with the last). The browser reconnects by itself (the service sends
 * `retry: 3000` and honours `Last-Event-ID`); when it gives up (a 503 when full, a non-SSE answer) we open a new one
 * after a growing delay.
 */
import type { NowCard } from "../api/types";
import { parseSnapshot } from "./parse";

export type LiveStatus = "connecting" | "live" | "reconnecting" | "unsupported";

export interface LiveState {
  status: LiveStatus;
  /** null until the first snapshot arrives. */
  cards: NowCard[] | null;
  /** `Date.now()` when the cards arrived: positions move on from here. */
  receivedAt: number;
}

type Listener = () => void;

const URL_PATH = "/now/stream";

let state: LiveState = { status: "connecting", cards: null, receivedAt: 0 };
const listeners = new Set<Listener>();
let source: EventSource | null = null;
let retryTimer: ReturnType<typeof setTimeout> | null = null;
let retryDelay = 3000;

function set(next: Partial<LiveState>): void {
  state = { ...state, ...next };
  for (const listener of listeners) listener();
}

function open(): void {
  if (typeof EventSource === "undefined") {
    set({ status: "unsupported" });
    return;
  }
  const es = new EventSource(URL_PATH);
  source = es;
  es.onopen = () => {
    retryDelay = 3000;
    set({ status: "live" });
  };
  es.addEventListener("snapshot", (event) => {
    const cards = parseSnapshot((event as MessageEvent<string>).data);
    if (cards !== null) set({ cards, receivedAt: Date.now(), status: "live" });
  });
  es.onerror = () => {
    if (source !== es) return;
    if (es.readyState === EventSource.CLOSED) {
      // The browser gave up: try again ourselves, less often each time (at most every 30 s).
      es.close();
      source = null;
      set({ status: "reconnecting" });
      retryTimer = setTimeout(() => {
        retryTimer = null;
        if (listeners.size > 0) open();
      }, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 30_000);
    } else {
      set({ status: "reconnecting" });
    }
  };
}

function close(): void {
  if (retryTimer !== null) clearTimeout(retryTimer);
  retryTimer = null;
  source?.close();
  source = null;
  state = { status: "connecting", cards: state.cards, receivedAt: state.receivedAt };
}

export function subscribe(listener: Listener): () => void {
  listeners.add(listener);
  if (listeners.size === 1 && source === null && retryTimer === null) open();
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0) close();
  };
}

export function getState(): LiveState {
  return state;
}
