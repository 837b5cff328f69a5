import type { LiveState } from "../live/nowStream";
import { useNow } from "../live/hooks";
import { summaryLine } from "../lib/decision";
import { useIsAdmin } from "../api/queries";
import { NowCardView } from "./NowCardView";
import { SessionControls } from "./SessionControls";
import { Empty, Loading } from "./States";

const STATUS_TEXT = {
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
  unsupported: "Live view unsupported",
} as const;

export function LiveIndicator({ status }: { status: LiveState["status"] }) {
  return (
    <span className={`live-indicator live-${status}`} role="status" aria-live="polite">
      <span className="dot" aria-hidden="true" />
      {STATUS_TEXT[status]}
    </span>
  );
}

export function NowPlaying({ live, timeZone }: { live: LiveState; timeZone: string | undefined }) {
  const cards = live.cards;
  const ticking = cards !== null && cards.some((c) => !c.is_paused);
  const now = useNow(ticking);
  const admin = useIsAdmin();

  return (
    <section className="section" aria-labelledby="now-heading">
      <div className="section-head">
        <h2 id="now-heading">Now Playing</h2>
        <LiveIndicator status={live.status} />
      </div>
      {cards === null ? (
        live.status === "reconnecting" || live.status === "unsupported" ? (
          <div className="state state-error" role="alert">
            <strong>The live view is not connected</strong>
            <span>
              {live.status === "unsupported"
                ? "This browser cannot open the live feed."
                : "Trying again; sessions will show as soon as the service answers."}
            </span>
          </div>
        ) : (
          <Loading label="Waiting for the live view…" />
        )
      ) : (
        <>
          {cards.length > 0 ? <p className="summary-line">{summaryLine(cards)}</p> : null}
          {cards.length === 0 ? (
            <Empty>Nothing is playing right now.</Empty>
          ) : (
            <div className="now-grid">
              {cards.map((card) => (
                <NowCardView
                  key={card.session_id}
                  card={card}
                  receivedAt={live.receivedAt}
                  now={now}
                  timeZone={timeZone}
                  controls={admin ? <SessionControls card={card} who={card.user ?? "This viewer"} /> : null}
                />
              ))}
            </div>
          )}
        </>
      )}
    </section>
  );
}
