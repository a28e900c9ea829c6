// Every variable the config accepts is documented for operators.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { envSchema } from './config.js';
import { packageRoot } from './lib/paths.js';

describe('docs/configuration.md', () => {
  it('documents every environment variable of the schema', () => {
    const doc = readFileSync(join(packageRoot, 'docs/configuration.md'), 'utf8');
    const missing = Object.keys(envSchema.shape).filter((name) => !doc.includes(`\`${name}\``));
    expect(missing).toEqual([]);
  });
});
