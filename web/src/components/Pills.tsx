import { decision } from "../lib/decision";

/** How the play reached its client: a tinted pill (green / blue / amber). */
export function DecisionPill({ method }: { method: string | null | undefined }) {
  const d = decision(method);
  return <span className={`pill tone-${d.tone}`}>{d.label}</span>;
}

export interface PlayFlags {
  completed: boolean;
  short: boolean;
  live_tv: boolean;
  stopped_at: string | null;
}

/** Completed / short / Live TV / still playing, as small text markers. */
export function PlayMarkers({ play }: { play: PlayFlags }) {
  const marks: { key: string; text: string; title: string }[] = [];
  if (play.stopped_at === null) marks.push({ key: "open", text: "Playing", title: "Still playing now" });
  if (play.completed) marks.push({ key: "done", text: "Completed", title: "Watched to the end" });
  if (play.short) marks.push({ key: "short", text: "Short", title: "Too short to count as a play; its time still counts" });
  if (play.live_tv) marks.push({ key: "live", text: "Live TV", title: "Live TV" });
  if (marks.length === 0) return <span className="muted">—</span>;
  return (
    <span className="markers">
      {marks.map((m) => (
        <span key={m.key} className={`marker marker-${m.key}`} title={m.title}>
          {m.text}
        </span>
      ))}
    </span>
  );
}
