/** Sorting the users list (by the URL's `sort`). Pure. */
export const USER_SORTS = ["hours", "plays", "last_seen"] as const;
export type UserSort = (typeof USER_SORTS)[number];

export interface SortableUser {
  user_id: string;
  user: string | null;
  seconds: number;
  plays: number;
  last_seen: string | null;
}

export function parseUserSort(raw: string | null | undefined): UserSort {
  return (USER_SORTS as readonly string[]).includes(raw ?? "") ? (raw as UserSort) : "hours";
}

function seen(u: SortableUser): number {
  const t = u.last_seen ? Date.parse(u.last_seen) : Number.NaN;
  return Number.isNaN(t) ? -Infinity : t;
}

/** Largest first; ties by name, then id, so the order is stable. Does not change `rows`. */
export function sortUsers<T extends SortableUser>(rows: readonly T[], sort: UserSort): T[] {
  const key = (u: T): number => (sort === "hours" ? u.seconds : sort === "plays" ? u.plays : seen(u));
  return [...rows].sort((a, b) => {
    const diff = key(b) - key(a);
    if (diff !== 0 && !Number.isNaN(diff)) return diff;
    const byName = (a.user ?? "").localeCompare(b.user ?? "");
    return byName !== 0 ? byName : a.user_id.localeCompare(b.user_id);
  });
}
