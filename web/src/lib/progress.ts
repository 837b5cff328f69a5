/**
 * Where a session is now. A card's `position_sec` was true at `at`; the service asks clients to count from their
 * own receipt of the view (not from `at`), so a clock that is off does not matter. Paused sessions stand still.
 */
export interface PositionInput {
  position_sec: number;
  duration_sec: number | null;
  is_paused: boolean;
}

/** The position in seconds `nowMs - receivedAtMs` after the view arrived, clamped to [0, duration]. */
export function livePosition(card: PositionInput, receivedAtMs: number, nowMs: number): number {
  const elapsed = card.is_paused ? 0 : Math.max(0, (nowMs - receivedAtMs) / 1000);
  let position = Math.max(0, card.position_sec + elapsed);
  if (card.duration_sec != null && card.duration_sec > 0) position = Math.min(position, card.duration_sec);
  return position;
}

/** Percent 0–100 of the duration, or null when the duration is unknown (Live TV, some streams). */
export function progressPct(position: number, duration: number | null): number | null {
  if (duration == null || !(duration > 0)) return null;
  return Math.min(100, Math.max(0, (position / duration) * 100));
}
