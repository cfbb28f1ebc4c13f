export const TIMELINE_FILTER_KEYS = ["tier", "host", "severity", "kind", "from", "to", "q", "cursor"] as const;
export type TimelineFilterKey = (typeof TIMELINE_FILTER_KEYS)[number];
export type TimelineFilters = Partial<Record<TimelineFilterKey, string>>;

/** The filters from the URL, in one fixed order: the same string keys the query on the server and in the browser. */
export function filtersOf(search: URLSearchParams | Record<string, string | string[] | undefined>): TimelineFilters {
  const get = (key: string) => {
    const v = search instanceof URLSearchParams ? search.get(key) : search[key];
    return (Array.isArray(v) ? v[0] : v)?.trim() || undefined;
  };
  const out: TimelineFilters = {};
  for (const key of TIMELINE_FILTER_KEYS) {
    const v = get(key);
    if (v !== undefined) out[key] = v;
  }
  return out;
}

export function searchOf(filters: TimelineFilters): string {
  const params = new URLSearchParams();
  for (const key of TIMELINE_FILTER_KEYS) {
    const v = filters[key];
    if (v) params.set(key, v);
  }
  return params.toString();
}
