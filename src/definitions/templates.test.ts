import { describe, expect, it } from 'vitest';
import {
  isWellFormedTemplate,
  lookupPath,
  renderTemplate,
  renderValue,
  templateRefs,
  templateSyntaxError,
  type Scope,
} from './templates.js';

const scope: Scope = {
  target: { title: 'Launch', version: 3, draft: false, tags: ['a', 'b'], scheduledAt: '2030-05-01T09:00:00Z', meta: null },
  phases: { draft: { output: { caption: 'Hello', score: 0.9, tags: ['x', 'y'] } } },
  input: { items: [{ name: 'first' }, { name: 'second' }] },
  run: { id: 'run_1' },
};

describe('lookupPath', () => {
  it('follows dotted paths through objects and list indexes', () => {
    expect(lookupPath(scope, 'target.title')).toBe('Launch');
    expect(lookupPath(scope, 'phases.draft.output.caption')).toBe('Hello');
    expect(lookupPath(scope, 'input.items.1.name')).toBe('second');
    expect(lookupPath(scope, 'target.tags')).toEqual(['a', 'b']);
  });

  it('finds nothing for missing paths', () => {
    expect(lookupPath(scope, 'target.nope')).toBeUndefined();
    expect(lookupPath(scope, 'target.title.length')).toBeUndefined();
    expect(lookupPath(scope, 'input.items.length')).toBeUndefined();
    expect(lookupPath(scope, 'input.items.9.name')).toBeUndefined();
    expect(lookupPath(scope, 'target.meta.x')).toBeUndefined();
    expect(lookupPath(scope, '')).toBeUndefined();
    expect(lookupPath(scope, 'target..title')).toBeUndefined();
    expect(lookupPath({}, 'target.title')).toBeUndefined();
    expect(lookupPath({ target: null }, 'target.title')).toBeUndefined();
  });

  it('never reaches prototypes', () => {
    for (const path of [
      'constructor',
      'constructor.name',
      'target.constructor',
      'target.constructor.prototype',
      'target.__proto__',
      '__proto__',
      'target.hasOwnProperty',
      'target.toString',
      'input.items.constructor',
      'target.title.constructor.name',
      'phases.draft.output.caption.__proto__',
    ]) {
      expect(lookupPath(scope, path)).toBeUndefined();
    }
  });

  it('does not run getters', () => {
    let called = false;
    const target = Object.defineProperty({}, 'secret', {
      enumerable: true,
      get() {
        called = true;
        return 'x';
      },
    });
    expect(lookupPath({ target }, 'target.secret')).toBeUndefined();
    expect(called).toBe(false);
  });

  it('reads an own "__proto__" data key only through no path at all', () => {
    const target = JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>;
    expect(lookupPath({ target }, 'target.__proto__.polluted')).toBeUndefined();
  });
});

describe('renderTemplate', () => {
  it('pastes values as text', () => {
    expect(renderTemplate('{{target.title}} v{{ target.version }}', scope)).toBe('Launch v3');
    expect(renderTemplate('draft={{target.draft}}', scope)).toBe('draft=false');
    expect(renderTemplate('{{target.tags}}', scope)).toBe('["a","b"]');
    expect(renderTemplate('{{phases.draft.output}}', scope)).toBe('{"caption":"Hello","score":0.9,"tags":["x","y"]}');
    expect(renderTemplate('[{{target.meta}}][{{target.missing}}]', scope)).toBe('[][]');
    expect(renderTemplate('no tags here', scope)).toBe('no tags here');
  });

  it('renders dates as ISO strings', () => {
    expect(renderTemplate('{{target.at}}', { target: { at: new Date('2030-01-02T03:04:05Z') } })).toBe(
      '2030-01-02T03:04:05.000Z',
    );
  });

  it('renders in one pass: a value containing "{{…}}" is pasted, not expanded', () => {
    const s: Scope = { target: { title: '{{run.id}}' }, run: { id: 'secret' } };
    expect(renderTemplate('{{target.title}}', s)).toBe('{{run.id}}');
  });

  it('turns prototype probes into empty text', () => {
    expect(renderTemplate('[{{constructor.name}}][{{target.__proto__}}][{{target.constructor.constructor}}]', scope)).toBe(
      '[][][]',
    );
  });

  it('leaves malformed braces as written', () => {
    expect(renderTemplate('{{ target.title', scope)).toBe('{{ target.title');
    expect(renderTemplate('{{target title}}', scope)).toBe('{{target title}}');
  });
});

describe('renderValue', () => {
  it('keeps the raw value of a string that is exactly one reference', () => {
    expect(renderValue('{{phases.draft.output.tags}}', scope)).toEqual(['x', 'y']);
    expect(renderValue('{{ phases.draft.output.score }}', scope)).toBe(0.9);
    expect(renderValue('{{target.missing}}', scope)).toBeUndefined();
    expect(renderValue('tags: {{phases.draft.output.tags}}', scope)).toBe('tags: ["x","y"]');
  });

  it('renders deep inside lists and objects, leaving other values alone', () => {
    expect(
      renderValue({ a: ['{{target.title}}', 1, null, true], b: { c: 'Hi {{target.title}}' } }, scope),
    ).toEqual({ a: ['Launch', 1, null, true], b: { c: 'Hi Launch' } });
  });

  it('keeps a "__proto__" key a plain key instead of setting a prototype', () => {
    const value = JSON.parse('{"__proto__": {"polluted": "{{target.title}}"}}') as unknown;
    const out = renderValue(value, scope) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.hasOwn(out, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('template syntax', () => {
  it('lists references in order', () => {
    expect(templateRefs('{{target.title}} and {{ phases.draft.output.caption }} {{bad ref}}')).toEqual([
      'target.title',
      'phases.draft.output.caption',
    ]);
  });

  it.each(['', 'plain', '{{target.title}}', 'a {{ x.y-z_1.0 }} b {{c}}', '{"a": 1}'])('accepts %j', (tpl) => {
    expect(isWellFormedTemplate(tpl)).toBe(true);
  });

  it.each([
    ['{{target.title', /never closed/],
    ['target.title}}', /without a matching/],
    ['{{}}', /not a reference/],
    ['{{ target title }}', /not a reference/],
    ['{{target.title + 1}}', /not a reference/],
    ['{{ {{target.title}} }}', /inside another/],
    ['{{a}} }}', /without a matching/],
    ['{{constructor["name"]}}', /not a reference/],
  ])('refuses %j', (tpl, why) => {
    expect(isWellFormedTemplate(tpl)).toBe(false);
    expect(templateSyntaxError(tpl)).toMatch(why);
  });
});
