import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { configurationMarkdown, generatedFiles, openApiJson, repoRoot } from '../scripts/docs-content.ts';
import { loadConfig, type SettingSpec, settingNames, settings } from '../src/infra/config/index.ts';

function read(path: string): string | undefined {
  const full = join(repoRoot, path);
  return existsSync(full) ? readFileSync(full, 'utf8') : undefined;
}

/** Every `$ref` in a JSON document, with where it was found. */
function refsOf(value: unknown, at = '#'): Array<{ at: string; ref: string }> {
  if (Array.isArray(value)) return value.flatMap((item, index) => refsOf(item, `${at}/${index}`));
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, child]) =>
    key === '$ref' && typeof child === 'string' ? [{ at, ref: child }] : refsOf(child, `${at}/${key}`),
  );
}

/** Follows a local JSON pointer (`#/components/schemas/Org`); undefined when it leads nowhere. */
function resolvePointer(document: unknown, ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  let node: unknown = document;
  for (const raw of ref.slice(2).split('/')) {
    const key = decodeURIComponent(raw).replaceAll('~1', '/').replaceAll('~0', '~');
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

describe('generated docs', () => {
  const cases = [
    { path: generatedFiles.configuration, generate: configurationMarkdown },
    { path: generatedFiles.openApi, generate: openApiJson },
  ];
  for (const { path, generate } of cases) {
    it(`${path} matches the code`, () => {
      const committed = read(path);
      assert.ok(committed !== undefined, `${path} is missing: run \`npm run docs\``);
      assert.ok(committed === generate(), `${path} is out of date: run \`npm run docs\``);
    });
  }

  it('docs/configuration.md names every setting', () => {
    const markdown = configurationMarkdown();
    for (const name of settingNames) {
      assert.ok(markdown.includes(`| \`${name}\` |`), `${name} is missing from the settings table`);
    }
  });
});

describe('OpenAPI document', () => {
  const document = JSON.parse(openApiJson()) as {
    openapi: string;
    info: { version: string };
    paths: Record<string, unknown>;
    components: { schemas: Record<string, unknown> };
  };

  it('is OpenAPI 3.1 with the version of package.json', () => {
    const pkg = JSON.parse(read('package.json') ?? '{}') as { version: string };
    assert.equal(document.openapi, '3.1.0');
    assert.equal(document.info.version, pkg.version);
  });

  it('has every admin path of the contract', () => {
    const contractPaths = [
      '/orgs',
      '/orgs/{org}',
      '/orgs/{org}/api-keys',
      '/orgs/{org}/teams',
      '/orgs/{org}/teams/{team}',
      '/orgs/{org}/audit-events',
    ];
    for (const path of contractPaths) {
      assert.ok(path in document.paths, `${path} is missing from the OpenAPI document`);
    }
  });

  it('resolves every $ref to a component', () => {
    const refs = refsOf(document);
    assert.ok(refs.length > 0, 'expected the document to use components');
    for (const { at, ref } of refs) {
      assert.match(ref, /^#\/components\//, `${at} refers outside the components: ${ref}`);
      assert.ok(resolvePointer(document, ref) !== undefined, `${at} refers to ${ref}, which does not exist`);
    }
  });
});

describe('config/muster.example.yaml', () => {
  const path = 'config/muster.example.yaml';
  const text = read(path) ?? '';

  it('loads as a CONFIG_FILE', () => {
    const config = loadConfig({ CONFIG_FILE: path }, repoRoot);
    assert.equal(config.configFile, path);
  });

  it('names every setting a file may hold', () => {
    for (const name of settingNames) {
      const spec: SettingSpec<unknown> = settings[name];
      const named = new RegExp(`^(# )?${name}:`, 'm').test(text);
      assert.equal(named, !spec.envOnly, `${name} ${named ? 'must not be' : 'is not'} in ${path}`);
    }
  });

  it('shows the defaults', () => {
    const values = (parseYaml(text) ?? {}) as Record<string, unknown>;
    for (const [name, value] of Object.entries(values)) {
      const spec: SettingSpec<unknown> | undefined = (settings as Record<string, SettingSpec<unknown>>)[name];
      assert.equal(String(value), spec?.defaultText, `${name} in ${path} is not its default`);
    }
  });

  it('sets no secret', () => {
    const values = (parseYaml(text) ?? {}) as Record<string, unknown>;
    for (const name of settingNames) {
      const spec: SettingSpec<unknown> = settings[name];
      if (spec.secret) {
        assert.ok(!(name in values), `${name} is a secret and must stay commented out in ${path}`);
      }
    }
  });
});
