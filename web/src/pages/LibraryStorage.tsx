import { useNavigate, useSearchParams } from "react-router";
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { useConfig, useReport } from "../api/queries";
import type { DuplicatePage, Growth, RoiPage, StalePage } from "../api/types";
import { Report, TitleCell, useReportPage } from "../components/library/Report";
import { shortDay, TOOLTIP_STYLE } from "../components/stats/chart";
import { Toggle } from "../components/stats/StatCard";
import { Empty, ErrorBox, Loading } from "../components/States";
import { formatCount, formatDuration, plural } from "../lib/format";
import { formatBytes, formatDate } from "../lib/library";
import { utcToDay } from "../lib/stats";
import {
  growthSeries,
  pagedApiPath,
  parseRoiOrder,
  parseStaleDays,
  roiApiPath,
  STALE_DAYS,
  staleApiPath,
  withParam,
  type RoiOrder,
} from "../lib/storage";

export const REPORT_PAGE_SIZE = 10;

export function LibraryStorage() {
  return (
    <>
      <GrowthSection />
      <StaleSection />
      <RoiSection />
      <DuplicatesSection />
    </>
  );
}

// ---------------------------------------------------------------- growth

function GrowthSection() {
  const query = useReport<Growth>("/stats/storage/growth");
  let body;
  if (query.isPending) body = <Loading label="Loading the library's growth…" />;
  else if (!query.data)
    body = <ErrorBox error={query.error} title="Could not load the library's growth" onRetry={() => void query.refetch()} />;
  else body = <GrowthView growth={query.data} />;
  return (
    <section className="section" aria-labelledby="growth-title">
      <h2 id="growth-title">Growth</h2>
      <p className="summary-line">The library's size once a day, and where its trend leads in the next six months (dashed).</p>
      {body}
    </section>
  );
}

export function GrowthView({ growth }: { growth: Growth }) {
  const rows = growthSeries(growth.snapshots, growth.forecast);
  const last = growth.snapshots[growth.snapshots.length - 1];
  const end = growth.forecast[growth.forecast.length - 1];
  return (
    <>
      {growth.message ? (
        <p className="notice" role="status">
          {growth.message}
        </p>
      ) : null}
      <div className="kpi-grid kpi-grid-4 growth-kpis">
        <div className="kpi">
          <div className="kpi-label">Size now</div>
          <div className="kpi-value tabular">{last ? formatBytes(last.size_bytes) : "—"}</div>
          <div className="kpi-hint">{last ? `${plural(last.items, "item")} on ${shortDay(last.day, true)}` : "no snapshot yet"}</div>
        </div>
        <div className="kpi">
          <div className="kpi-label">Snapshots</div>
          <div className="kpi-value tabular">{formatCount(growth.snapshots.length)}</div>
          <div className="kpi-hint">one a day</div>
        </div>
        <div className="kpi">
          <div className="kpi-label">Trend</div>
          <div className="kpi-value tabular">
            {growth.trend ? `${growth.trend.gb_per_month >= 0 ? "+" : ""}${growth.trend.gb_per_month} GB` : "—"}
          </div>
          <div className="kpi-hint">
            {growth.trend ? `a month${growth.trend.r2 !== null ? ` · fit r² ${growth.trend.r2.toFixed(2)}` : ""}` : "not enough snapshots yet"}
          </div>
        </div>
        <div className="kpi">
          <div className="kpi-label">In six months</div>
          <div className="kpi-value tabular">{end ? formatBytes(end.size_bytes) : "—"}</div>
          <div className="kpi-hint">{end ? `forecast for ${shortDay(end.day, true)}` : "no forecast yet"}</div>
        </div>
      </div>
      {rows.length === 0 ? (
        <Empty>No snapshot of the library yet: the first is taken once the library is synced.</Empty>
      ) : (
        <div className="chart-box" role="img" aria-label={`Library size over ${plural(growth.snapshots.length, "day")}${end ? ", with a six-month forecast" : ""}`}>
          <ResponsiveContainer width="100%" height={240}>
            <LineChart data={rows} margin={{ top: 8, right: 16, bottom: 0, left: 8 }}>
              <CartesianGrid vertical={false} stroke="currentColor" strokeOpacity={0.15} />
              <XAxis
                dataKey="t"
                type="number"
                scale="time"
                domain={["dataMin", "dataMax"]}
                tickFormatter={(v: number) => shortDay(utcToDay(v))}
                tick={{ fill: "currentColor", fontSize: 11 }}
                minTickGap={24}
              />
              <YAxis tickFormatter={(v: number) => formatBytes(v)} tick={{ fill: "currentColor", fontSize: 11 }} width={64} domain={["auto", "auto"]} />
              <Tooltip {...TOOLTIP_STYLE} labelFormatter={(t) => shortDay(utcToDay(Number(t)), true)} formatter={(v) => formatBytes(Number(v))} />
              <Legend />
              <Line type="monotone" dataKey="size" name="Recorded" stroke="var(--accent)" strokeWidth={2} dot={rows.length < 40} connectNulls={false} isAnimationActive={false} />
              <Line
                type="linear"
                dataKey="forecast"
                name="Forecast"
                stroke="var(--ds)"
                strokeWidth={2}
                strokeDasharray="6 4"
                dot={false}
                connectNulls
                isAnimationActive={false}
              />
            </LineChart>
          </ResponsiveContainer>
        </div>
      )}
    </>
  );
}

