import { useEffect, useId, useRef, useState, type ReactNode } from "react";
import { ApiError, errorMessage } from "../api/client";
import { confirmMatches } from "../lib/admin";
import "../dialog.css";

/** The error of an action, in the service's words (a 401 also says what to do). */
export function ActionError({ error }: { error: unknown }) {
  const unauthorized = error instanceof ApiError && error.status === 401;
  return (
    <p className="admin-result admin-error" role="alert">
      {errorMessage(error)}
      {unauthorized ? " Enter the admin token on the Admin page." : null}
    </p>
  );
}

/** A modal confirmation; with `typedName`, the confirm button waits until that name is typed. */
export function ConfirmDialog({
  open,
  title,
  children,
  confirmLabel,
  typedName,
  danger,
  pending,
  error,
  onConfirm,
  onClose,
}: {
  open: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  typedName?: string;
  danger?: boolean;
  pending: boolean;
  error: unknown;
  onConfirm: () => void;
  onClose: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const inputId = useId();
  const [typed, setTyped] = useState("");
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      setTyped("");
      dialog.showModal();
    } else if (!open && dialog.open) dialog.close();
  }, [open]);
  const ok = typedName ? confirmMatches(typed, typedName) : true;
  return (
    <dialog ref={ref} className="admin-dialog" aria-labelledby={titleId} onClose={onClose}>
      <form
        method="dialog"
        onSubmit={(e) => {
          e.preventDefault();
          if (ok && !pending) onConfirm();
        }}
      >
        <h3 id={titleId}>{title}</h3>
        <div className="admin-dialog-body">{children}</div>
        {typedName ? (
          <div className="admin-field">
            <label htmlFor={inputId}>
              Type <code>{typedName}</code> to confirm
            </label>
            <input id={inputId} type="text" autoComplete="off" spellCheck={false} value={typed} onChange={(e) => setTyped(e.target.value)} />
          </div>
        ) : null}
        {error ? <ActionError error={error} /> : null}
        <div className="admin-actions">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className={danger ? "btn btn-danger" : "btn btn-primary"} disabled={!ok || pending}>
            {pending ? "Working…" : confirmLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}
