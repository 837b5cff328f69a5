/** How a stream reaches its client, as a label and a colour tone (design brief: green / blue / amber / red). */
export type Tone = "direct-play" | "direct-stream" | "transcode" | "burn-in" | "unknown";

export interface Decision {
  label: string;
  tone: Tone;
}

export function decision(playMethod: string | null | undefined): Decision {
  switch (playMethod) {
    case "DirectPlay":
      return { label: "Direct Play", tone: "direct-play" };
    case "DirectStream":
      return { label: "Direct Stream", tone: "direct-stream" };
    case "Transcode":
      return { label: "Transcode", tone: "transcode" };
    default:
      return { label: playMethod ? playMethod : "Unknown", tone: "unknown" };
  }
}

export interface Counted {
  play_method: string | null;
}

/** "3 streams: 1 direct play, 1 direct stream, 1 transcode" (parts that are 0 left out). */
export function summaryLine(cards: readonly Counted[]): string {
  if (cards.length === 0) return "No streams";
  let plays = 0;
  let streams = 0;
  let transcodes = 0;
  let other = 0;
  for (const c of cards) {
    if (c.play_method === "DirectPlay") plays++;
    else if (c.play_method === "DirectStream") streams++;
    else if (c.play_method === "Transcode") transcodes++;
    else other++;
  }
  const parts: string[] = [];
  if (plays) parts.push(`${plays} direct ${plays === 1 ? "play" : "plays"}`);
  if (streams) parts.push(`${streams} direct ${streams === 1 ? "stream" : "streams"}`);
  if (transcodes) parts.push(`${transcodes} ${transcodes === 1 ? "transcode" : "transcodes"}`);
  if (other) parts.push(`${other} unknown`);
  const head = `${cards.length} ${cards.length === 1 ? "stream" : "streams"}`;
  return `${head}: ${parts.join(", ")}`;
}
