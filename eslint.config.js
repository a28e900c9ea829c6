import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// ARCHITECTURE rule 3: configuration is read in src/config.ts alone.
const NO_PROCESS_ENV = {
  selector: "MemberExpression[object.name='process'][property.name='env']",
  message: 'Read configuration through src/config.ts (loadConfig), never process.env directly.',
};

// Spec 4.2: every outbound HTTP(S) request goes through the egress guard (src/lib/egress).
// Files allowed to make raw HTTP client calls, each with the reason (docs/development.md):
const EGRESS_EXEMPT = [
  'src/lib/egress/**', // the guard itself
  // HTTP over an agent's unix socket (the dispatcher is bound to the socket path, so no URL can
  // send bytes anywhere else): internal traffic to agents Pilox runs, not user-supplied egress.
  'src/modules/a2a/gateway/socket-fetch.ts',
  'src/modules/a2a/gateway/upstream.ts',
  // The managed-agent runner inside a sandbox: HTTP over its pilox.sock only (a path the runtime
  // gives it); no URL is ever requested, and the sandbox has no other network anyway.
  'src/runner/host-client.ts',
  // Readiness probe: GET of the agent card on the unix socket Pilox made for the agent.
  'src/runtime/probe.ts',
  // Test suite: JSON-RPC calls to the agent on the unix socket the test made.
  'src/runtime/runtime.contract.ts',
  // `pilox gateway` → the operator's own app at GATEWAY_UPSTREAM_URL (config, never request
  // input; usually a private address the guard would refuse). Only fixed route paths are sent.
  'src/gateway/upstream.ts',
];
// The runner is its own program (bundled into dist/runner.mjs, run inside a sandbox): it reads
// its environment contract (src/runtime/agent-host.ts) here, not through src/config.ts.
const OWN_ENV_READERS = ['src/config.ts', 'src/runner/runner-env.ts'];
const EGRESS_MESSAGE = 'Outbound HTTP goes through the egress guard (container.egress.fetch, src/lib/egress); see docs/development.md.';
const HTTP_MODULES = ['http', 'https', 'http2', 'node:http', 'node:https', 'node:http2'];
const NO_RAW_HTTP_IMPORTS = {
  paths: [
    ...['undici', 'node-fetch', 'axios', 'got', 'ky', 'superagent', 'needle', 'request'].map((name) => ({ name, message: EGRESS_MESSAGE })),
    ...HTTP_MODULES.map((name) => ({ name, importNames: ['request', 'get', 'Agent', 'globalAgent', 'connect'], message: EGRESS_MESSAGE })),
  ],
};
const NO_RAW_HTTP_SYNTAX = [
  {
    // Default and namespace imports would reach http.request unseen; import createServer and types by name.
    selector: `ImportDeclaration[source.value=/^(node:)?https?2?$/] > :matches(ImportDefaultSpecifier, ImportNamespaceSpecifier)`,
    message: `${EGRESS_MESSAGE} Import the server parts by name (import { createServer } from 'node:http').`,
  },
  { selector: "ImportExpression[source.value=/^(undici|(node:)?https?2?)$/]", message: EGRESS_MESSAGE },
  { selector: "MemberExpression[object.name='globalThis'][property.name='fetch']", message: EGRESS_MESSAGE },
];

export default tseslint.config(
  { ignores: ['dist/**', 'web/dist/**', 'node_modules/**', 'drizzle/**', '.pilox/**', '.test-artifacts/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-empty': ['error', { allowEmptyCatch: true }],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: OWN_ENV_READERS,
    rules: { 'no-restricted-syntax': ['error', NO_PROCESS_ENV] },
  },
  ...[
    { files: ['src/**/*.ts'], ignores: [...EGRESS_EXEMPT, '**/*.test.ts', ...OWN_ENV_READERS], env: [NO_PROCESS_ENV] },
    { files: OWN_ENV_READERS, env: [] },
  ].map(({ files, ignores, env }) => ({
    files,
    ...(ignores ? { ignores } : {}),
    rules: {
      // Restates NO_PROCESS_ENV where it applies: a later block replaces a rule, it does not add to it.
      'no-restricted-syntax': ['error', ...env, ...NO_RAW_HTTP_SYNTAX],
      'no-restricted-imports': ['error', NO_RAW_HTTP_IMPORTS],
      'no-restricted-globals': ['error', { name: 'fetch', message: EGRESS_MESSAGE }, { name: 'XMLHttpRequest', message: EGRESS_MESSAGE }],
    },
  })),
  {
    files: ['web/src/**/*.{ts,tsx}'],
    languageOptions: {
      globals: {
        window: 'readonly', document: 'readonly', localStorage: 'readonly', navigator: 'readonly', fetch: 'readonly',
        setTimeout: 'readonly', clearTimeout: 'readonly', TextDecoderStream: 'readonly', FormData: 'readonly', Blob: 'readonly',
        AbortController: 'readonly', AbortSignal: 'readonly', EventSource: 'readonly', HTMLElement: 'readonly',
      },
    },
  },
  {
    files: ['bin/**/*.js'],
    languageOptions: { globals: { process: 'readonly' } },
  },
);
