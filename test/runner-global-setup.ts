// Bundles the managed-agent runner once per test run (dist/runner.mjs), as `npm run build`
// does, so tests start the very file a sandbox runs.
// @ts-expect-error plain ESM script without types
import { buildRunner } from '../scripts/build-runner.mjs';

export default async function setup() {
  await (buildRunner as () => Promise<string>)();
}
