import { useEffect, useRef, useState } from "react";
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { useCodecs, useItemsBy, useQualities } from "../../api/queries";
import { formatCount } from "../../lib/format";
import { countRows } from "../../lib/stats";
import { Empty, ErrorBox, Loading } from "../States";
import { ItemsTable } from "./ItemsTable";
import { StatCard } from "./StatCard";
import { SERIES_COLOURS, TOOLTIP_STYLE } from "./chart";

/** Quality buckets best first (the order `/stats/qualities` means them). */
export const QUALITY_ORDER = ["8K", "4K", "1080p", "720p", "SD", "Unknown"];
const NO_ITEMS = "No items in the library yet";

type Kind = "quality" | "codec";
interface Pick {
  kind: Kind;
  value: string;
}

function CountBars({
  buckets,
  order,
  kind,
  onPick,
}: {
  buckets: Record<string, Record<string, number> | undefined>;
  order?: readonly string[];
  kind: Kind;
  onPick: (p: Pick) => void;
}) {
  const { rows, types } = countRows(buckets, order);
  const noun = kind === "quality" ? "quality" : "codec";
  const height = Math.max(160, Math.min(rows.length, 12) * 34 + 40);
  const shown = rows.slice(0, 12);
  return (
    <>
      <div
        className="chart chart-clickable"
        role="img"
        aria-label={`Items per ${noun}: ${rows.map((r) => `${r.name} ${formatCount(r.total)}`).join(", ")}`}
      >
        <ResponsiveContainer width="100%" height={height}>
          <BarChart data={shown} layout="vertical" margin={{ top: 4, right: 12, bottom: 0, left: 0 }}>
            <CartesianGrid horizontal={false} stroke="currentColor" strokeOpacity={0.15} />
            <XAxis type="number" allowDecimals={false} tick={{ fill: "currentColor", fontSize: 11 }} />
            <YAxis type="category" dataKey="name" width={72} tick={{ fill: "currentColor", fontSize: 12 }} interval={0} />
            <Tooltip {...TOOLTIP_STYLE} cursor={{ fill: "currentColor", fillOpacity: 0.08 }} formatter={(v) => formatCount(Number(v))} />
            {types.map((t, i) => (
              <Bar
                key={t}
                dataKey={`t:${t}`}
                name={t}
                stackId="types"
                fill={SERIES_COLOURS[i % SERIES_COLOURS.length]}
                isAnimationActive={false}
                cursor="pointer"
                onClick={(entry) => {
                  const name = (entry as { payload?: { name?: unknown } }).payload?.name;
                  if (typeof name === "string") onPick({ kind, value: name });
                }}
              />
            ))}
          </BarChart>
        </ResponsiveContainer>
      </div>
      <div className="legend-line muted">
        {types.map((t, i) => (
          <span key={t}>
            <span className="swatch" style={{ background: SERIES_COLOURS[i % SERIES_COLOURS.length] }} aria-hidden="true" />
            {t}
          </span>
        ))}
      </div>
      <div className="bucket-buttons" role="group" aria-label={`List the items of a ${noun}`}>
        {rows.map((r) => (
          <button key={r.name} type="button" className="btn" onClick={() => onPick({ kind, value: r.name })}>
            {r.name} <span className="muted tabular">{formatCount(r.total)}</span>
          </button>
        ))}
      </div>
    </>
  );
}

export function QualitiesCard() {
  const query = useQualities();
  const [pick, setPick] = useState<Pick | null>(null);
  return (
    <StatCard
      id="qualities"
      title="Media qualities"
      window="Library now"
      query={query}
      isEmpty={(d) => Object.values(d.buckets).every((b) => Object.values(b ?? {}).every((n) => !n))}
      empty={NO_ITEMS}
    >
      {(d) => (
        <>
          <CountBars buckets={d.buckets} order={QUALITY_ORDER} kind="quality" onPick={setPick} />
          {pick ? <Drilldown key={`${pick.kind}:${pick.value}`} pick={pick} onClose={() => setPick(null)} /> : null}
        </>
      )}
    </StatCard>
  );
}

export function CodecsCard() {
  const query = useCodecs();
  const [pick, setPick] = useState<Pick | null>(null);
  return (
    <StatCard
      id="codecs"
      title="Video codecs"
      window="Library now"
      query={query}
      isEmpty={(d) => Object.keys(d.codecs).length === 0}
      empty={NO_ITEMS}
    >
      {(d) => (
        <>
          <CountBars buckets={d.codecs} kind="codec" onPick={setPick} />
          {pick ? <Drilldown key={`${pick.kind}:${pick.value}`} pick={pick} onClose={() => setPick(null)} /> : null}
        </>
      )}
    </StatCard>
  );
}

const PAGE_SIZE = 25;

/** A modal list of the items a bar counts, paged; Esc or Close closes it and focus goes back where it was. */
function Drilldown({ pick, onClose }: { pick: Pick; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const [page, setPage] = useState(1);
  const query = useItemsBy(pick.kind, pick.value, page, PAGE_SIZE);

  useEffect(() => {
    const dialog = ref.current;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (dialog && !dialog.open) dialog.showModal();
    return () => {
      // Gone from the page (not StrictMode's trial unmount): focus goes back to the button that opened it.
      if (!dialog?.isConnected) opener?.focus();
    };
  }, []);

  const data = query.data;
  const pages = data ? Math.max(1, Math.ceil(data.total / (data.page_size || PAGE_SIZE))) : 1;
  const title = pick.kind === "quality" ? `${pick.value} items` : `Items in ${pick.value}`;
  return (
    <dialog
      ref={ref}
      className="drilldown"
      aria-labelledby="drilldown-title"
      onClose={onClose}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
      onClick={(e) => {
        if (e.target === ref.current) onClose(); // a click on the backdrop
      }}
    >
      <div className="drilldown-head">
        <h3 id="drilldown-title">{title}</h3>
        <button type="button" className="btn" onClick={onClose} aria-label="Close">
          Close
        </button>
      </div>
      {query.isPending ? (
        <Loading />
      ) : query.isError && !data ? (
        <ErrorBox error={query.error} onRetry={() => void query.refetch()} />
      ) : !data || data.items.length === 0 ? (
        <Empty>No items here.</Empty>
      ) : (
        <>
          <p className="muted tabular" aria-live="polite">
            {formatCount(data.total)} items · page {data.page} of {pages}
          </p>
          <div className="table-wrap">
            <ItemsTable items={data.items} busy={query.isFetching} />
          </div>
        </>
      )}
      <div className="pager">
        <button type="button" className="btn" disabled={page <= 1 || query.isFetching} onClick={() => setPage((p) => p - 1)}>
          Previous
        </button>
        <button type="button" className="btn" disabled={page >= pages || query.isFetching} onClick={() => setPage((p) => p + 1)}>
          Next
        </button>
      </div>
    </dialog>
  );
}
