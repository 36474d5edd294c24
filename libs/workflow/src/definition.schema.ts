import { z } from 'zod';
import {
  ConditionSchema,
  JsonSchemaObjectSchema,
  MappingSchema,
  NameSchema,
  PositiveIntSchema,
  StepIdSchema,
} from './schema-primitives';
import { StepSchema } from './step.schema';

/** A workflow definition (SPEC §3): `sequential` (the default) or `state_machine`, discriminated on `type`. */

export const WORKFLOW_STATUSES = ['draft', 'active', 'deprecated', 'archived'] as const;
export type WorkflowStatus = (typeof WORKFLOW_STATUSES)[number];

/** One `on_complete` entry: a workflow started after the run ends (SPEC F9). */
export const ChainEntrySchema = z
  .strictObject({
    workflow_id: NameSchema,
    version: PositiveIntSchema.optional(),
    condition: ConditionSchema.optional(),
    input_mapping: MappingSchema.optional(),
  })
  .meta({ id: 'ChainEntry' });

export const TransitionSchema = z
  .strictObject({
    to: z.string().meta({ description: 'Name of the target state.' }),
    event: z.string().min(1).optional(),
    condition: ConditionSchema.optional(),
  })
  .meta({ id: 'Transition' });

export const StateSchema = z
  .strictObject({
    entry_action: StepSchema.optional(),
    exit_action: StepSchema.optional(),
    action: StepSchema.optional().meta({
      description: 'A step whose completion triggers evaluation of the transitions.',
    }),
    transitions: z.array(TransitionSchema).meta({ description: 'Evaluated in order; the first match wins.' }),
    terminal: z.boolean().optional().meta({ default: false }),
  })
  .meta({ id: 'State' });

/** Fields of both definition types. `version`, `status`, `change_summary`, `previous_version` and
 *  `created_at` are resource fields: accepted so that a fetched workflow can be PUT back. */
const definitionBase = {
  workflow_id: NameSchema,
  name: z.string().min(1),
  description: z.string().optional(),
  input_schema: JsonSchemaObjectSchema.optional(),
  output_schema: JsonSchemaObjectSchema.optional(),
  timeout_seconds: PositiveIntSchema.optional(),
  output_mapping: MappingSchema.optional(),
  on_complete: z.array(ChainEntrySchema).optional(),
  max_pause_seconds: PositiveIntSchema.optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  version: PositiveIntSchema.optional(),
  status: z.enum(WORKFLOW_STATUSES).optional(),
  change_summary: z.string().optional(),
  previous_version: PositiveIntSchema.nullable().optional(),
  created_at: z.string().optional(),
};

export const SequentialDefinitionSchema = z
  .strictObject({
    ...definitionBase,
    type: z.literal('sequential').optional().meta({ default: 'sequential' }),
    start_step: z.string().optional().meta({ description: 'Id of a top-level step; default: the first.' }),
    steps: z.array(StepSchema).min(1),
  })
  .meta({ id: 'SequentialDefinition' });

export const StateMachineDefinitionSchema = z
  .strictObject({
    ...definitionBase,
    type: z.literal('state_machine'),
    initial_state: z.string(),
    states: z
      .record(StepIdSchema, StateSchema)
      .refine((states) => Object.keys(states).length > 0, 'must define at least one state')
      .meta({ minProperties: 1 }),
  })
  .meta({ id: 'StateMachineDefinition' });

export const WorkflowDefinitionSchema = z
  .discriminatedUnion('type', [SequentialDefinitionSchema, StateMachineDefinitionSchema])
  .meta({ title: 'Weft workflow definition' });

export type WorkflowDefinition = z.infer<typeof WorkflowDefinitionSchema>;
export type SequentialDefinition = z.infer<typeof SequentialDefinitionSchema>;
export type StateMachineDefinition = z.infer<typeof StateMachineDefinitionSchema>;
export type State = z.infer<typeof StateSchema>;
export type Transition = z.infer<typeof TransitionSchema>;
export type ChainEntry = z.infer<typeof ChainEntrySchema>;
