import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

/**
 * Keeps the layers pointing one way: protocols → domain → storage, with
 * infra serving all, and every module reached through its index.ts.
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');

interface Import {
  readonly file: string;
  readonly spec: string;
  readonly typeOnly: boolean;
  /** The file the import resolves to, relative to src/, for relative imports. */
  readonly target: string | undefined;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? sourceFiles(path) : entry.endsWith('.ts') ? [path] : [];
  });
}

function importsOf(file: string): Import[] {
  const text = readFileSync(file, 'utf8');
  const pattern = /^\s*(import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]/gm;
  return [...text.matchAll(pattern)].map((m) => {
    const spec = m[3] ?? '';
    const target = spec.startsWith('.') ? relative(src, resolve(dirname(file), spec)) : undefined;
    return { file: relative(src, file), spec, typeOnly: Boolean(m[2]), target };
  });
}

const all = sourceFiles(src).flatMap(importsOf);
const layerOf = (path: string) => path.split('/')[0] ?? '';
/** A module is src/<layer>/<name>/ (storage is one module of its own). */
const moduleOf = (path: string) => {
  const parts = path.split('/');
  if (parts.length < 2) return path;
  return parts[0] === 'storage' ? 'storage' : parts.slice(0, 2).join('/');
};

function violations(rule: (i: Import) => boolean): string[] {
  return all.filter(rule).map((i) => `${i.file} imports ${i.spec}`);
}

describe('architecture', () => {
  it('finds the source files it checks', () => {
    assert.ok(all.length > 50, `only ${all.length} imports found`);
  });

  it('the domain knows nothing of HTTP, wire formats or the protocol edge', () => {
    assert.deepEqual(
      violations(
        (i) =>
          layerOf(i.file) === 'domain' &&
          (['express', 'supertest', 'pg', '@electric-sql/pglite'].includes(i.spec) ||
            layerOf(i.target ?? '') === 'protocols'),
      ),
      [],
    );
  });

  it('storage knows nothing of requests or the domain', () => {
    assert.deepEqual(
      violations(
        (i) =>
          layerOf(i.file) === 'storage' &&
          (i.spec === 'express' || ['domain', 'protocols'].includes(layerOf(i.target ?? ''))),
      ),
      [],
    );
  });

  it('infra serves all and depends on none of the layers', () => {
    assert.deepEqual(
      violations(
        (i) =>
          layerOf(i.file) === 'infra' && ['domain', 'protocols', 'storage'].includes(layerOf(i.target ?? '')),
      ),
      [],
    );
  });

  it('the protocol edge reaches storage for types only, never for queries', () => {
    assert.deepEqual(
      violations(
        (i) => layerOf(i.file) === 'protocols' && layerOf(i.target ?? '') === 'storage' && !i.typeOnly,
      ),
      [],
    );
  });

  it('another module is reached only through its index.ts', () => {
    assert.deepEqual(
      violations((i) => {
        const target = i.target ?? '';
        return target.includes('/') && moduleOf(target) !== moduleOf(i.file) && !target.endsWith('/index.ts');
      }),
      [],
    );
  });

  it('only main.ts and app.ts wire the layers together', () => {
    const wiring = new Set(all.filter((i) => i.target && !i.file.includes('/')).map((i) => i.file));
    assert.deepEqual(
      [...wiring].filter((f) => f !== 'main.ts' && f !== 'app.ts' && f !== 'errors.ts'),
      [],
    );
  });
});
