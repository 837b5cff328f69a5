/** Keyset paging state: pages are fetched with the previous page's `next_cursor`, never an offset. Pure. */

export interface CursorPage<T> {
  plays: T[];
  next_cursor: string | null;
}

/** The cursor for the page after `page`, or undefined when it was the last (TanStack's "no more pages"). */
export function nextCursor<T>(page: CursorPage<T>): string | undefined {
  return page.next_cursor ? page.next_cursor : undefined;
}

/** True when another page can be asked for. */
export function hasMore<T>(pages: readonly CursorPage<T>[]): boolean {
  const last = pages[pages.length - 1];
  return last !== undefined && Boolean(last.next_cursor);
}

/**
 * The rows of all pages in order, each id once: a play that moved between pages while they were fetched
 * (it was still open and its stop time changed) shows where it was first seen.
 */
export function flattenPages<T extends { play_id: string }>(pages: readonly CursorPage<T>[]): T[] {
  const seen = new Set<string>();
  const rows: T[] = [];
  for (const page of pages) {
    for (const row of page.plays) {
      if (seen.has(row.play_id)) continue;
      seen.add(row.play_id);
      rows.push(row);
    }
  }
  return rows;
}
