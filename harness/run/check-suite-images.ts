/**
 * The check before a run with docker samples starts: the engine answers, and has every image the suite needs
 * (else E_IMAGE_MISSING naming them, before any unit runs). Returns what the run records: image ids and digests,
 * and the capabilities its challenges add (one pass over the samples for both).
 */
import { RedlineError } from '../../src/errors.js';
import type { SuiteHandle } from '../../src/suite/load-suite.js';
import type { RunImage, RunSandboxInfo } from '../../src/store/run-sandbox.js';
import { createDockerClient, type DockerClient } from '../docker/docker-client.js';
import { scanDockerSamples } from '../docker/list-suite-images.js';

/** The sandbox record of `suite`'s docker samples, or null when it has none. */
export async function checkSuiteImages(
  suite: SuiteHandle,
  client: DockerClient = createDockerClient(),
  labRuntime?: string,
): Promise<RunSandboxInfo | null> {
  if (suite.agenticCount === 0) return null;
  const { images: needed, capabilities } = await scanDockerSamples(suite);
  if (needed.length === 0) return null;
  await client.ping();
  const images: RunImage[] = [];
  const missing: string[] = [];
  for (const { ref, samples } of needed) {
    const image = await client.inspectImage(ref);
    if (image === null)
      missing.push(`${ref} (used by ${samples.slice(0, 3).join(', ')}${samples.length > 3 ? ', ...' : ''})`);
    else images.push({ ref, id: image.id, repoDigests: image.repoDigests });
  }
  if (missing.length > 0) {
    throw new RedlineError(
      'E_IMAGE_MISSING',
      `the docker engine lacks ${missing.length} image(s) this suite needs: ${missing.join('; ')}. Load them ` +
        `(redline images ${suite.path} --load DIR) or build them (redline images ${suite.path} --build); nothing was run`,
    );
  }
  // The same choice as the backend's (a sample's own `runtime` still overrides it for that sample).
  const runtime =
    labRuntime !== undefined && labRuntime !== ''
      ? labRuntime
      : (await client.info()).runtimes.includes('runsc')
        ? 'runsc'
        : null;
  return { images, capabilities, runtime };
}
