import "server-only";
import { ensureCollectors } from "@/lib/cluster";
import type { ClusterView } from "@/lib/cluster/findings-types";
import { getClusterView } from "@/lib/cluster/views";
import { errorMessage } from "@/lib/errors";

/** Browsers following one cluster share one computation of its view per change, at most this often. */
export const VIEW_PUSH_MIN_GAP_MS = 200;

type Listener = (view: ClusterView) => void;

interface Feed {
  listeners: Set<Listener>;
  detach: () => void;
}

const g = globalThis as unknown as { clusterdeckViewFeeds?: Map<string, Feed> };
const feeds = (g.clusterdeckViewFeeds ??= new Map());

function open(clusterId: string): Feed {
  const collector = ensureCollectors().get(clusterId);
  const listeners = new Set<Listener>();
  let pending: NodeJS.Timeout | null = null;
  let busy = false;
  let again = false;
  let lastAt = 0;

  function compute(): void {
    pending = null;
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    lastAt = Date.now();
    getClusterView(clusterId)
      .then((view) => {
        for (const l of listeners) l(view);
      })
      .catch((err: unknown) => console.error(`view stream ${clusterId}: ${errorMessage(err)}`))
      .finally(() => {
        busy = false;
        if (again) {
          again = false;
          schedule();
        }
      });
  }

  function schedule(): void {
    if (pending) return;
    pending = setTimeout(compute, Math.max(0, lastAt + VIEW_PUSH_MIN_GAP_MS - Date.now()));
    pending.unref();
  }

  // A host's poll landing, failing, or its answer becoming overdue all come through here.
  const unsubscribe = collector?.onSnapshot(schedule) ?? (() => undefined);
  return {
    listeners,
    detach() {
      unsubscribe();
      if (pending) clearTimeout(pending);
    },
  };
}

/** Calls `listener` with the cluster's view each time it may have changed; returns the unsubscribe. */
export function followClusterView(clusterId: string, listener: Listener): () => void {
  let feed = feeds.get(clusterId);
  if (!feed) {
    feed = open(clusterId);
    feeds.set(clusterId, feed);
  }
  feed.listeners.add(listener);
  const mine = feed;
  return () => {
    mine.listeners.delete(listener);
    if (mine.listeners.size === 0 && feeds.get(clusterId) === mine) {
      mine.detach();
      feeds.delete(clusterId);
    }
  };
}
