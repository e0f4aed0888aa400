import type { z } from 'zod';
import { ValidationError } from '../errors';

/** Parses input with a zod schema; a failure names the field and what is wrong with it (400). */
export function validate<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue.path.join('.') || (issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : 'input');
  throw new ValidationError(`${field}: ${issue.message}`, { field });
}
