import { ActiveUsersCard, CalendarCard, ConcurrencyCard, HeatmapCard, PlayMethodsCard } from "./ActivityCards";
import { CodecsCard, QualitiesCard } from "./MediaCards";
import { TopItemsCard, TopSeriesCard, TopUsersCard } from "./TopCards";
import { UsageCard } from "./UsageCard";
import { WindowPicker, useStatsWindow } from "./WindowPicker";

/** The dashboard's statistics: one window for every card that has one, chosen here and kept in the URL. */
export function StatsGrid({ timeZone }: { timeZone: string | undefined }) {
  const [win, setWin] = useStatsWindow();
  return (
    <section className="section" aria-labelledby="stats-heading">
      <div className="section-head stats-head">
        <h2 id="stats-heading">Statistics</h2>
        <WindowPicker value={win} onChange={setWin} />
      </div>
      <div className="stat-grid">
        <UsageCard win={win} timeZone={timeZone} />
        <TopUsersCard win={win} />
        <TopItemsCard win={win} timeZone={timeZone} />
        <TopSeriesCard win={win} timeZone={timeZone} />
        <PlayMethodsCard win={win} timeZone={timeZone} />
        <ActiveUsersCard win={win} timeZone={timeZone} />
        <ConcurrencyCard win={win} timeZone={timeZone} />
        <HeatmapCard win={win} />
        <CalendarCard timeZone={timeZone} />
        <QualitiesCard />
        <CodecsCard />
      </div>
    </section>
  );
}
