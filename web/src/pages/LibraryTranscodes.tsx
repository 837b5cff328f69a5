import type { ReactNode } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { useConfig, useFixList, useTranscodesByClient } from "../api/queries";
import type { ClientTranscodes, TranscodeFix } from "../api/types";
import { Poster } from "../components/Poster";
import { Empty, ErrorBox, Loading } from "../components/States";
import { formatCount, formatDateTime, formatDuration, formatHours, imageUrl, plural } from "../lib/format";
import { historyHref } from "../lib/links";
import { pageCount } from "../lib/library";
import { parseTranscodeView, sortClients, transcodeSearch, TRANSCODE_TIMEFRAMES, type ClientSort, type TranscodeView } from "../lib/transcodes";
import { timeframeLabel, type Timeframe } from "../lib/window";

export const FIX_PAGE_SIZE = 25;

export function LibraryTranscodes() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const view = parseTranscodeView(params);
  const go = (next: TranscodeView) => void navigate({ search: transcodeSearch(next) });
  return (
    <>
      <div className="toolbar transcode-toolbar">
        <p className="summary-line">
          Which files make which clients transcode, why, and what would let them play directly. From the plays begun in the
          window (Live TV left out).
        </p>
        <label className="field">
          <span>Window</span>{" "}
          <select value={view.timeframe} onChange={(e) => go({ ...view, timeframe: e.target.value as Timeframe, page: 1 })}>
            {TRANSCODE_TIMEFRAMES.map((tf) => (
              <option key={tf} value={tf}>
                {timeframeLabel(tf)}
              </option>
            ))}
          </select>
        </label>
      </div>
      <FixListSection view={view} go={go} />
      <ByClientSection view={view} />
    </>
  );
}

// ---------------------------------------------------------------- the fix-list

function FixListSection({ view, go }: { view: TranscodeView; go: (v: TranscodeView) => void }) {
  const query = useFixList(view, FIX_PAGE_SIZE);
  const zone = useConfig().data?.tz;
  const data = query.data;
  const pages = data ? pageCount(data.total, data.limit || FIX_PAGE_SIZE) : 1;
  const answered = data ? Math.floor(data.offset / (data.limit || FIX_PAGE_SIZE)) + 1 : view.page;
  let body: ReactNode;
  if (query.isPending) body = <Loading label="Loading the fix-list…" />;
  else if (!data) body = <ErrorBox error={query.error} title="Could not load the fix-list" onRetry={() => void query.refetch()} />;
  else if (data.total === 0)
    body = (
      <Empty>
        No transcodes {view.client !== null ? "on this client " : ""}in this window: {view.client !== null ? "its" : "every"} play was
        direct.
      </Empty>
    );
  else if (data.fixes.length === 0)
    body = (
      <Empty>
        This page is past the end. <Link to={{ search: transcodeSearch({ ...view, page: 1 }) }}>Go to page 1</Link>
      </Empty>
    );
  else
    body = (
      <>
        <p className="summary-line tabular" aria-live="polite">
          {plural(data.total, "file on a client", "files on clients")} transcoded, most transcoded time first · page{" "}
          {formatCount(answered)} of {formatCount(pages)}
        </p>
        <ol className={query.isPlaceholderData ? "fix-list stale" : "fix-list"} start={data.offset + 1} aria-busy={query.isFetching}>
          {data.fixes.map((fix, i) => (
            <FixCard key={`${fix.item_id}|${fix.client ?? ""}|${fix.reasons.join(" ")}`} fix={fix} rank={data.offset + i + 1} zone={zone} />
          ))}
        </ol>
      </>
    );
  return (
    <section className="section" aria-labelledby="fix-list-title">
      <div className="section-head">
        <h2 id="fix-list-title">Transcode fix-list</h2>
        {view.client !== null ? (
          <span className="filter-chip">
            Client: <span className="client-name">{view.client}</span>{" "}
            <Link to={{ search: transcodeSearch({ ...view, client: null, page: 1 }) }} className="btn btn-small">
              Every client
            </Link>
          </span>
        ) : null}
      </div>
      {body}
      <nav className="pager" aria-label="Pages">
        <button type="button" className="btn" disabled={view.page <= 1 || query.isFetching} onClick={() => go({ ...view, page: Math.min(view.page - 1, pages) })}>
          Previous
        </button>
        <button type="button" className="btn" disabled={!data || view.page >= pages || query.isFetching} onClick={() => go({ ...view, page: view.page + 1 })}>
          Next
        </button>
      </nav>
    </section>
  );
}

