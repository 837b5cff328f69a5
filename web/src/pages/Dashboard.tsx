import { useEffect } from "react";
import { useConfig, useOverview } from "../api/queries";
import { KpiCards } from "../components/KpiCards";
import { NowPlaying } from "../components/NowPlaying";
import { StatsGrid } from "../components/stats/StatsGrid";
import { useNowStream } from "../live/hooks";
import { validZone } from "../lib/format";

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
      <StatsGrid timeZone={timeZone} />
    </div>
  );
}
