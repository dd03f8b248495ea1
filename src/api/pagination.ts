/**
 * Keyset pagination. Ids are UUIDv7, so ordering by id is ordering by creation time; the
 * cursor is the last id of the page, opaque to callers. Never OFFSET.
 */
import { z } from 'zod';
import { InvalidInputError } from '../core/errors.js';

export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50).describe('Page size (default 50, max 500).'),
  cursor: z.string().max(200).optional().describe('The nextCursor of the previous page.'),
});

export function decodeCursor(cursor: string | undefined): string | undefined {
  if (!cursor) return undefined;
  try {
    const s = Buffer.from(cursor, 'base64url').toString('utf8');
    if (/^[0-9a-f-]{36}$/.test(s) || /^\d+$/.test(s)) return s;
  } catch {}
  throw new InvalidInputError('The cursor is not one this server handed out.', [{ path: 'cursor', message: 'is not a valid cursor' }]);
}

export function encodeCursor(key: string | number): string {
  return Buffer.from(String(key), 'utf8').toString('base64url');
}

/** Given limit+1 fetched rows, returns the page and the cursor of the next one. */
export function page<T>(rows: T[], limit: number, key: (row: T) => string | number): { items: T[]; nextCursor: string | null } {
  if (rows.length <= limit) return { items: rows, nextCursor: null };
  const items = rows.slice(0, limit);
  return { items, nextCursor: encodeCursor(key(items[items.length - 1]!)) };
}
