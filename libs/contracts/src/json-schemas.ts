import { z } from 'zod';
import { CommandSchema, ReportStepResultSchema, StartRunSchema } from './commands';
import { RunEventSchema } from './events';
import { StartRequestSchema } from './start-request';

/** JSON Schemas of every record of SPEC §7 (commands, events, start requests), generated from the zod types (STYLE 6). */
const toSchema = (schema: z.ZodType, id: string) => ({
  $id: `urn:weft:schema:${id}`,
  ...z.toJSONSchema(schema, { target: 'draft-2020-12', unrepresentable: 'any' }),
});

export const contractJsonSchemas: readonly { readonly file: string; readonly generate: () => object }[] = [
  { file: 'command.schema.json', generate: () => toSchema(CommandSchema, 'command.schema.json') },
  {
    file: 'command-start-run.schema.json',
    generate: () => toSchema(StartRunSchema, 'command-start-run.schema.json'),
  },
  {
    file: 'command-report-step-result.schema.json',
    generate: () => toSchema(ReportStepResultSchema, 'command-report-step-result.schema.json'),
  },
  { file: 'event.schema.json', generate: () => toSchema(RunEventSchema, 'event.schema.json') },
  {
    file: 'start-request.schema.json',
    generate: () => toSchema(StartRequestSchema, 'start-request.schema.json'),
  },
];
