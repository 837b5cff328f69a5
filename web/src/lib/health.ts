/** What a person should know about the service's health, in plain words: the header's badge and its banner. */
import { ApiError } from "../api/client";
import type { Health } from "../api/types";
import { formatClock } from "./format";

export interface HealthProblem {
  tone: "down" | "degraded";
  /** Short, for the badge. */
  label: string;
  /** A sentence for the banner: what is wrong and what it means for the numbers. */
  detail: string;
}

/**
 * The most important problem `/health` reports, or null when all is well. Emby being down is the common one: the
 * pages still show everything recorded, and nothing is lost (open plays stay open until Emby answers again).
 */
export function healthProblem(health: Health | undefined, error: unknown, timeZone: string | undefined, now?: Date): HealthProblem | null {
  if (error) {
    const status = error instanceof ApiError ? error.status : 0;
    const said = error instanceof ApiError ? error.message : "";
    if (status === 401 || status === 403) {
      return {
        tone: "degraded",
        label: "Not signed in",
        detail: `This browser may not read the statistics here (${said}). Enter the admin token on the Admin page.`,
      };
    }
    if (status === 503) {
      return { tone: "down", label: "Database unavailable", detail: `The service cannot read its database: ${said || "unknown error"}.` };
    }
    return {
      tone: "down",
      label: "Service unreachable",
      detail: "The Emby Analytics service cannot be reached. The pages show what they loaded last; they refresh once it answers.",
    };
  }
  if (!health) return null;
  const { poller } = health;
  if (!poller.ok) {
    const since = poller.last_success ? ` (it last answered at ${formatClock(poller.last_success, timeZone, now)})` : "";
    const why = poller.last_error ? `: ${poller.last_error}` : "";
    return {
      tone: "degraded",
      label: "Emby unreachable",
      detail: `Emby cannot be reached${since}${why}. Statistics show what was recorded; live sessions show again when Emby answers, and plays open now are kept.`,
    };
  }
  if (poller.unsaved_plays > 0 || poller.last_write_error) {
    const waiting = poller.unsaved_plays > 0 ? ` ${poller.unsaved_plays} play(s) wait in memory and are written as soon as it accepts them.` : "";
    return {
      tone: "degraded",
      label: "Plays not stored",
      detail: `Plays cannot be stored right now${poller.last_write_error ? `: ${poller.last_write_error}` : ""}.${waiting}`,
    };
  }
  if (health.websocket.auth_failed) {
    return {
      tone: "degraded",
      label: "Emby refused the key",
      detail: "Emby refused the API key on its websocket: check EMBY_API_KEY. Sessions are still polled.",
    };
  }
  if (health.status !== "ok") {
    const failed = health.jobs.filter((j) => j.last_error).map((j) => j.name);
    return {
      tone: "degraded",
      label: "Service degraded",
      detail: failed.length > 0 ? `A background job failed and is retried: ${failed.join(", ")}. See Admin for details.` : "The service reports a problem; see /health.",
    };
  }
  return null;
}
