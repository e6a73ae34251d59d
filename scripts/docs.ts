/**
 * `npm run docs`: writes docs/configuration.md and docs/openapi.json from
 * the code. Run it after changing a setting or an admin API operation, and
 * commit the result; the test suite fails while they differ.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { configurationMarkdown, generatedFiles, openApiJson, repoRoot } from './docs-content.ts';

const outputs: Array<[string, string]> = [
  [generatedFiles.configuration, configurationMarkdown()],
  [generatedFiles.openApi, openApiJson()],
];

for (const [path, content] of outputs) {
  const full = join(repoRoot, path);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, content);
  process.stdout.write(`wrote ${path}\n`);
}
