import type { ReactNode } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { formatCount, imageUrl } from "../../lib/format";
import { historyHref } from "../../lib/links";
import { pageCount } from "../../lib/library";
import { pageParam, withParam } from "../../lib/storage";
import { Poster } from "../Poster";
import { Empty, ErrorBox, Loading } from "../States";

interface PagedAnswer {
  total: number;
  page: number;
  page_size: number;
}

export interface ReportQuery<T extends PagedAnswer> {
  data?: T;
  isPending: boolean;
  isFetching: boolean;
  isPlaceholderData: boolean;
  error: unknown;
  refetch: () => Promise<unknown>;
}

/** The page a report's key in the URL names. */
export function useReportPage(key: string): number {
  const [params] = useSearchParams();
  return pageParam(params, key);
}

/** One report of the Library section: a heading with its count, a line of what it lists, its states, its rows and
 * its own pager (the page in the URL under `pageKey`, so each list on the page keeps its place). */
export function Report<T extends PagedAnswer>({
  id,
  title,
  about,
  actions,
  query,
  pageKey,
  what,
  empty,
  rows,
  count,
  summary,
}: {
  id: string;
  title: string;
  about?: ReactNode;
  actions?: ReactNode;
  query: ReportQuery<T>;
  pageKey: string;
  what: string;
  empty: ReactNode;
  /** The rows of an answer that has some. */
  rows: (data: T) => ReactNode;
  /** How many, beside the title (default: the answer's total). */
  count?: (data: T) => number;
  summary?: (data: T) => ReactNode;
}) {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const page = pageParam(params, pageKey);
  const data = query.data;
  const pages = data ? pageCount(data.total, data.page_size) : 1;
  const go = (n: number) => void navigate({ search: withParam(params, pageKey, String(n), "1") }, { preventScrollReset: true });
  let body: ReactNode;
  if (query.isPending) body = <Loading label={`Loading ${what}…`} />;
  else if (!data) body = <ErrorBox error={query.error} title={`Could not load ${what}`} onRetry={() => void query.refetch()} />;
  else if (data.total === 0) body = <Empty>{empty}</Empty>;
  else if (pages < data.page)
    body = (
      <Empty>
        This page is past the end. <Link to={{ search: withParam(params, pageKey, null) }}>Go to page 1</Link>
      </Empty>
    );
  else
    body = (
      <>
        <p className="summary-line tabular" aria-live="polite">
          {summary ? summary(data) : `${formatCount(data.total)} in all`} · page {formatCount(data.page)} of {formatCount(pages)}
        </p>
        <div className={query.isPlaceholderData ? "table-wrap stale" : "table-wrap"} aria-busy={query.isFetching}>
          {rows(data)}
        </div>
      </>
    );
  const headingId = `${id}-title`;
  return (
    <section className="section report" aria-labelledby={headingId} id={id}>
      <div className="section-head">
        <h2 id={headingId}>
          {title}
          {data ? <span className="count tabular"> ({formatCount(count ? count(data) : data.total)})</span> : null}
        </h2>
        {actions}
      </div>
      {about ? <p className="summary-line">{about}</p> : null}
      {body}
      {data && pages > 1 ? (
        <nav className="pager" aria-label={`Pages of ${title.toLowerCase()}`}>
          <button type="button" className="btn" disabled={page <= 1 || query.isFetching} onClick={() => go(Math.min(page - 1, pages))}>
            Previous
          </button>
          <button type="button" className="btn" disabled={page >= pages || query.isFetching} onClick={() => go(page + 1)}>
            Next
          </button>
        </nav>
      ) : null}
    </section>
  );
}

/** A title cell: its poster (only a URL the API gave) and its name, linked to its plays in History. */
export function TitleCell({ id, name, poster, label = "Title" }: { id: string; name: string; poster?: string | null; label?: string }) {
  return (
    <th scope="row" data-label={label} className="title-cell">
      <span className="titled">
        <Poster src={imageUrl(poster ?? null, 80)} label={name} variant="thumb" />
        <Link to={historyHref({ item_id: id })} aria-label={`${name}: its plays in History`}>
          {name}
        </Link>
      </span>
    </th>
  );
}
