import { useMemo, useState } from "react";
import { Link, useNavigate } from "react-router";
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { useUsage } from "../../api/queries";
import type { TooltipContentProps } from "recharts";
import {
  cappedWindow,
  dayBreakdown,
  dayRange,
  formatHm,
  stackUsage,
  todayIn,
  USAGE_TOP,
  windowLabel,
  type UsageDatum,
  type UsageSeries,
  type Window,
} from "../../lib/stats";
import { dayHistoryHref, historyHref, windowDays } from "../../lib/links";
import { StatCard } from "./StatCard";
import { SERIES_COLOURS, shortDay } from "./chart";

const OTHERS_COLOUR = "#8a8f98"; // "Everyone else": grey, so the named users stand out

export function UsageCard({ win, timeZone }: { win: Window; timeZone: string | undefined }) {
  const days = cappedWindow(win);
  const query = useUsage(win, USAGE_TOP);
  const label = win === "all" ? `${windowLabel(365)} (the longest this chart shows)` : windowLabel(days);
  return (
    <StatCard
      id="usage"
      title="Usage per user per day"
      window={label}
      query={query}
      isEmpty={(rows) => rows.length === 0}
      wide
    >
      {(rows) => <UsageChart rows={rows} days={days} timeZone={timeZone} />}
    </StatCard>
  );
}

function UsageChart({
  rows,
  days,
  timeZone,
}: {
  rows: Parameters<typeof stackUsage>[0];
  days: Exclude<Window, "all">;
  timeZone: string | undefined;
}) {
  const today = todayIn(timeZone);
  const { series, data } = useMemo(() => stackUsage(rows, dayRange(today, days)), [rows, today, days]);
  const [hidden, setHidden] = useState<ReadonlySet<string>>(new Set());
  const navigate = useNavigate();
  const colours = useMemo(
    () => new Map(series.map((s, i) => [s.key, s.user_id === null ? OTHERS_COLOUR : (SERIES_COLOURS[i % SERIES_COLOURS.length] ?? OTHERS_COLOUR)])),
    [series],
  );

  const toggle = (key: string) =>
    setHidden((prev) => {
      const next = new Set(prev);
      if (next.has(key)) next.delete(key);
      else next.add(key);
      return next;
    });

  return (
    <>
      <div
        className="chart chart-clickable"
        role="img"
        aria-label={`Stacked bars of hours watched per day by ${series.length} users: ${series
          .map((s) => `${s.name} ${formatHm(s.seconds)}`)
          .join(", ")}`}
      >
        <ResponsiveContainer width="100%" height={280}>
          <BarChart
            data={data}
            margin={{ top: 8, right: 8, bottom: 0, left: -12 }}
            style={{ cursor: "pointer" }}
            onClick={(state) => {
              // A click beside the bars (a segment's own click stops before here): everyone's plays that day.
              if (typeof state.activeLabel === "string") void navigate(dayHistoryHref(state.activeLabel));
            }}
          >
            <CartesianGrid vertical={false} stroke="currentColor" strokeOpacity={0.15} />
            <XAxis dataKey="day" tickFormatter={(v: string) => shortDay(v)} tick={{ fill: "currentColor", fontSize: 11 }} minTickGap={16} />
            <YAxis
              tick={{ fill: "currentColor", fontSize: 11 }}
              tickFormatter={(v: number) => `${v} h`}
              allowDecimals={false}
              width={52}
            />
            <Tooltip
              cursor={{ fill: "currentColor", fillOpacity: 0.08 }}
              content={(props) => <DayTip {...props} series={series} hidden={hidden} colours={colours} />}
            />
            {series.map((s) => (
              <Bar
                key={s.key}
                dataKey={s.key}
                name={s.name}
                stackId="users"
                fill={colours.get(s.key)}
                hide={hidden.has(s.key)}
                isAnimationActive={false}
                cursor="pointer"
                onClick={(entry, _index, event) => {
                  const day = (entry as { payload?: { day?: unknown } }).payload?.day;
                  if (typeof day !== "string") return;
                  event.stopPropagation();
                  void navigate(dayHistoryHref(day, s.user_id ?? undefined)); // "Everyone else": the whole day
                }}
              />
            ))}
          </BarChart>
        </ResponsiveContainer>
      </div>
      <p className="chart-hint muted">
        Click a bar to see its plays in History, or beside it for everyone's plays that day ·{" "}
        <Link to={historyHref(windowDays(days, today))}>All plays of these {days === 1 ? "day" : `${days} days`}</Link>
      </p>
      <div className="legend-buttons" role="group" aria-label="Legend: click a user to show or hide their bars">
        {series.map((s) => (
          <button key={s.key} type="button" aria-pressed={!hidden.has(s.key)} onClick={() => toggle(s.key)}>
            <span className="swatch" style={{ background: colours.get(s.key) }} aria-hidden="true" />
            <span>{s.name}</span> <span className="muted tabular">{formatHm(s.seconds)}</span>
          </button>
        ))}
      </div>
    </>
  );
}

/** A name short enough for a tooltip line. */
function clip(name: string, max = 32): string {
  const chars = Array.from(name);
  return chars.length > max ? `${chars.slice(0, max - 1).join("")}…` : name;
}

/** The hovered day: who watched how long (h:mm from the API's seconds), most first, and the day's total. */
function DayTip({
  active,
  payload,
  series,
  hidden,
  colours,
}: Pick<TooltipContentProps, "active" | "payload"> & {
  series: UsageSeries[];
  hidden: ReadonlySet<string>;
  colours: Map<string, string>;
}) {
  const datum = payload?.[0]?.payload as UsageDatum | undefined;
  if (!active || !datum) return null;
  const { total, users } = dayBreakdown(datum, series, hidden);
  return (
    <div className="chart-tip">
      <div className="chart-tip-head">
        <strong>{shortDay(datum.day, true)}</strong> <span className="tabular">{formatHm(total)}</span>
      </div>
      {users.length === 0 ? (
        <div className="muted">No plays</div>
      ) : (
        <ul>
          {users.map((u) => (
            <li key={u.key}>
              <span className="swatch" style={{ background: colours.get(u.key) }} aria-hidden="true" />
              <span className="chart-tip-name">{clip(u.name)}</span>
              <span className="tabular">{formatHm(u.seconds)}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
