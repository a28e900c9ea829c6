// Runs on `npm ci` / `npm install`: builds the server (and, once it exists, the dashboard) so
// `npm start` runs compiled code. Skipped when dev dependencies were omitted (production images
// build in a separate stage).
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';

if (!existsSync('node_modules/typescript')) {
  console.log('prepare: typescript not installed (dev dependencies omitted), skipping build');
  process.exit(0);
}
execSync('npm run build', { stdio: 'inherit' });
