/** A condition polled for that does not hold yet; retried like a retriable Kafka error. */
export class NotReadyYet extends Error {
  readonly retriable = true;
}

/** kafkajs marks transient protocol errors (NOT_LEADER, UNKNOWN_TOPIC_OR_PARTITION, …) `retriable`. */
export function isRetriable(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { retriable?: unknown }).retriable === true;
}

/**
 * Runs `attempt` until it succeeds, retrying retriable errors with exponential backoff (50 ms
 * doubling to 1 s) until `deadline` (epoch ms); the last error is thrown then, others at once.
 */
export async function retryWhileRetriable<T>(deadline: number, attempt: () => Promise<T>): Promise<T> {
  for (let delayMs = 50; ; delayMs = Math.min(delayMs * 2, 1_000)) {
    try {
      return await attempt();
    } catch (error) {
      if (!isRetriable(error) || Date.now() + delayMs > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}
