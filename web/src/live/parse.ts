import type { NowCard } from "../api/types";

/** The cards of a `snapshot` event's data, or null when it is not a JSON array of objects with a session id. */
export function parseSnapshot(data: string): NowCard[] | null {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return null;
  }
  if (!Array.isArray(value)) return null;
  const cards: NowCard[] = [];
  for (const item of value) {
    if (typeof item === "object" && item !== null && typeof (item as { session_id?: unknown }).session_id === "string") {
      const card = item as NowCard;
      if (typeof card.position_sec !== "number") continue;
      cards.push(card);
    }
  }
  return cards;
}
