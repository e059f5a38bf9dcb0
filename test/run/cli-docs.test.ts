/** docs/cli.md is generated from the option tables; it must match them (regenerate with scripts/gen-cli-docs.mjs). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('docs/cli.md', () => {
  it('equals what the option tables generate', async () => {
    const root = join(__dirname, '..', '..');
    const { renderCliDocs } = await import('../../scripts/gen-cli-docs.mjs');
    expect(readFileSync(join(root, 'docs', 'cli.md'), 'utf8')).toBe(renderCliDocs());
  });
});
