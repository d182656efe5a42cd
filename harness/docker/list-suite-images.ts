/**
 * The images a suite's docker samples need: agent images, inline service images and the images of compose
 * services, each with the samples using it and its build recipe from the suite header (`images`). Samples are
 * streamed through the suite handle; compose files are resolved by the docker backend's own resolveServices.
 */
import { isRedlineError, RedlineError } from '../../src/errors.js';
import type { ImageBuild } from '../../src/schema/suite.js';
import type { SuiteHandle } from '../../src/suite/load-suite.js';
import { resolveServices } from '../sandbox/docker-sandbox-spec.js';

/** One image a suite needs. */
export interface SuiteImage {
  /** The image reference, as the samples name it. */
  ref: string;
  /** Ids of the samples that use it, in suite order. */
  samples: string[];
  /** How `redline images --build` makes it, when the suite header has a recipe for it. */
  recipe?: ImageBuild;
}

/** What the docker samples of a suite need: images, and the capabilities each sample adds. */
export interface DockerSampleScan {
  images: SuiteImage[];
  /** Sample id -> capabilities its agent and services add (only samples that add some), sorted. */
  capabilities: Record<string, string[]>;
}

/**
 * Every image the docker samples of `suite` use, deduplicated and sorted by reference.
 *
 * @example
 * const suite = await openSuite('suites/ctf-live');
 * for (const image of await listSuiteImages(suite)) console.log(image.ref, image.samples.length);
 */
export async function listSuiteImages(suite: SuiteHandle): Promise<SuiteImage[]> {
  return (await scanDockerSamples(suite)).images;
}

/** One pass over the samples of `suite`: the images its docker samples use and the capabilities they add. */
export async function scanDockerSamples(suite: SuiteHandle): Promise<DockerSampleScan> {
  const capabilities: Record<string, string[]> = {};
  const recipes = suite.header.images ?? {};
  const users = new Map<string, Set<string>>();
  const use = (ref: string, sampleId: string): void => {
    let ids = users.get(ref);
    if (ids === undefined) users.set(ref, (ids = new Set()));
    ids.add(sampleId);
  };
  for await (const sample of suite.samples()) {
    const sandbox = sample.sandbox;
    if (sandbox?.backend !== 'docker') continue;
    if (sandbox.image !== undefined) use(sandbox.image, sample.id);
    let services;
    try {
      services = resolveServices(sample, suite.dir);
    } catch (error) {
      // The backend's message names the sample and the compose file; add the suite, keep the code.
      if (!isRedlineError(error)) throw error;
      throw new RedlineError(error.code, `${suite.displayFile}: ${error.message}`, {
        details: error.details,
        cause: error,
      });
    }
    const added = new Set<string>(sandbox.capabilities ?? []);
    for (const service of Object.values(services)) {
      use(service.image, sample.id);
      for (const capability of service.capabilities ?? []) added.add(capability);
    }
    if (added.size > 0) capabilities[sample.id] = [...added].sort();
  }
  const images = [...users.keys()]
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((ref) => {
      const recipe = Object.hasOwn(recipes, ref) ? recipes[ref] : undefined;
      return { ref, samples: [...(users.get(ref) ?? [])], ...(recipe === undefined ? {} : { recipe }) };
    });
  return { images, capabilities };
}
