/** The admin token as the original keeps it: localStorage key `emby_admin_token`, sent as `Authorization: Bearer`. */
export const ADMIN_TOKEN_KEY = "emby_admin_token";

export function getAdminToken(): string | null {
  try {
    const token = window.localStorage.getItem(ADMIN_TOKEN_KEY);
    return token && token.trim() ? token.trim() : null;
  } catch {
    return null; // storage disabled: the server's cookie may still work
  }
}

export function setAdminToken(token: string): void {
  try {
    window.localStorage.setItem(ADMIN_TOKEN_KEY, token.trim());
  } catch {
    /* storage disabled */
  }
}

export function clearAdminToken(): void {
  try {
    window.localStorage.removeItem(ADMIN_TOKEN_KEY);
  } catch {
    /* storage disabled */
  }
}

/** Headers carrying the admin token, when one is kept (else none: the automatic cookie may do). */
export function adminHeaders(): Record<string, string> {
  const token = getAdminToken();
  return token ? { Authorization: `Bearer ${token}` } : {};
}
