import { z } from 'zod';
import { RetryConfigSchema } from './retry-config.schema';
import {
  ConditionSchema,
  JsonSchemaObjectSchema,
  MappingSchema,
  NameSchema,
  PositiveIntSchema,
  StepIdSchema,
} from './schema-primitives';

/**
 * Steps of a definition (SPEC §3 table): one strict object per `type`, discriminated on `type`,
 * which may be omitted for `agent`. Nested steps (parallel, loop, fork-join) refer back to
 * `StepSchema` through getters, so the model is recursive.
 */

export const STEP_TYPES = [
  'agent',
  'parallel',
  'conditional',
  'loop',
  'fork_join',
  'sub_workflow',
  'wait_for_event',
  'validation',
] as const;
export type StepType = (typeof STEP_TYPES)[number];

/** Fields every step has. */
const stepBase = {
  id: StepIdSchema,
  name: z.string().optional(),
  description: z.string().optional(),
  next_step: z
    .string()
    .nullable()
    .optional()
    .meta({ description: 'Id of the step to run next, in the same step list; null ends the run.' }),
  timeout_seconds: PositiveIntSchema.optional(),
};

export const CACHE_SCOPES = ['global', 'workflow', 'run'] as const;

export const CacheConfigSchema = z
  .strictObject({
    key: z
      .string()
      .min(1)
      .optional()
      .meta({ description: 'Key template; default: a hash of the resolved input.' }),
    ttl_seconds: PositiveIntSchema,
    condition: ConditionSchema.optional(),
    scope: z.enum(CACHE_SCOPES).optional().meta({ default: 'workflow' }),
  })
  .meta({ id: 'CacheConfig' });

export const AgentStepSchema = z
  .strictObject({
    ...stepBase,
    type: z.literal('agent').optional().meta({ default: 'agent' }),
    agent_name: NameSchema,
    input_mapping: MappingSchema.optional(),
    retry_config: RetryConfigSchema.optional(),
    cache: CacheConfigSchema.optional(),
  })
  .meta({ id: 'AgentStep' });

export const ParallelStepSchema = z
  .strictObject({
    ...stepBase,
    type: z.literal('parallel'),
    get parallel_steps(): z.ZodArray<typeof StepSchema> {
      return z.array(StepSchema).min(1);
    },
    max_parallelism: PositiveIntSchema.optional(),
    fail_fast: z.boolean().optional().meta({ default: true }),
  })
  .meta({ id: 'ParallelStep' });

export const ConditionalStepSchema = z
  .strictObject({
    ...stepBase,
    type: z.literal('conditional'),
    condition: ConditionSchema,
    if_true_step: z.string(),
    if_false_step: z.string(),
  })
  .meta({ id: 'ConditionalStep' });

export const LOOP_EXECUTION_MODES = ['sequential', 'parallel'] as const;
export const LOOP_ERROR_POLICIES = ['continue', 'stop', 'collect'] as const;

export const LoopStepSchema = z
  .strictObject({
    ...stepBase,
    type: z.literal('loop'),
    loop_over: z.string().meta({ description: 'A reference to an array, e.g. ${fetch.output.items}.' }),
    get loop_step(): typeof StepSchema {
      return StepSchema;
    },
    execution_mode: z.enum(LOOP_EXECUTION_MODES).optional().meta({ default: 'sequential' }),
    max_parallelism: PositiveIntSchema.optional(),
    error_policy: z.enum(LOOP_ERROR_POLICIES).optional().meta({ default: 'stop' }),
    max_iterations: PositiveIntSchema.optional(),
  })
  .meta({ id: 'LoopStep' });

export const JOIN_POLICIES = ['ALL', 'ANY', 'MAJORITY', 'N_OF_M'] as const;

export const ForkJoinBranchSchema = z
  .strictObject({
    name: StepIdSchema,
    get steps(): z.ZodArray<typeof StepSchema> {
      return z.array(StepSchema).min(1);
    },
    timeout_seconds: PositiveIntSchema.optional(),
  })
  .meta({ id: 'ForkJoinBranch' });

