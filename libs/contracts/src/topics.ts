/** Kafka topic names of SPEC §7; the embedded log uses the same names. */
export const TOPIC_NAMES = {
  startRequests: 'wf.start-requests',
  commands: 'wf.commands',
  events: 'wf.events',
  runState: 'wf.run-state',
  deadLetters: 'wf.dead-letters',
  /** Agent-level events (circuit breaker transitions, SPEC F5), keyed by agent name. */
  agentEvents: 'wf.agent-events',
} as const;

export type TopicKey = keyof typeof TOPIC_NAMES;
export type Topics = { readonly [K in TopicKey]: string };

export function topicNames(prefix = ''): Topics {
  return Object.freeze({
    startRequests: prefix + TOPIC_NAMES.startRequests,
    commands: prefix + TOPIC_NAMES.commands,
    events: prefix + TOPIC_NAMES.events,
    runState: prefix + TOPIC_NAMES.runState,
    deadLetters: prefix + TOPIC_NAMES.deadLetters,
    agentEvents: prefix + TOPIC_NAMES.agentEvents,
  });
}

/** Header names on every record we write. */
export const HEADERS = {
  contentType: 'content-type',
  runId: 'run_id',
  /** On `wf.events`: the event's `type`, so consumers can skip the types they do not act on unread. */
  eventType: 'event_type',
  deadLetterReason: 'x-dead-letter-reason',
  deadLetterTopic: 'x-dead-letter-topic',
  deadLetterPartition: 'x-dead-letter-partition',
  deadLetterOffset: 'x-dead-letter-offset',
} as const;
