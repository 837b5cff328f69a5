/** Runs one request of the explorer and describes its answer. */
import { adminHeaders } from "../api/adminToken";

export type Outcome =
  | { kind: "json"; text: string }
  | { kind: "text"; text: string }
  | { kind: "image"; url: string; contentType: string; bytes: number }
  | { kind: "binary"; url: string; contentType: string; bytes: number; filename: string }
  | { kind: "empty" }
  | { kind: "stream" };

export interface RunResult {
  status: number;
  statusText: string;
  ms: number;
  contentType: string;
  outcome: Outcome;
}

export interface RunRequest {
  method: string;
  url: string;
  admin: boolean;
  headers: Record<string, string>;
  body: string | null;
  contentType: string | null;
  signal: AbortSignal;
  /** Called with each piece of a `text/event-stream` answer as it arrives. */
  onStreamText: (chunk: string) => void;
}

/** Pretty JSON when the text parses, else the text itself. */
export function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

function filenameOf(disposition: string | null, url: string): string {
  const m = disposition ? /filename="?([^";]+)"?/i.exec(disposition) : null;
  if (m?.[1]) return m[1];
  const last = url.split("?")[0]?.split("/").pop();
  return last || "download";
}

export async function run(req: RunRequest, onHeaders: (partial: Omit<RunResult, "outcome">) => void): Promise<RunResult> {
  const headers: Record<string, string> = { Accept: "application/json, text/event-stream;q=0.9, */*;q=0.8", ...req.headers };
  if (req.admin) Object.assign(headers, adminHeaders());
  if (req.body !== null && req.contentType) headers["Content-Type"] = req.contentType;
  const t0 = performance.now();
  const response = await fetch(req.url, {
    method: req.method.toUpperCase(),
    headers,
    body: req.body,
    signal: req.signal,
    credentials: "same-origin",
  });
  const contentType = response.headers.get("content-type") ?? "";
  const head = { status: response.status, statusText: response.statusText, ms: Math.round(performance.now() - t0), contentType };
  onHeaders(head);

  if (contentType.startsWith("text/event-stream") && response.body) {
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        req.onStreamText(decoder.decode(value, { stream: true }));
      }
    } catch (error) {
      if (!(error instanceof DOMException && error.name === "AbortError")) throw error;
    }
    return { ...head, outcome: { kind: "stream" } };
  }
  if (response.status === 204 || response.status === 304 || req.method.toUpperCase() === "HEAD") {
    return { ...head, ms: Math.round(performance.now() - t0), outcome: { kind: "empty" } };
  }
  if (contentType.startsWith("image/")) {
    const blob = await response.blob();
    return { ...head, ms: Math.round(performance.now() - t0), outcome: { kind: "image", url: URL.createObjectURL(blob), contentType, bytes: blob.size } };
  }
  if (contentType.includes("json") || contentType.startsWith("text/") || contentType === "") {
    const text = await response.text();
    const ms = Math.round(performance.now() - t0);
    if (!text) return { ...head, ms, outcome: { kind: "empty" } };
    return contentType.includes("json") ? { ...head, ms, outcome: { kind: "json", text: prettyJson(text) } } : { ...head, ms, outcome: { kind: "text", text } };
  }
  const blob = await response.blob();
  return {
    ...head,
    ms: Math.round(performance.now() - t0),
    outcome: { kind: "binary", url: URL.createObjectURL(blob), contentType, bytes: blob.size, filename: filenameOf(response.headers.get("content-disposition"), req.url) },
  };
}

/** Keep the last `max` characters of a live tail. */
export function appendTail(tail: string, chunk: string, max = 20_000): string {
  const next = tail + chunk;
  return next.length > max ? next.slice(next.length - max) : next;
}
