// `npm run bench -- <name>`: runs one benchmark; each prints a final `RESULT <name> key=value …` line.
const benches: Record<string, () => Promise<void>> = {
  health: async () => (await import('./health.js')).run(),
  auth: async () => (await import('./auth.js')).run(),
  egress: async () => (await import('./egress.js')).run(),
  a2a: async () => (await import('./a2a.js')).run(),
  mesh: async () => (await import('./mesh.js')).run(),
  'llm-gateway': async () => (await import('./llm-gateway.js')).run(),
  'docker-coldstart': async () => (await import('./docker-coldstart.js')).run(),
  stripe: async () => (await import('./stripe.js')).run(),
  coldstart: async () => (await import('./coldstart.js')).run(),
  density: async () => (await import('./density.js')).run(),
};

const name = process.argv[2];
const bench = name ? benches[name] : undefined;
if (!bench) {
  process.stderr.write(`usage: npm run bench -- <${Object.keys(benches).join('|')}>\n`);
  process.exit(2);
}
await bench();
