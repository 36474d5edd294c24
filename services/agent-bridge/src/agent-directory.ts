/** What the bridge needs to know to call an agent. */
export interface AgentEndpoint {
  readonly name: string;
  readonly url: string;
  readonly method: string;
  readonly timeout_seconds: number;
  readonly headers: Readonly<Record<string, string>>;
}

/** Looks agents up by name (the registry). */
export type AgentDirectory = (name: string) => Promise<AgentEndpoint | undefined>;

/**
 * A directory that remembers answers for `ttlMs`, so a burst of steps does not hit the registry for
 * every call, while an updated agent takes effect within the TTL.
 */
export function cachedDirectory(
  lookup: AgentDirectory,
  ttlMs: number,
  now: () => number = Date.now,
): AgentDirectory {
  const cache = new Map<string, { at: number; value: Promise<AgentEndpoint | undefined> }>();
  return (name) => {
    const hit = cache.get(name);
    if (hit && now() - hit.at < ttlMs) return hit.value;
    const value = lookup(name);
    cache.set(name, { at: now(), value });
    value.catch(() => cache.delete(name));
    return value;
  };
}
