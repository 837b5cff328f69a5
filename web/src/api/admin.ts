/** Admin routes: types from the generated schema and a JSON sender that carries the admin token. */
import type { components } from "./schema";
import { ApiError, getJson } from "./client";
import { adminHeaders } from "./adminToken";

type Schemas = components["schemas"];

export type JobInfo = Schemas["JobInfo"];
export type RefreshStatus = Schemas["RefreshStatus"];
export type Started = Schemas["Started"];
export type UsersSynced = Schemas["UsersSynced"];
export type WebhookInfo = Schemas["WebhookInfo"];
export type ImportStatus = Schemas["ImportStatus"];
export type BackupList = Schemas["BackupList"];
export type BackupInfo = Schemas["BackupInfo"];
export type PositionRepair = Schemas["PositionRepair"];
export type OverlapRepair = Schemas["OverlapRepair"];
export type MethodRepair = Schemas["MethodRepair"];
export type ResetResult = Schemas["Reset"];

/** GET an admin route (the stored token as `Authorization: Bearer`, else the cookie). */
export function adminGet<T>(path: string, signal?: AbortSignal): Promise<T> {
  return getJson<T>(path, { signal });
}

async function errorFrom(response: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    /* not JSON */
  }
  if (typeof body === "object" && body !== null) {
    const { error, message, detail } = body as { error?: unknown; message?: unknown; detail?: unknown };
    if (typeof error === "string" && typeof message === "string") return new ApiError(response.status, error, message);
    if (typeof detail === "string") return new ApiError(response.status, "http_error", detail);
  }
  return new ApiError(response.status, "http_error", `The service answered ${response.status} ${response.statusText}`.trim());
}

/** POST to an admin route, with an optional JSON body; the answer's JSON (or null when there is none). */
export async function adminPost<T>(path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json", ...adminHeaders() };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response: Response;
  try {
    response = await fetch(path, {
      method: "POST",
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
    });
  } catch {
    throw new ApiError(0, "unreachable", "The Emby Analytics service cannot be reached.");
  }
  if (!response.ok) throw await errorFrom(response);
  const text = await response.text();
  return (text ? JSON.parse(text) : null) as T;
}

/** Downloads an admin file with the stored token (a plain link would carry only the cookie). */
export async function adminDownload(path: string, filename: string): Promise<void> {
  let response: Response;
  try {
    response = await fetch(path, { headers: adminHeaders(), credentials: "same-origin" });
  } catch {
    throw new ApiError(0, "unreachable", "The Emby Analytics service cannot be reached.");
  }
  if (!response.ok) throw await errorFrom(response);
  const url = URL.createObjectURL(await response.blob());
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
