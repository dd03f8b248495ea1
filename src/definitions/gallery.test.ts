import { describe, expect, it } from 'vitest';
import { membersCtx } from './fixtures/examples.js';
import { GALLERY, type GalleryTemplate } from './gallery.js';
import { validateDefinition } from './validate.js';

/** The template with every people field it lists filled as a user would. */
function filled(tpl: GalleryTemplate): unknown {
  const def = structuredClone(tpl.definition) as unknown as Record<string, unknown>;
  for (const { path } of tpl.fill) {
    const keys = path.split('.');
    let at: any = def;
    for (const k of keys.slice(0, -1)) at = at[k];
    const last = keys[keys.length - 1]!;
    if (Array.isArray(at[last])) at[last] = last === 'members' ? ['user_ann', 'user_bob', 'user_cy'] : ['client@brand.example'];
  }
  return def;
}

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
      const r = validateDefinition(filled(t), membersCtx);
      expect(r.ok ? [] : r.problems, t.id).toEqual([]);
    }
  });

  it('names no one: each template with people to fill is refused at exactly those fields until they are filled', () => {
    for (const t of GALLERY) {
      const people = t.fill.filter((f) => /(members|emails|\.to)$/.test(f.path));
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
