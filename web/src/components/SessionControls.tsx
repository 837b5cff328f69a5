import { useEffect, useId, useRef, useState } from "react";
import { useMutation } from "@tanstack/react-query";
import { adminPost } from "../api/admin";
import type { NowCard } from "../api/types";
import { ActionError, ConfirmDialog } from "./ConfirmDialog";

/** A session id as a path segment (Emby's are hex, but nothing from Emby goes into a URL unescaped). */
function sessionPath(card: NowCard, action: "pause" | "stop" | "message"): string {
  return `/now/${encodeURIComponent(card.session_id)}/${action}`;
}

export const MESSAGE_MAX = 500; // the API's limit (POST /now/{id}/message)

/**
 * An admin's remote control of one session (ui.md): Pause/Resume at once (it is undone as easily), a message typed
 * inline (Enter sends, Esc cancels), and Stop behind a confirmation that can tell the viewer why. The card itself
 * changes when Emby reports the new state: the service polls at once after each command.
 */
export function SessionControls({ card, who }: { card: NowCard; who: string }) {
  const [composing, setComposing] = useState(false);
  const [text, setText] = useState("");
  const [stopping, setStopping] = useState(false);
  const [reason, setReason] = useState("");
  const [sent, setSent] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const messageButton = useRef<HTMLButtonElement>(null);
  const wasComposing = useRef(false);
  const reasonId = useId();

  const pause = useMutation({ mutationFn: (paused: boolean) => adminPost<null>(sessionPath(card, "pause"), { paused }) });
  const message = useMutation({
    mutationFn: (body: string) => adminPost<null>(sessionPath(card, "message"), { header: "Message from the server admin", text: body }),
    onSuccess: () => {
      setComposing(false);
      setText("");
      setSent(true);
    },
  });
  const told = useRef<string | null>(null); // the reason already shown, so a retried Stop does not show it twice
  const stop = useMutation({
    mutationFn: async (why: string) => {
      const text = why.trim();
      if (text && told.current !== text) {
        await adminPost<null>(sessionPath(card, "message"), { header: "Playback stopped", text });
        told.current = text;
      }
      await adminPost<null>(sessionPath(card, "stop"));
    },
    onSuccess: () => setStopping(false),
  });

  useEffect(() => {
    if (composing) input.current?.focus();
    else if (wasComposing.current) messageButton.current?.focus(); // keyboard users land where they were
    wasComposing.current = composing;
  }, [composing]);
  useEffect(() => {
    if (!sent) return;
    const timer = window.setTimeout(() => setSent(false), 4000);
    return () => window.clearTimeout(timer);
  }, [sent]);

  const error = pause.error ?? message.error;
  return (
    <div className="session-controls">
      {composing ? (
        <form
          className="session-message"
          onSubmit={(e) => {
            e.preventDefault();
            if (text.trim() && !message.isPending) message.mutate(text.trim());
          }}
        >
          <input
            ref={input}
            type="text"
            aria-label={`Message to ${who}`}
            placeholder="Message to show on their screen"
            maxLength={MESSAGE_MAX}
            value={text}
            onChange={(e) => setText(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === "Escape") {
                e.preventDefault();
                setComposing(false);
                message.reset();
              }
            }}
          />
          <button type="submit" className="btn btn-small btn-primary" disabled={!text.trim() || message.isPending}>
            {message.isPending ? "Sending…" : "Send"}
          </button>
          <button type="button" className="btn btn-small" onClick={() => setComposing(false)}>
            Cancel
          </button>
        </form>
      ) : (
        <div className="session-buttons" role="group" aria-label={`Control ${who}'s playback`}>
          <button
            type="button"
            className="btn btn-small"
            disabled={pause.isPending}
            onClick={() => pause.mutate(!card.is_paused)}
          >
            {card.is_paused ? "Resume" : "Pause"}
          </button>
          <button ref={messageButton} type="button" className="btn btn-small" onClick={() => setComposing(true)}>
            Message
          </button>
          <button type="button" className="btn btn-small btn-danger-outline" onClick={() => setStopping(true)}>
            Stop
          </button>
          {sent ? (
            <span className="admin-ok" role="status">
              Message sent
            </span>
          ) : null}
        </div>
      )}
      {error ? <ActionError error={error} /> : null}
      <ConfirmDialog
        open={stopping}
        title="Stop this playback?"
        confirmLabel="Stop playback"
        danger
        pending={stop.isPending}
        error={stop.error}
        onConfirm={() => stop.mutate(reason)}
        onClose={() => {
          setStopping(false);
          setReason("");
          stop.reset();
        }}
      >
        <p>
          {who} stops watching <strong>{card.display || card.title || "this item"}</strong> on {card.client || "their client"}. What they watched so far is kept.
        </p>
        <div className="admin-field">
          <label htmlFor={reasonId}>Message to show them first (optional)</label>
          <input id={reasonId} type="text" maxLength={MESSAGE_MAX} value={reason} onChange={(e) => setReason(e.target.value)} />
        </div>
      </ConfirmDialog>
    </div>
  );
}
