// Pilox as `pilox start` builds it, for the stripe benchmark. Prints `running at <url>`.
import { servePilox } from './serve-pilox.js';

await servePilox();
