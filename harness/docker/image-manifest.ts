/**
 * ImageManifest: the images.json that `redline images --save` writes beside the image tars and `--load` checks them
 * against.
 */
import { Type, type Static } from '@sinclair/typebox';

/** The manifest `--save` writes beside the tars and `--load` checks them against. */
export const ImageManifest = Type.Object(
  {
    format: Type.Literal('redline-images/1', { description: 'The manifest format.' }),
    suite: Type.Object(
      {
        id: Type.String({ description: 'Id of the suite the images were saved for.' }),
        version: Type.String({ description: 'Its version.' }),
      },
      { additionalProperties: false, description: 'The suite the images were saved for.' },
    ),
    images: Type.Array(
      Type.Object(
        {
          ref: Type.String({ description: 'The image reference.', minLength: 1 }),
          id: Type.String({ description: 'The image id (sha256:...).', pattern: '^sha256:[0-9a-f]{64}$' }),
          file: Type.String({
            description: 'The tar in the same directory (a plain file name).',
            pattern: '^[A-Za-z0-9_-][A-Za-z0-9._-]*\\.tar$',
          }),
          sha256: Type.String({ description: 'Hex SHA-256 of the tar.', pattern: '^[0-9a-f]{64}$' }),
        },
        { additionalProperties: false, description: 'One saved image.' },
      ),
      { description: 'The saved images.' },
    ),
  },
  { additionalProperties: false, description: 'The images of a suite saved by `redline images --save`.' },
);
/** The manifest `--save` writes beside the tars and `--load` checks them against. */
export type ImageManifest = Static<typeof ImageManifest>;

/** The file name of the manifest inside a directory written by --save. */
export const IMAGE_MANIFEST_FILE = 'images.json';
