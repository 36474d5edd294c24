import { readdirSync, readFileSync } from 'node:fs';

/** Linux clock ticks per second for /proc/<pid>/stat times (USER_HZ, 100 on every mainstream kernel). */
const CLOCK_TICKS = 100;

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** `[pid, ppid, user+system seconds]` from /proc/<pid>/stat (the name field may hold spaces). */
function stat(pid: number): { ppid: number; cpuSeconds: number } | undefined {
  const text = readText(`/proc/${pid}/stat`);
  if (text === undefined) return undefined;
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // After the name: state(0) ppid(1) … utime(11) stime(12) cutime(13) cstime(14).
  return {
    ppid: Number(fields[1]),
    cpuSeconds: (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS,
  };
}

/** The process and all its descendants that are alive now. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const s = stat(pid);
    if (!s) continue;
    const list = children.get(s.ppid) ?? [];
    list.push(pid);
    children.set(s.ppid, list);
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.pop()!;
    if (!stat(pid)) continue;
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** CPU seconds (user + system) the processes have used since they started. */
export function cpuSeconds(pids: readonly number[]): number {
  return pids.reduce((sum, pid) => sum + (stat(pid)?.cpuSeconds ?? 0), 0);
}

/** Resident set size in bytes of each process now (VmRSS), summed. */
export function rssBytes(pids: readonly number[]): number {
  let sum = 0;
  for (const pid of pids) {
    const match = /VmRSS:\s+(\d+) kB/.exec(readText(`/proc/${pid}/status`) ?? '');
    if (match) sum += Number(match[1]) * 1024;
  }
  return sum;
}

/** Samples the summed RSS of the processes every `intervalMs` and keeps the peak. */
export function rssSampler(pids: () => readonly number[], intervalMs = 100) {
  let peak = rssBytes(pids());
  const timer = setInterval(() => (peak = Math.max(peak, rssBytes(pids()))), intervalMs);
  return {
    stop(): number {
      clearInterval(timer);
      return Math.max(peak, rssBytes(pids()));
    },
  };
}
