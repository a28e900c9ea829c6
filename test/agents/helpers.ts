// Package agents for tests: a directory (the echo agent, or files written here) as the tar.gz
// an operator uploads.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tar from 'tar';
import { packageRoot } from '../../src/lib/paths.js';
import type { TestApp } from '../helpers/app.js';

export const ECHO_AGENT_DIR = join(packageRoot, 'test/fixtures/echo-agent');

export async function tarGz(dir: string, files: string[]): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const stream = tar.c({ gzip: true, cwd: dir, portable: true }, files);
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

export const echoPackage = () => tarGz(ECHO_AGENT_DIR, ['package.json', 'server.mjs']);

/** A package whose main is `code`. */
export async function scriptPackage(code: string): Promise<Buffer> {
  const dir = mkdtempSync(join(tmpdir(), 'pilox-pkg-'));
  try {
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'script', type: 'module', main: 'main.mjs' }));
    writeFileSync(join(dir, 'main.mjs'), code);
    return await tarGz(dir, ['package.json', 'main.mjs']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function upload(t: TestApp, auth: string, id: string, body: Buffer) {
  return t.app.inject({ method: 'POST', url: `/api/agents/${id}/package`, headers: { authorization: auth, 'content-type': 'application/gzip' }, payload: body });
}

export async function waitFor<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await fn();
  while (!ok(last) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    last = await fn();
  }
  return last;
}
