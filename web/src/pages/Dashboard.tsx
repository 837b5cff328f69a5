import { Suspense, lazy, useEffect } from "react";
import { useConfig, useOverview } from "../api/queries";
import { KpiCards } from "../components/KpiCards";
import { NowPlaying } from "../components/NowPlaying";
import { Loading } from "../components/States";
import { useNowStream } from "../live/hooks";
import { validZone } from "../lib/format";

// The charts (Recharts) load in their own chunk, so the key figures and Now Playing show first.
const StatsGrid = lazy(() => import("../components/stats/StatsGrid").then((m) => ({ default: m.StatsGrid })));

export function Dashboard() {
  const config = useConfig();
  const overview = useOverview();
  const week = useOverview("7d");
  const live = useNowStream();
  const cards = live.cards;

  useEffect(() => {
    const n = cards?.length ?? 0;
    document.title = n > 0 ? `(${n}) Dashboard · Emby Analytics` : "Dashboard · Emby Analytics";
  }, [cards]);

  const timeZone = validZone(config.data?.tz);
  return (
    <div className="page">
      <div className="page-head">
        <h1>Dashboard</h1>
        {config.data?.server_name ? <span className="muted">{config.data.server_name}</span> : null}
      </div>
      <KpiCards
        overview={overview}
        week={week}
        streams={cards ? cards.length : null}
        transcodes={cards ? cards.filter((c) => c.play_method === "Transcode").length : null}
        liveDown={cards === null && (live.status === "reconnecting" || live.status === "unsupported")}
      />
      <NowPlaying live={live} timeZone={timeZone} />
      <Suspense fallback={<Loading label="Loading statistics…" />}>
        <StatsGrid timeZone={timeZone} />
      </Suspense>
    </div>
  );
}
