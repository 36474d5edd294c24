export * from './apply-event';
export * from './batch-projection';
export * from './projection-ops';
export * from './projection-writer';
export * from './dlq-projection';
export * from './dlq-retention';
