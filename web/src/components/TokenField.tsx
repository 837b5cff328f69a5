import { useState } from "react";
import { adminHeaders, clearAdminToken, setAdminToken } from "../api/adminToken";

/** The admin cookie for this browser, or its end: the live view (EventSource) cannot send the token as a header.
 * Best effort: a refused token shows as such wherever it is used next. */
function cookie(keep: boolean): void {
  void fetch("/admin/cookie", {
    method: "POST",
    headers: { "Content-Type": "application/json", ...adminHeaders() },
    body: JSON.stringify({ keep }),
    credentials: "same-origin",
  }).catch(() => undefined);
}

/**
 * Keep the admin token in this browser, or forget it. `kept` is the caller's (it shows the admin differently when
 * a token is kept); `onChange` is told whether one is kept now.
 */
export function TokenField({ id, kept, onChange }: { id: string; kept: boolean; onChange: (kept: boolean) => void }) {
  const [draft, setDraft] = useState("");
  return (
    <form
      className="token-field"
      onSubmit={(e) => {
        e.preventDefault();
        if (!draft.trim()) return;
        setAdminToken(draft);
        setDraft("");
        cookie(true);
        onChange(true);
      }}
    >
      <label htmlFor={id}>Admin token</label>
      <input
        id={id}
        type="password"
        autoComplete="off"
        placeholder={kept ? "A token is kept in this browser" : "Paste the admin token"}
        value={draft}
        onChange={(e) => setDraft(e.target.value)}
      />
      <button type="submit" className="btn btn-primary" disabled={!draft.trim()}>
        Keep token
      </button>
      <button
        type="button"
        className="btn"
        disabled={!kept}
        onClick={() => {
          cookie(false);
          clearAdminToken();
          onChange(false);
        }}
      >
        Forget
      </button>
      <small className="muted">
        Kept in this browser only (localStorage <code>emby_admin_token</code>) and sent as <code>Authorization: Bearer</code> with every request; this browser also gets the admin cookie for the live view.
      </small>
    </form>
  );
}
