// Bundles the managed-agent runner (src/runner/main.ts) into ONE file, dist/runner.mjs, with all
// its dependencies (@a2a-js/sdk, zod…): it runs inside a sandbox where only `node` exists.
// Run by `npm run build`, by the test global setup, and on demand (`node scripts/build-runner.mjs`).
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const RUNNER_BUNDLE = join(root, 'dist', 'runner.mjs');

export async function buildRunner(outFile = RUNNER_BUNDLE) {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [join(root, 'src/runner/main.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    minify: false,
    legalComments: 'none',
    logLevel: 'warning',
    // Some bundled CommonJS dependencies call require() for node built-ins.
    banner: { js: "import { createRequire as __piloxCreateRequire } from 'node:module'; const require = __piloxCreateRequire(import.meta.url);" },
  });
  mkdirSync(dirname(outFile), { recursive: true });
  // Written aside and renamed: a runner starting meanwhile never reads half a file.
  const tmp = `${outFile}.${process.pid}.tmp`;
  writeFileSync(tmp, result.outputFiles[0].contents);
  renameSync(tmp, outFile);
  return outFile;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = await buildRunner(process.argv[2]);
  console.log(`runner bundled: ${out}`);
}
