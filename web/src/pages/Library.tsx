import { useEffect, useRef, type ReactNode } from "react";
import { Link, useSearchParams } from "react-router";
import { useCodecs, useItemsBy, useLibrary, useQualities } from "../api/queries";
import type { TypeTotals } from "../api/types";
import { Empty, ErrorBox, Loading } from "../components/States";
import { ItemsTable } from "../components/stats/ItemsTable";
import { QUALITY_ORDER } from "../components/stats/MediaCards";
import { formatCount, formatHours } from "../lib/format";
import { formatBytes, pageCount, parseSelection, selectionSearch, type ListKind, type Selection } from "../lib/library";
import { countRows } from "../lib/stats";

const PAGE_SIZE = 25;
const NO_ITEMS = "No items in the library yet.";

function hours(h: number): string {
  return `${formatHours(h)} h`;
}

export function Library() {
  const [params] = useSearchParams();
  const selection = parseSelection(params);
  return (
    <>
      <Totals />
      <div className="two-col">
        <QualityBreakdown selection={selection} />
        <CodecBreakdown selection={selection} />
      </div>
      {selection ? <ItemList key={`${selection.kind}:${selection.value}`} selection={selection} /> : null}
    </>
  );
}

// ---------------------------------------------------------------- totals, by type, by library

