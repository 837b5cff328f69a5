/** Local-day series for simple bar strips: every day between the first and the last, gaps as zero. Pure. */

export interface DayValue {
  day: string;
  seconds: number;
}

function toUtc(day: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return null;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
}

function fromUtc(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

const DAY_MS = 86_400_000;

/** Each day from the earliest to the latest given (at most `maxDays`, the latest kept), missing days as 0. */
export function fillDays(days: readonly DayValue[], maxDays = 366): DayValue[] {
  const byDay = new Map<string, number>();
  let first: number | null = null;
  let last: number | null = null;
  for (const d of days) {
    const t = toUtc(d.day);
    if (t === null) continue;
    byDay.set(d.day, (byDay.get(d.day) ?? 0) + d.seconds);
    first = first === null || t < first ? t : first;
    last = last === null || t > last ? t : last;
  }
  if (first === null || last === null) return [];
  first = Math.max(first, last - (maxDays - 1) * DAY_MS);
  const out: DayValue[] = [];
  for (let t = first; t <= last; t += DAY_MS) {
    const day = fromUtc(t);
    out.push({ day, seconds: byDay.get(day) ?? 0 });
  }
  return out;
}

/** A bar's height in percent of the largest value (0 when everything is 0; a non-zero value at least 2 %). */
export function barPercent(value: number, max: number): number {
  if (!(max > 0) || !(value > 0)) return 0;
  return Math.max(2, Math.round((value / max) * 1000) / 10);
}
