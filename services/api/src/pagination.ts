import { z } from 'zod';
import type { Context } from 'hono';
import { parseWith } from './request-body';

export const ListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().max(2000).optional(),
});

export function listQuery(c: Context): z.infer<typeof ListQuerySchema> {
  return parseWith(ListQuerySchema, c.req.query(), 'query');
}
