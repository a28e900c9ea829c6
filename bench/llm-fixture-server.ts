// The OpenAI-compatible fixture in its own process for the llm-gateway benchmark.
import { startOpenAiFixture } from '../test/fixtures/openai-server/index.js';

const server = await startOpenAiFixture({ record: false });
process.stdout.write(`fixture listening on ${server.url}\n`);
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
