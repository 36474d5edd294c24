export * from './event-log.port';
export * from './embedded/embedded-event-log';
export * from './file/file-event-log';
export type { InProcessLogOptions } from './in-process/in-process-event-log';
export * from './offset-tracker';
export * from './dead-letter';
export * from './kafka/kafka-event-log';
export type { ConsumerTuning } from './kafka/kafka-batch-consumer';
export type { KafkaLogLevel } from './kafka/kafka-logger';
