/** Same-origin JSON requests with errors in the service's own words. */
import type { ErrorBody } from "./types";
import { adminHeaders } from "./adminToken";

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
  }
}

function isErrorBody(value: unknown): value is ErrorBody {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { error?: unknown }).error === "string" &&
    typeof (value as { message?: unknown }).message === "string"
  );
}

export interface GetOptions {
  signal?: AbortSignal;
}

export async function getJson<T>(path: string, options: GetOptions = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      // The kept admin token goes with every request: READ_ACCESS may ask it of readers too (away from home).
      headers: { Accept: "application/json", ...adminHeaders() },
      signal: options.signal,
      credentials: "same-origin",
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    throw new ApiError(0, "unreachable", "The Emby Analytics service cannot be reached.");
  }
  if (!response.ok) {
    let body: unknown = null;
    try {
      body = await response.json();
    } catch {
      /* not JSON */
    }
    if (isErrorBody(body)) throw new ApiError(response.status, body.error, body.message);
    throw new ApiError(response.status, "http_error", `The service answered ${response.status} ${response.statusText}`.trim());
  }
  return (await response.json()) as T;
}

/** A message fit for an error box. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.status ? `${error.message} (${error.status})` : error.message;
  if (error instanceof Error) return error.message;
  return "Something went wrong.";
}
