import type { ReactNode } from "react";
import type { UseQueryResult } from "@tanstack/react-query";
import { Empty, ErrorBox, Loading } from "../States";

export const NO_PLAYS = "No plays in this window yet";

interface StatCardProps<T> {
  /** The id of the card's heading (the section is labelled by it). */
  id: string;
  title: string;
  /** The window the numbers cover: "Last 30 days", "Library now", … */
  window: string;
  query: UseQueryResult<T>;
  /** True when the answer has nothing to draw. */
  isEmpty: (data: T) => boolean;
  empty?: ReactNode;
  /** Controls beside the heading (toggles). */
  actions?: ReactNode;
  wide?: boolean;
  children: (data: T) => ReactNode;
}

/** A dashboard card: heading, its window, and the query's loading, error, empty or drawn state. */
export function StatCard<T>({ id, title, window, query, isEmpty, empty = NO_PLAYS, actions, wide, children }: StatCardProps<T>) {
  const headingId = `${id}-heading`;
  const updating = query.isFetching && query.isPlaceholderData;
  let body: ReactNode;
  if (query.isPending) body = <Loading />;
  else if (query.isError && query.data === undefined)
    body = <ErrorBox error={query.error} onRetry={() => void query.refetch()} />;
  else if (query.data === undefined || isEmpty(query.data)) body = <Empty>{empty}</Empty>;
  else body = children(query.data);
  return (
    <section
      className={`stat-card${wide ? " stat-card-wide" : ""}${updating ? " updating" : ""}`}
      aria-labelledby={headingId}
      aria-busy={query.isFetching}
    >
      <header className="stat-head">
        <div>
          <h2 id={headingId}>{title}</h2>
          <p className="stat-window">{window}</p>
        </div>
        {actions ? <div className="stat-actions">{actions}</div> : null}
      </header>
      {body}
    </section>
  );
}

/** A two-way toggle (plays ⇄ hours and the like) as a pair of pressed buttons. */
export function Toggle<V extends string>({
  label,
  value,
  options,
  onChange,
}: {
  label: string;
  value: V;
  options: readonly { value: V; label: string }[];
  onChange: (v: V) => void;
}) {
  return (
    <div className="toggle" role="group" aria-label={label}>
      {options.map((o) => (
        <button key={o.value} type="button" aria-pressed={value === o.value} onClick={() => onChange(o.value)}>
          {o.label}
        </button>
      ))}
    </div>
  );
}
