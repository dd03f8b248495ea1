/** Shared zod pieces for request schemas. */
import { z } from 'zod';

export const idParam = (name: string) => z.object({ [name]: z.string().min(1).max(100) });
export const email = z.email().max(320);
export const password = z.string().min(8, 'must be at least 8 characters').max(200);
export const errorBody = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});
