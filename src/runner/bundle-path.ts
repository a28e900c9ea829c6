// Where the bundled runner lives: built by `npm run build` (scripts/build-runner.mjs), run by the
// runtime as `node <entry>` inside a managed agent's sandbox.
import { join } from 'node:path';
import { packageRoot } from '../lib/paths.js';

export const runnerBundlePath = join(packageRoot, 'dist', 'runner.mjs');
