/**
 * mapComposeBuild: a service's `build:`. With ParseComposeOptions.builtImageName it records the build recipe (a
 * context relative to the compose file and a Dockerfile inside it) and names the image; without it, images are
 * never built at run time, so `build:` is ignored beside `image:` and a problem alone.
 */
import type { ComposeBuild } from './parse-compose.js';
import { isRecord, type ComposeContext, type ComposePath } from './compose-context.js';

/** The image of a service with `build:` (undefined when it has none to run). */
export function mapComposeBuild(
  ctx: ComposeContext,
  raw: unknown,
  at: ComposePath,
  service: string,
  image: string | undefined,
): string | undefined {
  const name = ctx.options.builtImageName;
  if (name === undefined) {
    if (image === undefined)
      ctx.problem(
        at,
        `images are not built at run time; build or load the image beforehand (redline images SUITE --build) and give its name in \`image\``,
      );
    return image;
  }
  const recipe = buildRecipe(ctx, raw, at);
  const tag = image ?? name(service);
  if (recipe !== undefined) ctx.out.builds[service] = { image: tag, ...recipe };
  return tag;
}

function buildRecipe(
  ctx: ComposeContext,
  raw: unknown,
  at: ComposePath,
): Omit<ComposeBuild, 'image'> | undefined {
  let context: string | undefined;
  let dockerfile: string | undefined;
  if (typeof raw === 'string') context = ctx.text(raw, at);
  else if (isRecord(raw)) {
    for (const [key, value] of Object.entries(raw)) {
      if (key === 'context') context = ctx.text(value, [...at, key]);
      else if (key === 'dockerfile') dockerfile = ctx.text(value, [...at, key]);
      else if (!key.startsWith('x-'))
        ctx.problem(
          [...at, key],
          `build \`${key}\` is not supported (a recipe is a context and a Dockerfile): write it into the Dockerfile`,
        );
    }
    context ??= '.';
  } else {
    ctx.problem(at, '`build` must be a context path or a mapping with `context`');
    return undefined;
  }
  if (context === undefined) return undefined;
  if (context.startsWith('/') || /^[a-z][a-z0-9+.-]*:/i.test(context)) {
    ctx.problem(
      at,
      `build context ${JSON.stringify(context)} must be a folder relative to the compose file: copy the context beside it`,
    );
    return undefined;
  }
  if (dockerfile !== undefined && (dockerfile.startsWith('/') || dockerfile.split('/').includes('..'))) {
    ctx.problem([...at, 'dockerfile'], '`dockerfile` must be a path inside the build context');
    return undefined;
  }
  return {
    context: normaliseRelative(context),
    ...(dockerfile === undefined || normaliseRelative(dockerfile) === 'Dockerfile'
      ? {}
      : { dockerfile: normaliseRelative(dockerfile) }),
  };
}

/** A relative path in POSIX form without `.` and inner `..` segments ("." for the folder itself). */
function normaliseRelative(path: string): string {
  const parts: string[] = [];
  for (const part of path.replaceAll('\\', '/').split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..' && parts.length > 0 && parts.at(-1) !== '..') parts.pop();
    else parts.push(part);
  }
  return parts.length === 0 ? '.' : parts.join('/');
}
