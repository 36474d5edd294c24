/**
 * What starting a run reads of the registry (a workflow version, checked, and its agents), kept for
 * a moment so a burst of starts does not read and check the same rows for each run. This process's
 * own registry writes clear it at once; another API process's writes are seen within `ttlMs` (the
 * agent bridge's agent directory works the same way).
 */
export interface RegistryCache {
  get<T>(key: string, load: () => Promise<T>): Promise<T>;
  clear(): void;
}

/** How long a start may use what an earlier start read (this process's writes clear it at once). */
export const REGISTRY_CACHE_MS = 1000;

export function registryCache(ttlMs: number, now: () => number = Date.now): RegistryCache {
  const entries = new Map<string, { at: number; value: Promise<unknown> }>();
  return {
    get<T>(key: string, load: () => Promise<T>): Promise<T> {
      const hit = entries.get(key);
      if (hit && now() - hit.at < ttlMs) return hit.value as Promise<T>;
      const value = load();
      const entry = { at: now(), value };
      entries.set(key, entry);
      // A failed read (an outage) is not kept; an expected outcome (unknown workflow) is.
      value.catch(() => {
        if (entries.get(key) === entry) entries.delete(key);
      });
      return value;
    },
    clear: () => entries.clear(),
  };
}
