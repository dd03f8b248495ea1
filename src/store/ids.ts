import { uuidv7 } from 'uuidv7';

/** Time-ordered ids (UUIDv7): keyset pagination by id is pagination by creation time. */
export function newId(): string {
  return uuidv7();
}
