/**
 * ImageTable: the image build recipes of one import (the suite header's `images`), shared by the tasks that build
 * the same image from the same files.
 */
import type { ImageBuild } from '../../schema/suite.js';

/** The image build recipes of one import (header.images), with the task that claimed each. */
export class ImageTable {
  readonly images: Record<string, ImageBuild> = {};
  readonly #claims = new Map<string, { identity: string; owners: Set<string> }>();

  /**
   * Records `recipe` as the way to build `image` for `owner` (a task key). False when `image` is already built from
   * another source (two tasks naming their images alike): the caller picks another name.
   */
  claim(image: string, recipe: ImageBuild, identity: string, owner: string): boolean {
    const claim = this.#claims.get(image);
    if (claim !== undefined && claim.identity !== identity) return false;
    if (claim === undefined) {
      this.#claims.set(image, { identity, owners: new Set([owner]) });
      this.images[image] = recipe;
    } else claim.owners.add(owner);
    return true;
  }

  /** Gives back the images claimed by `owner` (a task imported question-only after all). */
  release(owner: string): void {
    for (const [image, claim] of this.#claims) {
      claim.owners.delete(owner);
      if (claim.owners.size > 0) continue;
      this.#claims.delete(image);
      delete this.images[image];
    }
  }
}