export const ForkJoinStepSchema = z
  .strictObject({
    ...stepBase,
    type: z.literal('fork_join'),
    branches: z.array(ForkJoinBranchSchema).min(1),
    join_policy: z.enum(JOIN_POLICIES).optional().meta({ default: 'ALL' }),
    n_required: PositiveIntSchema.optional().meta({
      description: 'Branches that must succeed; required with (and only with) join_policy N_OF_M.',
    }),
  })
  .meta({ id: 'ForkJoinStep' });

export const SubWorkflowStepSchema = z
  .strictObject({
    ...stepBase,
    type: z.literal('sub_workflow'),
    workflow_id: NameSchema,
    version: PositiveIntSchema.optional().meta({ description: "Default: the workflow's active version." }),
    input_mapping: MappingSchema.optional(),
  })
  .meta({ id: 'SubWorkflowStep' });

export const EVENT_SOURCES = ['webhook', 'kafka'] as const;
export const ON_TIMEOUT_ACTIONS = ['fail', 'continue'] as const;

export const WaitForEventStepSchema = z
  .strictObject({
    ...stepBase,
    type: z.literal('wait_for_event'),
    event_type: z.string().min(1),
    source: z.enum(EVENT_SOURCES).optional().meta({ default: 'webhook' }),
    topic: z.string().min(1).optional().meta({ description: 'Kafka topic; required when source is kafka.' }),
    match: ConditionSchema.optional(),
    on_timeout: z.enum(ON_TIMEOUT_ACTIONS).optional().meta({ default: 'fail' }),
  })
  .meta({ id: 'WaitForEventStep' });

export const VALIDATION_MODES = ['strict', 'warn'] as const;

export const AssertionSchema = z.strictObject({ condition: ConditionSchema, message: z.string() });

export const ValidationStepSchema = z
  .strictObject({
    ...stepBase,
    type: z.literal('validation'),
    data: MappingSchema,
    schema: JsonSchemaObjectSchema,
    assertions: z.array(AssertionSchema).optional(),
    mode: z.enum(VALIDATION_MODES).optional().meta({ default: 'strict' }),
  })
  .meta({ id: 'ValidationStep' });

/** Annotated explicitly: zod 4.6 cannot infer a discriminated union whose options recurse into it. */
type StepOptions = [
  typeof AgentStepSchema,
  typeof ParallelStepSchema,
  typeof ConditionalStepSchema,
  typeof LoopStepSchema,
  typeof ForkJoinStepSchema,
  typeof SubWorkflowStepSchema,
  typeof WaitForEventStepSchema,
  typeof ValidationStepSchema,
];

export const StepSchema: z.ZodDiscriminatedUnion<StepOptions, 'type'> = z
  .discriminatedUnion('type', [
    AgentStepSchema,
    ParallelStepSchema,
    ConditionalStepSchema,
    LoopStepSchema,
    ForkJoinStepSchema,
    SubWorkflowStepSchema,
    WaitForEventStepSchema,
    ValidationStepSchema,
  ])
  .meta({ id: 'Step' });

export type Step = z.infer<typeof StepSchema>;
export type AgentStep = z.infer<typeof AgentStepSchema>;
export type ParallelStep = z.infer<typeof ParallelStepSchema>;
export type ConditionalStep = z.infer<typeof ConditionalStepSchema>;
export type LoopStep = z.infer<typeof LoopStepSchema>;
export type ForkJoinBranch = z.infer<typeof ForkJoinBranchSchema>;
export type ForkJoinStep = z.infer<typeof ForkJoinStepSchema>;
export type SubWorkflowStep = z.infer<typeof SubWorkflowStepSchema>;
export type WaitForEventStep = z.infer<typeof WaitForEventStepSchema>;
export type ValidationStep = z.infer<typeof ValidationStepSchema>;
export type CacheConfig = z.infer<typeof CacheConfigSchema>;
export type Assertion = z.infer<typeof AssertionSchema>;
export type JoinPolicy = (typeof JOIN_POLICIES)[number];
export type LoopExecutionMode = (typeof LOOP_EXECUTION_MODES)[number];
export type LoopErrorPolicy = (typeof LOOP_ERROR_POLICIES)[number];
export type CacheScope = (typeof CACHE_SCOPES)[number];
export type EventSource = (typeof EVENT_SOURCES)[number];
export type OnTimeoutAction = (typeof ON_TIMEOUT_ACTIONS)[number];
export type ValidationMode = (typeof VALIDATION_MODES)[number];
