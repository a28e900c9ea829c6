// Builds (or reuses) the base image `package`/`managed` agents run in under the docker driver:
// the host's node + the libraries it links, imported through the Docker API, no registry.
//   DOCKER_HOST=$(scripts/podman-service.sh | tail -n1) npx tsx scripts/build-agent-image.ts [repo]
// Prints the image reference (`<repo>:<content hash>`) on the last line.
import { createDockerClient, parseDockerHost } from '../src/runtime/docker/docker-client.js';
import { DEFAULT_NODE_IMAGE_REPO, ensureNodeImage } from '../src/runtime/docker/node-image.js';

const repo = process.argv[2] ?? DEFAULT_NODE_IMAGE_REPO;
const docker = createDockerClient(parseDockerHost(process.env.DOCKER_HOST));
const started = Date.now();
const ref = await ensureNodeImage(docker, { repo });
process.stderr.write(`image ready in ${Date.now() - started} ms\n`);
process.stdout.write(`${ref}\n`);
