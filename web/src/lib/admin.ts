/** Pure helpers for the Admin page. */

export interface RefreshLike {
  running: boolean;
  status: string | null;
  phase: string | null;
  processed: number;
  total: number;
  pct: number | null;
  started_at: string | null;
  error: string | null;
}

/** The bar's percent 0–100 (whole), or null when the total is not known yet. */
export function refreshPercent(s: Pick<RefreshLike, "processed" | "total" | "pct">): number | null {
  if (s.pct != null && Number.isFinite(s.pct)) return Math.round(Math.min(100, Math.max(0, s.pct)));
  if (s.total > 0) return Math.round(Math.min(1, Math.max(0, s.processed / s.total)) * 100);
  return null;
}

/** "Refreshing… 42% (n/total)" while it runs, then "Done" or the error. */
export function refreshText(s: RefreshLike): string {
  if (s.running) {
    const pct = refreshPercent(s);
    if (pct == null) return s.phase ? `Refreshing… (${s.phase})` : "Refreshing…";
    return `Refreshing… ${pct}% (${s.processed}/${s.total})`;
  }
  if (s.error) return `Failed: ${s.error}`;
  if (s.status === "failed") return "Failed";
  if (s.status === "interrupted") return "Interrupted";
  if (s.status === "done") return "Done";
  if (!s.started_at) return "No library sync since start-up.";
  return s.status ? s.status.charAt(0).toUpperCase() + s.status.slice(1) : "Done";
}

export interface ImportLike {
  running: boolean;
  rows_read: number;
  plays_added: number;
  pages: number;
  started_at: string | null;
  finished_at: string | null;
  error: string | null;
}

export function importText(s: ImportLike): string {
  const counts = `${s.rows_read} rows read, ${s.plays_added} plays added`;
  if (s.running) return `Importing… page ${s.pages}: ${counts}`;
  if (s.error) return `Failed: ${s.error}`;
  if (!s.started_at) return "No import since start-up.";
  return `Done: ${counts}`;
}

/** A typed confirmation enables the button only for the action's exact name (surrounding spaces forgiven). */
export function confirmMatches(typed: string, name: string): boolean {
  return typed.trim() === name;
}

/** What the admin-token box says, from the status of `GET /admin/scheduler/stats`. */
export type AuthState = "checking" | "signed-in" | "signed-out" | "error";

export function authState(status: "pending" | "success" | "error", errorStatus: number | null): AuthState {
  if (status === "pending") return "checking";
  if (status === "success") return "signed-in";
  return errorStatus === 401 || errorStatus === 403 ? "signed-out" : "error";
}

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return "—";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}
