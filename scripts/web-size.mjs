#!/usr/bin/env node
// Prints what a browser downloads on the dashboard's first load (index.html, the entry script,
// its preloaded chunks and the stylesheet), raw and gzip-compressed. Run after `npm run build`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const dist = join(import.meta.dirname, '..', 'web', 'dist');
const html = readFileSync(join(dist, 'index.html'));
const assets = [...html.toString().matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]);
let raw = html.length;
let gz = gzipSync(html, { level: 9 }).length;
for (const a of assets) {
  const body = readFileSync(join(dist, a));
  raw += body.length;
  gz += gzipSync(body, { level: 9 }).length;
}
const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
console.log(`first load: ${assets.length + 1} files, ${kb(raw)} raw, ${kb(gz)} gzip`);