function Totals() {
  const query = useLibrary();
  const body = (content: (d: NonNullable<typeof query.data>) => ReactNode) =>
    query.isPending ? (
      <Loading label="Loading the library…" />
    ) : query.isError ? (
      <ErrorBox error={query.error} title="Could not load the library" onRetry={() => void query.refetch()} />
    ) : query.data.items === 0 ? (
      <Empty>{NO_ITEMS}</Empty>
    ) : (
      content(query.data)
    );

  return (
    <>
      <section className="section" aria-labelledby="library-totals-title">
        <h2 id="library-totals-title">Totals</h2>
        {body((d) => (
          <div className="kpi-grid library-kpis">
            <div className="kpi">
              <div className="kpi-label">Items</div>
              <div className="kpi-value tabular">{formatCount(d.items)}</div>
            </div>
            <div className="kpi">
              <div className="kpi-label">Total size</div>
              <div className="kpi-value tabular" title={`${formatCount(d.size_bytes)} bytes`}>
                {formatBytes(d.size_bytes)}
              </div>
            </div>
            <div className="kpi">
              <div className="kpi-label">Total runtime</div>
              <div className="kpi-value tabular">{hours(d.runtime_hours)}</div>
            </div>
          </div>
        ))}
      </section>
      <div className="two-col">
        <section className="section" aria-labelledby="library-types-title">
          <h2 id="library-types-title">By type</h2>
          {body((d) => (
            <div className="table-wrap">
              <table className="data-table stack-table">
                <thead>
                  <tr>
                    <th scope="col">Type</th>
                    <NumberHeads />
                  </tr>
                </thead>
                <tbody>
                  {d.by_type.map((t) => (
                    <tr key={t.type}>
                      <th scope="row" data-label="Type">
                        {t.type}
                      </th>
                      <NumberCells totals={t} />
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ))}
        </section>
        <section className="section" aria-labelledby="library-libraries-title">
          <h2 id="library-libraries-title">By library</h2>
          {body((d) =>
            d.libraries.length === 0 ? (
              <Empty>No Emby libraries are known yet.</Empty>
            ) : (
              <div className="table-wrap">
                <table className="data-table stack-table">
                  <thead>
                    <tr>
                      <th scope="col">Library</th>
                      <th scope="col">Collection type</th>
                      <NumberHeads />
                    </tr>
                  </thead>
                  <tbody>
                    {d.libraries.map((lib, i) => (
                      <tr key={lib.library_id ?? `none-${i}`}>
                        <th scope="row" data-label="Library" className="name-cell">
                          {lib.name ?? <span className="muted">No library</span>}
                        </th>
                        <td data-label="Collection type">{lib.collection_type ?? "—"}</td>
                        <NumberCells totals={lib} />
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            ),
          )}
        </section>
      </div>
    </>
  );
}

function NumberHeads() {
  return (
    <>
      <th scope="col" className="num">
        Items
      </th>
      <th scope="col" className="num">
        Size
      </th>
      <th scope="col" className="num">
        Runtime
      </th>
    </>
  );
}

function NumberCells({ totals }: { totals: Pick<TypeTotals, "items" | "size_bytes" | "runtime_hours"> }) {
  return (
    <>
      <td data-label="Items" className="num tabular">
        {formatCount(totals.items)}
      </td>
      <td data-label="Size" className="num tabular" title={`${formatCount(totals.size_bytes)} bytes`}>
        {formatBytes(totals.size_bytes)}
      </td>
      <td data-label="Runtime" className="num tabular">
        {hours(totals.runtime_hours)}
      </td>
    </>
  );
}

// ---------------------------------------------------------------- qualities and codecs

function QualityBreakdown({ selection }: { selection: Selection | null }) {
  const query = useQualities();
  return <Breakdown kind="quality" selection={selection} query={query} buckets={query.data?.buckets} />;
}

function CodecBreakdown({ selection }: { selection: Selection | null }) {
  const query = useCodecs();
  return <Breakdown kind="codec" selection={selection} query={query} buckets={query.data?.codecs} />;
}

interface BucketQuery {
  isPending: boolean;
  isError: boolean;
  error: unknown;
  refetch: () => Promise<unknown>;
}

function Breakdown({
  kind,
  selection,
  query,
  buckets,
}: {
  kind: ListKind;
  selection: Selection | null;
  query: BucketQuery;
  buckets: Record<string, Record<string, number> | undefined> | undefined;
}) {
  const title = kind === "quality" ? "Qualities" : "Codecs";
  const noun = kind === "quality" ? "Quality" : "Codec";
  const id = `library-${kind}-title`;

  let content: ReactNode;
  if (query.isPending) content = <Loading label={`Loading ${title.toLowerCase()}…`} />;
  else if (query.isError || !buckets)
    content = <ErrorBox error={query.error} title={`Could not load the ${title.toLowerCase()}`} onRetry={() => void query.refetch()} />;
  else {
    const { rows, types } = countRows(buckets, kind === "quality" ? QUALITY_ORDER : undefined);
    content =
      rows.length === 0 ? (
        <Empty>{NO_ITEMS}</Empty>
      ) : (
        <div className="table-wrap">
          <table className="data-table stack-table bucket-table">
            <thead>
              <tr>
                <th scope="col">{noun}</th>
                <th scope="col" className="num">
                  Items
                </th>
                <th scope="col">By type</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => {
                const current = selection?.kind === kind && selection.value === r.name;
                return (
                  <tr key={r.name} className={current ? "current" : undefined}>
                    <th scope="row" data-label={noun}>
                      <Link
                        to={{ search: selectionSearch({ kind, value: r.name, page: 1 }) }}
                        aria-current={current ? "true" : undefined}
                        aria-label={`${r.name}: list its ${formatCount(r.total)} items`}
                      >
                        {r.name}
                      </Link>
                    </th>
                    <td data-label="Items" className="num tabular">
                      {formatCount(r.total)}
                    </td>
                    <td data-label="By type" className="muted">
                      {types
                        .filter((t) => Number(r[`t:${t}`]) > 0)
                        .map((t) => `${t} ${formatCount(Number(r[`t:${t}`]))}`)
                        .join(" · ")}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      );
  }

  return (
    <section className="section" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      <p className="summary-line">Pick a {noun.toLowerCase()} to list its items.</p>
      {content}
    </section>
  );
}

// ---------------------------------------------------------------- one bucket's items, paged in the URL

function ItemList({ selection }: { selection: Selection }) {
  const [, setParams] = useSearchParams();
  const query = useItemsBy(selection.kind, selection.value, selection.page, PAGE_SIZE);
  const ref = useRef<HTMLElement>(null);

  // A new pick shows its list: bring it into view (the list sits below the breakdowns).
  useEffect(() => {
    ref.current?.scrollIntoView?.({ block: "start", behavior: "smooth" });
  }, []);

  const data = query.data;
  const pages = data ? pageCount(data.total, data.page_size || PAGE_SIZE) : 1;
  const go = (page: number) => setParams(new URLSearchParams(selectionSearch({ ...selection, page })));
  const title = selection.kind === "quality" ? `Items: quality ${selection.value}` : `Items: codec ${selection.value}`;

  return (
    <section ref={ref} className="section library-items" aria-labelledby="library-items-title">
      <div className="section-head">
        <h2 id="library-items-title">{title}</h2>
        <Link to={{ search: "" }} className="btn btn-small">
          Clear
        </Link>
      </div>
      {query.isPending ? (
        <Loading label="Loading the items…" />
      ) : query.isError && !data ? (
        <ErrorBox error={query.error} title="Could not load these items" onRetry={() => void query.refetch()} />
      ) : !data || data.total === 0 ? (
        <Empty>No items here.</Empty>
      ) : (
        <>
          <p className="summary-line tabular" aria-live="polite">
            {formatCount(data.total)} items · page {formatCount(selection.page)} of {formatCount(pages)}
          </p>
          {data.items.length === 0 ? (
            <Empty>
              This page is past the end. <Link to={{ search: selectionSearch({ ...selection, page: 1 }) }}>Go to page 1</Link>
            </Empty>
          ) : (
            <div className={query.isPlaceholderData ? "table-wrap stale" : "table-wrap"}>
              <ItemsTable
                items={data.items}
                busy={query.isFetching}
                className="stack-table"
                caption={`${title}, page ${selection.page} of ${pages}`}
              />
            </div>
          )}
        </>
      )}
      <nav className="pager" aria-label="Pages">
        <button
          type="button"
          className="btn"
          disabled={selection.page <= 1 || query.isFetching}
          onClick={() => go(Math.min(selection.page - 1, pages))}
        >
          Previous
        </button>
        <button type="button" className="btn" disabled={!data || selection.page >= pages || query.isFetching} onClick={() => go(selection.page + 1)}>
          Next
        </button>
      </nav>
    </section>
  );
}
