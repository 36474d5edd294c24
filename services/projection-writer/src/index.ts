export * from './apply-event';
export * from './projection-writer';
export * from './dlq-projection';
export * from './dlq-retention';
