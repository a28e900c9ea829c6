// The egress rule of eslint.config.js (docs/development.md): raw HTTP clients are refused in
// src/ outside src/lib/egress. Runs ESLint on snippets so the rule cannot silently disappear.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../paths.js';

const eslint = new ESLint({ cwd: packageRoot });

async function egressErrors(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages
    .filter((m) => /egress guard/.test(m.message))
    .map((m) => m.ruleId ?? 'unknown');
}

const MODULE_FILE = 'src/modules/webhooks/webhooks.service.ts';

describe('egress lint rule', () => {
  it.each([
    ['global fetch', `export const f = () => fetch('http://x');`],
    ['globalThis.fetch', `export const f = () => globalThis.fetch('http://x');`],
    ['undici import', `import { request } from 'undici';\nexport const f = request;`],
    ['undici dynamic import', `export const f = () => import('undici');`],
    ['http.request by name', `import { request } from 'node:http';\nexport const f = request;`],
    ['https.get by name', `import { get } from 'https';\nexport const f = get;`],
    ['http namespace import', `import * as http from 'node:http';\nexport const f = http.request;`],
    ['https default import', `import https from 'node:https';\nexport const f = https.request;`],
    ['http2 connect', `import { connect } from 'node:http2';\nexport const f = connect;`],
    ['axios', `import axios from 'axios';\nexport const f = axios;`],
  ])('refuses %s in a module', async (_name, code) => {
    expect((await egressErrors(code, MODULE_FILE)).length).toBeGreaterThan(0);
  });

  it('allows HTTP servers and types, and everything inside src/lib/egress', async () => {
    expect(await egressErrors(`import { createServer, type IncomingMessage } from 'node:http';\nexport const s: (m: IncomingMessage) => void = () => {};\nexport const c = createServer;`, MODULE_FILE)).toEqual([]);
    expect(await egressErrors(`import { fetch } from 'undici';\nexport const f = () => fetch('http://x');`, 'src/lib/egress/guarded-fetch.ts')).toEqual([]);
  });
});
