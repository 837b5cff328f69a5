import { useState } from "react";
import { clearAdminToken, setAdminToken } from "../api/adminToken";

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
          clearAdminToken();
          onChange(false);
        }}
      >
        Forget
      </button>
      <small className="muted">
        Kept in this browser only (localStorage <code>emby_admin_token</code>) and sent as <code>Authorization: Bearer</code> to admin routes.
      </small>
    </form>
  );
}
