import { describe, expect, it } from 'vitest';
import { filledTemplate, membersCtx, peopleToFill } from './fixtures/examples.js';
import { GALLERY } from './gallery.js';
import { validateDefinition } from './validate.js';

describe('template gallery', () => {
  it('holds at least twelve templates with distinct ids, names and descriptions', () => {
    expect(GALLERY.length).toBeGreaterThanOrEqual(12);
    expect(new Set(GALLERY.map((t) => t.id)).size).toBe(GALLERY.length);
    for (const t of GALLERY) {
      expect(t.id).toMatch(/^[a-z0-9-]+$/);
      expect(t.description.length, t.id).toBeGreaterThan(40);
      expect(t.tags.length, t.id).toBeGreaterThan(0);
    }
    for (const id of ['client-signoff', 'two-editors-then-legal', 'reminder-before-publish', 'share-review-link', 'weekly-digest', 'ai-caption']) {
      expect(GALLERY.map((t) => t.id)).toContain(id);
    }
  });

  it('each template is a valid workflow once its people are filled in', () => {
    for (const t of GALLERY) {
      const r = validateDefinition(filledTemplate(t, ['user_ann', 'user_bob', 'user_cy']), membersCtx);
      expect(r.ok ? [] : r.problems, t.id).toEqual([]);
    }
  });

  it('names no one: each template with people to fill is refused at exactly those fields until they are filled', () => {
    for (const t of GALLERY) {
      const people = peopleToFill(t);
      const r = validateDefinition(t.definition, membersCtx);
      if (people.length === 0) {
        expect(r.ok, t.id).toBe(true);
        continue;
      }
      expect(r.ok, t.id).toBe(false);
      const paths = r.ok ? [] : r.problems.map((p) => p.path);
      for (const f of people) expect(paths.some((p) => f.path.startsWith(p) || p.startsWith(f.path)), `${t.id} ${f.path} in ${paths.join(', ')}`).toBe(true);
      expect(JSON.stringify(t.definition)).not.toMatch(/user_|<[a-z-]+>/);
    }
  });
});