// ---------------------------------------------------------------- stale

const STALE_LABELS: Record<string, string> = { never: "Never played", "90": "Not in 90 days", "180": "Not in 180 days", "365": "Not in a year" };

function StaleSection() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const days = parseStaleDays(params.get("stale_days"));
  const page = useReportPage("stale_page");
  const query = useReport<StalePage>(staleApiPath(days, page, REPORT_PAGE_SIZE));
  const zone = useConfig().data?.tz;
  const pick = (value: string) => {
    const next = new URLSearchParams(withParam(params, "stale_days", value, "never"));
    next.delete("stale_page");
    void navigate({ search: next.toString() ? `?${next.toString()}` : "" }, { preventScrollReset: true });
  };
  return (
    <Report
      id="stale"
      title="Stale files"
      about="Files nobody played, largest first: what deleting them would free."
      actions={
        <label className="field">
          <span className="visually-hidden">Which files</span>
          <select value={days === null ? "never" : String(days)} onChange={(e) => pick(e.target.value)}>
            {STALE_DAYS.map((d) => {
              const key = d === null ? "never" : String(d);
              return (
                <option key={key} value={key}>
                  {STALE_LABELS[key]}
                </option>
              );
            })}
          </select>
        </label>
      }
      query={query}
      pageKey="stale_page"
      what="stale files"
      empty={days === null ? "Every file has been played at least once." : `Every file was played in the last ${days} days.`}
      summary={(d) => `${plural(d.total, "file")}, ${formatBytes(d.total_size_bytes)} together`}
      rows={(d) => (
        <table className="data-table stack-table report-table">
          <thead>
            <tr>
              <th scope="col">Title</th>
              <th scope="col">Type</th>
              <th scope="col">Quality</th>
              <th scope="col" className="num">
                Size
              </th>
              <th scope="col">Last played</th>
            </tr>
          </thead>
          <tbody>
            {d.items.map((it) => (
              <tr key={it.id}>
                <TitleCell id={it.id} name={it.display} poster={it.poster} />
                <td data-label="Type">{it.media_type}</td>
                <td data-label="Quality">{it.quality}</td>
                <td data-label="Size" className="num tabular" title={`${formatCount(it.size_bytes)} bytes`}>
                  {formatBytes(it.size_bytes)}
                </td>
                <td data-label="Last played" className="tabular">
                  {it.last_played ? formatDate(it.last_played, zone) : <span className="muted">Never</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    />
  );
}

// ---------------------------------------------------------------- watch hours per GB

const ROI_ORDERS = [
  { value: "worst", label: "Worst" },
  { value: "best", label: "Best" },
] as const;

function RoiSection() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const order = parseRoiOrder(params.get("roi_order"));
  const page = useReportPage("roi_page");
  const query = useReport<RoiPage>(roiApiPath(order, page, REPORT_PAGE_SIZE));
  const setOrder = (o: RoiOrder) => {
    const next = new URLSearchParams(withParam(params, "roi_order", o, "worst"));
    next.delete("roi_page");
    void navigate({ search: next.toString() ? `?${next.toString()}` : "" }, { preventScrollReset: true });
  };
  return (
    <Report
      id="roi"
      title="Watch hours per GB"
      about={
        order === "worst"
          ? "What each file's space buys: all-time watch hours per GB, fewest first (ties: largest first)."
          : "What each file's space buys: all-time watch hours per GB, most first."
      }
      actions={<Toggle label="Order" value={order} options={ROI_ORDERS} onChange={setOrder} />}
      query={query}
      pageKey="roi_page"
      what="watch hours per GB"
      empty="No files with a size in the library yet."
      summary={(d) => `${plural(d.total, "file")}`}
      rows={(d) => (
        <table className="data-table stack-table report-table">
          <thead>
            <tr>
              <th scope="col">Title</th>
              <th scope="col">Quality</th>
              <th scope="col" className="num">
                Size
              </th>
              <th scope="col" className="num">
                Watch time
              </th>
              <th scope="col" className="num" aria-sort={order === "worst" ? "ascending" : "descending"}>
                Hours per GB
              </th>
            </tr>
          </thead>
          <tbody>
            {d.items.map((it) => (
              <tr key={it.id}>
                <TitleCell id={it.id} name={it.display} poster={it.poster} />
                <td data-label="Quality">{it.quality}</td>
                <td data-label="Size" className="num tabular" title={`${formatCount(it.size_bytes)} bytes`}>
                  {formatBytes(it.size_bytes)}
                </td>
                <td data-label="Watch time" className="num tabular">
                  {formatDuration(it.seconds)}
                </td>
                <td data-label="Hours per GB" className="num tabular">
                  {it.hours_per_gb.toFixed(3)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    />
  );
}

// ---------------------------------------------------------------- duplicates

function DuplicatesSection() {
  const page = useReportPage("dup_page");
  const query = useReport<DuplicatePage>(pagedApiPath("/stats/storage/duplicates", page, REPORT_PAGE_SIZE));
  return (
    <Report
      id="duplicates"
      title="Duplicates"
      about="The same file listed twice, or the same title in several versions (by provider ids), most space to win first. The largest copy is the one kept in the count."
      query={query}
      pageKey="dup_page"
      what="duplicates"
      empty="No duplicates: every title is there once."
      summary={(d) => `${plural(d.total, "group")}, ${formatBytes(d.reclaimable_bytes)} to win back`}
      rows={(d) => (
        <ol className="dup-groups">
          {d.groups.map((g) => (
            <li key={g.copies.map((c) => c.id).join("|")} className="dup-group">
              <div className="dup-head">
                <strong className="tabular">{formatBytes(g.reclaimable_bytes)}</strong> <span className="muted">to win back</span> ·{" "}
                {plural(g.files, "file")}, {formatBytes(g.size_bytes)} · matched by{" "}
                {g.matched_by.map((m, i) => (
                  <span key={m}>
                    {i > 0 ? ", " : null}
                    <span className="code">{m}</span>
                  </span>
                ))}
              </div>
              <table className="data-table stack-table report-table">
                <thead>
                  <tr>
                    <th scope="col">Copy</th>
                    <th scope="col">Type</th>
                    <th scope="col">Quality</th>
                    <th scope="col" className="num">
                      Size
                    </th>
                    <th scope="col">Kept</th>
                  </tr>
                </thead>
                <tbody>
                  {g.copies.map((c) => (
                    <tr key={c.id}>
                      <TitleCell id={c.id} name={c.display} poster={c.poster} label="Copy" />
                      <td data-label="Type">{c.media_type}</td>
                      <td data-label="Quality">{c.quality}</td>
                      <td data-label="Size" className="num tabular">
                        {formatBytes(c.size_bytes)}
                      </td>
                      <td data-label="Kept">{c.kept ? "Kept (largest)" : <span className="muted">Extra</span>}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </li>
          ))}
        </ol>
      )}
    />
  );
}
