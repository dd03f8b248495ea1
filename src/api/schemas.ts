/** Shared zod pieces for request schemas. */
import { z } from 'zod';

export const idParam = (name: string) => z.object({ [name]: z.string().min(1).max(100) });
/**
 * One @, no spaces, something on both sides: addresses on internal domains (admin@localhost)
 * are valid for a self-hosted server, so no TLD is required.
 */
export const email = z.string().max(320).regex(/^[^\s@]+@[^\s@]+$/, 'must be an email address like name@example.com');
/** Any non-empty password up to 200 characters: Flowgate leaves password policy to the operator (the setup page asks for 8+). */
export const password = z.string().min(1, 'must not be empty').max(200);
export const errorBody = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});
