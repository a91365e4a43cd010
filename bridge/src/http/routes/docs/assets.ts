import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { z } from 'zod';
import { DOCS_INIT_SCRIPT } from './docsPage.ts';

/**
 * What GET /docs/assets/:file serves: Swagger UI's bundle and stylesheet from the installed
 * swagger-ui-dist package (nothing from a CDN), and the page's own start-up script. Only these
 * names: nothing else of the package's folder is reachable.
 */
const PACKAGE_FILES = {
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui.css': 'text/css; charset=utf-8',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
} as const;

export const DOCS_INIT_FILE = 'init.js';

export const docsAssetParams = z.object({ file: z.enum([...(Object.keys(PACKAGE_FILES) as (keyof typeof PACKAGE_FILES)[]), DOCS_INIT_FILE]) });
export type DocsAsset = z.infer<typeof docsAssetParams>['file'];

let packageDir: string | undefined;
/** swagger-ui-dist's folder, wherever npm put it (resolved on first use). */
function swaggerUiDir(): string {
  packageDir ??= dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  return packageDir;
}

export interface Asset {
  type: string;
  length: number;
  body: Readable | string;
}

export async function openAsset(file: DocsAsset): Promise<Asset> {
  if (file === DOCS_INIT_FILE) return { type: 'text/javascript; charset=utf-8', length: Buffer.byteLength(DOCS_INIT_SCRIPT), body: DOCS_INIT_SCRIPT };
  const path = join(swaggerUiDir(), file);
  const { size } = await stat(path);
  return { type: PACKAGE_FILES[file], length: size, body: createReadStream(path) };
}
