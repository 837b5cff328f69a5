import { useLayoutEffect, useRef, useState, type CSSProperties, type KeyboardEvent, type ReactNode } from "react";
import { Link, useNavigate } from "react-router";
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { useMostActiveUsers, useConcurrency, useHeatmap, usePlayMethods, useUsage } from "../../api/queries";
import { formatClock, formatCount } from "../../lib/format";
import {
  WEEKDAYS,
  buildCalendar,
  buildHeatGrid,
  calendarStep,
  formatDhm,
  formatHm,
  hourSpan,
  sortedCounts,
  todayIn,
  windowLabel,
  type Window,
} from "../../lib/stats";
import { dayHistoryHref, dayOf, methodHistoryHref, userHref } from "../../lib/links";
import { StatCard } from "./StatCard";
import { TOOLTIP_STYLE, shortDay } from "./chart";

// ---------------------------------------------------------------- most active users

export function ActiveUsersCard({ win, timeZone }: { win: Window; timeZone: string | undefined }) {
  const query = useMostActiveUsers(win);
  return (
    <StatCard id="active-users" title="Most active users" window={windowLabel(win)} query={query} isEmpty={(d) => d.length === 0}>
      {(rows) => (
        <div className="table-wrap">
          <table className="stat-table">
            <thead>
              <tr>
                <th scope="col">User</th>
                <th scope="col">Watch time</th>
                <th scope="col">Active days</th>
                <th scope="col">Plays</th>
                <th scope="col">Last seen</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((u) => (
                <tr key={u.user_id}>
                  <td className="cell-name">
                    <Link to={userHref(u.user_id, win)}>{u.user ?? `User ${u.user_id.slice(0, 8)}`}</Link>
                  </td>
                  <td className="tabular" title={`${formatHm(u.seconds)} h:mm`}>
                    {formatDhm(u.days, u.hours, u.minutes)}
                  </td>
                  <td className="tabular">{formatCount(u.active_days)}</td>
                  <td className="tabular">{formatCount(u.plays)}</td>
                  <td className="tabular">{u.last_seen ? formatClock(u.last_seen, timeZone) : "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </StatCard>
  );
}

// ---------------------------------------------------------------- play methods and transcode reasons

const METHODS = [
  { key: "DirectPlay", label: "Direct Play", tone: "dp" },
  { key: "DirectStream", label: "Direct Stream", tone: "ds" },
  { key: "Transcode", label: "Transcode", tone: "tc" },
] as const;

export function PlayMethodsCard({ win, timeZone }: { win: Window; timeZone: string | undefined }) {
  const query = usePlayMethods(win);
  const navigate = useNavigate();
  const today = todayIn(timeZone);
  return (
    <StatCard
      id="play-methods"
      title="Play methods"
      window={windowLabel(win)}
      query={query}
      isEmpty={(d) => METHODS.every((m) => !d.methods[m.key])}
    >
      {(d) => {
        const counts = METHODS.map((m) => ({ ...m, n: d.methods[m.key] ?? 0 }));
        const total = counts.reduce((a, m) => a + m.n, 0);
        const reasons = sortedCounts(d.transcode_reasons);
        const maxReason = Math.max(1, ...reasons.map((r) => r.count));
        const pct = (n: number) => (total ? Math.round((n / total) * 100) : 0);
        return (
          <>
            <div
              className="method-bar method-bar-links"
              role="img"
              aria-label={`Plays by method: ${counts.map((m) => `${m.label} ${formatCount(m.n)} (${pct(m.n)}%)`).join(", ")}`}
            >
              {counts.map((m) =>
                m.n ? (
                  // The legend below holds the same links for the keyboard; a click on the bar is a shortcut.
                  <span
                    key={m.key}
                    className={`seg seg-${m.tone}`}
                    style={{ flexGrow: m.n }}
                    title={`${m.label}: ${formatCount(m.n)} — click for these plays`}
                    onClick={() => void navigate(methodHistoryHref(m.key, win, today))}
                  />
                ) : null,
              )}
            </div>
            <ul className="method-legend">
              {counts.map((m) => (
                <li key={m.key}>
                  <Link to={methodHistoryHref(m.key, win, today)} aria-label={`${m.label}: ${formatCount(m.n)} plays (${pct(m.n)}%), see them in History`}>
                    <span className={`swatch seg-${m.tone}`} aria-hidden="true" />
                    {m.label} <strong className="tabular">{formatCount(m.n)}</strong>{" "}
                    <span className="muted tabular">{pct(m.n)}%</span>
                  </Link>
                </li>
              ))}
            </ul>
            <p className="chart-hint muted">Click a method to see its plays in History.</p>
            <h3 className="sub-heading">Transcode reasons</h3>
            {reasons.length === 0 ? (
              <p className="muted">No transcodes with a reason in this window.</p>
            ) : (
              <ul className="hbars" aria-label="Transcoded plays per reason">
                {reasons.map((r) => (
                  <li key={r.name}>
                    <span className="hbar-label" title={`${d.transcode_reasons_text?.[r.name] ?? r.name} (${r.name})`}>
                      {d.transcode_reasons_text?.[r.name] ?? r.name}
                    </span>
                    <span className="hbar-track" aria-hidden="true">
                      <span className="hbar-fill seg-tc" style={{ width: `${(r.count / maxReason) * 100}%` }} />
                    </span>
                    <span className="hbar-value tabular">{formatCount(r.count)}</span>
                  </li>
                ))}
              </ul>
            )}
          </>
        );
      }}
    </StatCard>
  );
}

// ---------------------------------------------------------------- activity calendar

function Scale() {
  return (
    <div className="scale" aria-hidden="true">
      <span>Less</span>
      {[0, 1, 2, 3, 4].map((l) => (
        <span key={l} className={`cell lv${l}`} />
      ))}
      <span>More</span>
    </div>
  );
}

export function CalendarCard({ timeZone }: { timeZone: string | undefined }) {
  const query = useUsage(365, 0); // each day's total: the calendar draws no one by name
  return (
    <StatCard id="calendar" title="Activity calendar" window="Last 12 months" query={query} isEmpty={(d) => d.length === 0} wide>
      {(rows) => <Calendar rows={rows} today={todayIn(timeZone)} />}
    </StatCard>
  );
}

/**
 * The year as a grid of days, a week per column. A day with plays links to its history. One tab stop: the arrow
 * keys move between days (a grid's keys), so a year of links does not stand between the keyboard and the next card.
 */
function Calendar({ rows, today }: { rows: readonly { day: string; seconds: number }[]; today: string }) {
  const cal = buildCalendar(rows, today, 365);
  const real = cal.weeks.flatMap((w) => w.cells.filter((c) => !c.pad));
  const first = real[0]?.day ?? today;
  const last = real[real.length - 1]?.day ?? today;
  const latestActive = [...real].reverse().find((c) => c.seconds > 0)?.day ?? last;
  const [focusDay, setFocusDay] = useState<string | null>(null);
  const current = focusDay !== null && focusDay >= first && focusDay <= last ? focusDay : latestActive;
  const grid = useRef<HTMLDivElement>(null);

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const next = calendarStep(current, e.key, first, last);
    if (next === null) return;
    e.preventDefault();
    setFocusDay(next);
    grid.current?.querySelector<HTMLElement>(`[data-day="${next}"]`)?.focus();
  };

  return (
    <>
      <p className="stat-summary muted tabular">
        {formatHm(cal.totalSeconds)} h:mm on {formatCount(cal.activeDays)} days · busiest day {formatHm(cal.maxSeconds)}
      </p>
      <ScrollToEnd>
        <div
          ref={grid}
          className="calendar"
          role="grid"
          aria-label="Hours watched per day over the last 12 months; a day with plays opens them in History"
          style={{ "--weeks": cal.weeks.length } as CSSProperties}
          onKeyDown={onKeyDown}
        >
          <div className="calendar-months" aria-hidden="true">
            <span />
            {cal.weeks.map((w) => (
              <span key={w.start}>{w.month}</span>
            ))}
          </div>
          <div className="calendar-weeks" role="rowgroup">
            <div className="calendar-days" aria-hidden="true">
              {WEEKDAYS.map((d, i) => (
                <span key={d}>{i % 2 === 0 && i < 6 ? d.slice(0, 3) : ""}</span>
              ))}
            </div>
            {cal.weeks.map((w) => (
              <div key={w.start} className="calendar-week" role="row">
                {w.cells.map((c) =>
                  c.pad ? (
                    <span key={c.day} className="cell pad" aria-hidden="true" />
                  ) : (
                    <span key={c.day} role="gridcell" className="calendar-cell">
                      {c.seconds > 0 ? (
                        <Link
                          to={dayHistoryHref(c.day)}
                          className={`cell lv${c.level}`}
                          data-day={c.day}
                          tabIndex={c.day === current ? 0 : -1}
                          onFocus={() => setFocusDay(c.day)}
                          title={`${shortDay(c.day, true)}: ${formatHm(c.seconds)} h:mm — click for that day's plays`}
                          aria-label={`${shortDay(c.day, true)}: ${formatHm(c.seconds)} hours, see that day's plays`}
                        />
                      ) : (
                        <span
                          className={`cell lv${c.level}`}
                          data-day={c.day}
                          tabIndex={c.day === current ? 0 : -1}
                          onFocus={() => setFocusDay(c.day)}
                          title={`${shortDay(c.day, true)}: nothing watched`}
                          aria-label={`${shortDay(c.day, true)}: nothing watched`}
                        />
                      )}
                    </span>
                  ),
                )}
              </div>
            ))}
          </div>
        </div>
      </ScrollToEnd>
      <div className="calendar-foot">
        <p className="chart-hint muted">Click a day to see its plays; the arrow keys move between days.</p>
        <Scale />
      </div>
    </>
  );
}

/** A sideways-scrolling box that starts at its end (the calendar's latest weeks, on a phone). */
function ScrollToEnd({ children }: { children: ReactNode }) {
  const ref = useRef<HTMLDivElement>(null);
  useLayoutEffect(() => {
    const el = ref.current;
    if (el) el.scrollLeft = el.scrollWidth;
  }, []);
  return (
    <div ref={ref} className="calendar-scroll">
      {children}
    </div>
  );
}

// ---------------------------------------------------------------- weekday × hour heatmap

export function HeatmapCard({ win }: { win: Window }) {
  const query = useHeatmap(win);
  return (
    <StatCard
      id="heatmap"
      title="When people watch"
      window={`${windowLabel(win)}, by weekday and hour`}
      query={query}
      isEmpty={(d) => d.every((c) => !c.seconds)}
      wide
    >
      {(cells) => {
        const grid = buildHeatGrid(cells);
        return (
          <>
            <div className="heatmap" role="grid" aria-label="Hours watched by weekday and hour of day">
              <div className="heat-row heat-hours" role="row" aria-hidden="true">
                <span />
                {Array.from({ length: 24 }, (_, h) => (
                  <span key={h} className="heat-hour">
                    {h % 3 === 0 ? h : ""}
                  </span>
                ))}
              </div>
              {grid.rows.map((row) => (
                <div key={row.weekday} className="heat-row" role="row">
                  <span className="heat-day" role="rowheader">
                    {WEEKDAYS[row.weekday]?.slice(0, 3)}
                  </span>
                  {row.cells.map((c) => {
                    const label = `${WEEKDAYS[c.weekday]} ${hourSpan(c.hour)}: ${formatHm(c.seconds)} hours`;
                    return <span key={c.hour} role="gridcell" className={`cell lv${c.level}`} title={label} aria-label={label} />;
                  })}
                </div>
              ))}
            </div>
            <Scale />
          </>
        );
      }}
    </StatCard>
  );
}

// ---------------------------------------------------------------- concurrency

export function ConcurrencyCard({ win, timeZone }: { win: Window; timeZone: string | undefined }) {
  const query = useConcurrency(win);
  const navigate = useNavigate();
  return (
    <StatCard
      id="concurrency"
      title="Concurrent streams"
      window={`${windowLabel(win)} · daily peak`}
      query={query}
      isEmpty={(d) => d.days.every((x) => !x.peak) && !d.peak}
    >
      {(d) => {
        const windowPeak = d.days.reduce((m, x) => Math.max(m, x.peak), 0);
        const peakDay = d.peak_at ? dayOf(d.peak_at, timeZone) : null;
        return (
          <>
            <dl className="peaks">
              <div>
                <dt>All-time peak</dt>
                <dd>
                  <strong className="tabular">{formatCount(d.peak)}</strong>{" "}
                  {d.peak_at ? (
                    <span className="muted">
                      on{" "}
                      {peakDay ? (
                        <Link to={dayHistoryHref(peakDay)} aria-label={`${formatLong(d.peak_at, timeZone)}, see that day's plays`}>
                          {formatLong(d.peak_at, timeZone)}
                        </Link>
                      ) : (
                        formatLong(d.peak_at, timeZone)
                      )}
                    </span>
                  ) : null}
                </dd>
              </div>
              <div>
                <dt>Peak in this window</dt>
                <dd>
                  <strong className="tabular">{formatCount(windowPeak)}</strong>
                </dd>
              </div>
            </dl>
            {d.days.length > 0 ? (
              <div className="chart chart-clickable" role="img" aria-label={`Daily peak of plays at the same moment; highest in the window ${windowPeak}`}>
                <ResponsiveContainer width="100%" height={200}>
                  <LineChart
                    data={d.days}
                    margin={{ top: 8, right: 12, bottom: 0, left: -24 }}
                    style={{ cursor: "pointer" }}
                    onClick={(state) => {
                      if (typeof state.activeLabel === "string") void navigate(dayHistoryHref(state.activeLabel));
                    }}
                  >
                    <CartesianGrid vertical={false} stroke="currentColor" strokeOpacity={0.15} />
                    <XAxis dataKey="day" tickFormatter={(v: string) => shortDay(v)} tick={{ fill: "currentColor", fontSize: 11 }} minTickGap={16} />
                    <YAxis allowDecimals={false} tick={{ fill: "currentColor", fontSize: 11 }} width={48} />
                    <Tooltip
                      {...TOOLTIP_STYLE}
                      labelFormatter={(day) => shortDay(String(day), true)}
                      formatter={(v, _n, item) => {
                        const at = (item.payload as { at?: string | null } | undefined)?.at;
                        return [`${formatCount(Number(v))}${at ? ` at ${formatClock(at, timeZone, new Date(at))}` : ""}`, "Peak"];
                      }}
                    />
                    <Line
                      type="linear"
                      dataKey="peak"
                      name="Peak"
                      stroke="#4c9aff"
                      strokeWidth={2}
                      dot={false}
                      activeDot={{ r: 5, cursor: "pointer" }}
                      isAnimationActive={false}
                    />
                  </LineChart>
                </ResponsiveContainer>
              </div>
            ) : null}
            {d.days.length > 0 ? <p className="chart-hint muted">Click a day on the line to see its plays.</p> : null}
          </>
        );
      }}
    </StatCard>
  );
}

function formatLong(iso: string, timeZone: string | undefined): string {
  const when = new Date(iso);
  if (Number.isNaN(when.getTime())) return "";
  return new Intl.DateTimeFormat("en-GB", {
    timeZone,
    weekday: "short",
    day: "numeric",
    month: "short",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
  }).format(when);
}