function FixCard({ fix, rank, zone }: { fix: TranscodeFix; rank: number; zone: string | undefined }) {
  const title = fix.display ?? fix.name ?? fix.item_id;
  const file = [fix.video, fix.hdr, fix.audio, fix.container?.toUpperCase()].filter(Boolean).join(" · ");
  return (
    <li className="fix">
      <span className="rank tabular" aria-hidden="true">
        {rank}
      </span>
      <Poster src={imageUrl(fix.poster, 80)} label={title} variant="thumb" />
      <div className="fix-body">
        <div className="fix-title">
          <Link to={historyHref({ item_id: fix.item_id })} aria-label={`${title}: its plays in History`}>
            {title}
          </Link>
          <span className="muted"> on </span>
          {fix.client !== null ? (
            <Link
              to={historyHref({ item_id: fix.item_id, client: fix.client })}
              className="client-name"
              aria-label={`${fix.client}: this title's plays on it in History`}
            >
              {fix.client}
            </Link>
          ) : (
            <span className="muted">an unnamed client</span>
          )}
        </div>
        {fix.file || file ? (
          <div className="fix-file muted">
            {fix.file ? <span className="code">{fix.file}</span> : null}
            {fix.file && file ? " · " : null}
            {file}
          </div>
        ) : null}
        <dl className="fix-advice">
          <dt>Why</dt>
          <dd>{fix.cause}</dd>
          <dt>Fix</dt>
          <dd>{fix.fix}</dd>
        </dl>
      </div>
      <div className="fix-figures tabular">
        <strong title={`${formatHours(fix.hours)} hours`}>{formatDuration(fix.seconds)}</strong>
        <span className="muted">transcoded</span>
        <span>
          {plural(fix.plays, "play")} · {plural(fix.users, "user")}
        </span>
        <span className="muted" title="The latest of these plays">
          {formatDateTime(fix.last_transcoded_at, zone)}
        </span>
      </div>
    </li>
  );
}

// ---------------------------------------------------------------- per client

const CLIENT_HEADS: { sort: ClientSort; label: string }[] = [
  { sort: "plays", label: "Plays" },
  { sort: "transcodes", label: "Transcodes" },
  { sort: "share", label: "Share" },
  { sort: "hours", label: "Transcoded time" },
  { sort: "files", label: "Files" },
];

function ByClientSection({ view }: { view: TranscodeView }) {
  const query = useTranscodesByClient(view);
  let body: ReactNode;
  if (query.isPending) body = <Loading label="Loading transcodes per client…" />;
  else if (!query.data)
    body = <ErrorBox error={query.error} title="Could not load transcodes per client" onRetry={() => void query.refetch()} />;
  else if (query.data.length === 0) body = <Empty>No plays in this window.</Empty>;
  else body = <ClientTable view={view} rows={sortClients(query.data, view.clientSort)} stale={query.isPlaceholderData} />;
  return (
    <section className="section" aria-labelledby="by-client-title">
      <h2 id="by-client-title">Transcodes per client</h2>
      <p className="summary-line">Pick a client to list only its fixes.</p>
      {body}
    </section>
  );
}

function ClientTable({ view, rows, stale }: { view: TranscodeView; rows: readonly ClientTranscodes[]; stale: boolean }) {
  return (
    <div className={stale ? "table-wrap stale" : "table-wrap"}>
      <table className="data-table stack-table client-table">
        <thead>
          <tr>
            <th scope="col">Client</th>
            {CLIENT_HEADS.map((h) => (
              <th key={h.sort} scope="col" className="num" aria-sort={view.clientSort === h.sort ? "descending" : "none"}>
                <Link
                  to={{ search: transcodeSearch({ ...view, clientSort: h.sort }) }}
                  className="sort-link"
                  replace
                  aria-label={`${h.label}: sort largest first`}
                >
                  {h.label}
                  <span aria-hidden="true">{view.clientSort === h.sort ? " ▾" : ""}</span>
                </Link>
              </th>
            ))}
            <th scope="col">Reasons given most</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((c) => (
            <tr key={c.client ?? "(none)"} className={view.client !== null && view.client === c.client ? "current" : undefined}>
              <th scope="row" data-label="Client" className="name-cell">
                {c.client !== null ? (
                  <Link to={{ search: transcodeSearch({ ...view, client: c.client, page: 1 }) }} aria-label={`${c.client}: list its fixes`} className="client-name">
                    {c.client}
                  </Link>
                ) : (
                  <span className="muted">Unnamed client</span>
                )}
              </th>
              <td data-label="Plays" className="num tabular">
                {formatCount(c.plays)}
              </td>
              <td data-label="Transcodes" className="num tabular">
                {formatCount(c.transcodes)}
              </td>
              <td data-label="Share" className="num tabular">
                {Math.round(c.share * 100)}%
              </td>
              <td data-label="Transcoded time" className="num tabular nowrap" title={`${formatHours(c.hours)} hours`}>
                {formatDuration(c.seconds)}
              </td>
              <td data-label="Files" className="num tabular">
                {formatCount(c.files)}
              </td>
              <td data-label="Reasons given most">
                {c.top_reasons.length === 0 ? (
                  <span className="muted">—</span>
                ) : (
                  <ul className="reason-list">
                    {c.top_reasons.map((r) => (
                      <li key={r.reason ?? "(none)"}>
                        {r.words} <span className="muted tabular">({formatCount(r.plays)})</span>
                      </li>
                    ))}
                  </ul>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
