import type { UseQueryResult } from "@tanstack/react-query";
import type { Overview } from "../api/types";
import { errorMessage } from "../api/client";
import { formatCount, formatHours } from "../lib/format";

interface Kpi {
  label: string;
  value: string | null;
  hint?: string;
  error?: boolean;
}

function KpiCard({ kpi }: { kpi: Kpi }) {
  return (
    <div className="kpi" aria-busy={kpi.value === null && !kpi.error}>
      <div className="kpi-label">{kpi.label}</div>
      <div className="kpi-value tabular">{kpi.error ? "—" : kpi.value ?? <span className="skeleton" aria-label="Loading" />}</div>
      {kpi.hint ? <div className="kpi-hint">{kpi.hint}</div> : null}
    </div>
  );
}

export interface KpiCardsProps {
  overview: UseQueryResult<Overview>;
  week: UseQueryResult<Overview>;
  streams: number | null;
  transcodes: number | null;
  /** The live view is down and has no streams to show. */
  liveDown: boolean;
}

export function KpiCards({ overview, week, streams, transcodes, liveDown }: KpiCardsProps) {
  const o = overview.data;
  const failed = overview.isError;
  const kpis: Kpi[] = [
    { label: "Users", value: o ? formatCount(o.total_users) : null, error: failed },
    { label: "Library items", value: o ? formatCount(o.total_items) : null, error: failed },
    { label: "Total plays", value: o ? formatCount(o.total_plays) : null, hint: "All time", error: failed },
    { label: "Unique plays", value: o ? formatCount(o.unique_plays) : null, hint: "Distinct items, all time", error: failed },
    {
      label: "Hours watched",
      value: week.data ? formatHours(week.data.total_hours) : null,
      hint: "Last 7 days",
      error: week.isError,
    },
    {
      label: "Streams now",
      value: streams === null ? null : formatCount(streams),
      hint: liveDown ? "Live view not connected" : transcodes ? `${formatCount(transcodes)} transcoding` : "Live",
      error: liveDown,
    },
  ];
  return (
    <section aria-label="Key figures">
      {failed ? (
        <div className="state state-error" role="alert">
          <strong>Statistics are unavailable</strong>
          <span>{errorMessage(overview.error)}</span>
          <button type="button" className="btn" onClick={() => void overview.refetch()}>
            Try again
          </button>
        </div>
      ) : null}
      <div className="kpi-grid">
        {kpis.map((k) => (
          <KpiCard key={k.label} kpi={k} />
        ))}
      </div>
    </section>
  );
}
