import { readdir, readFile } from 'node:fs/promises';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { APIGatewayProxyResult } from 'aws-lambda';
import type { LocalRoute } from './http-server.js';

/** Where `npm run console:build` writes the web console. */
export const CONSOLE_DIST = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'console', 'dist');

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/** Sent with every file of the console: nothing from other origins, no framing, no sniffing. */
export const CONSOLE_SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
};

function answer(status: number, contentType: string, body: Buffer | string): APIGatewayProxyResult {
  const buffer = typeof body === 'string' ? Buffer.from(body) : body;
  return {
    statusCode: status,
    headers: { ...CONSOLE_SECURITY_HEADERS, 'content-type': contentType, 'cache-control': 'no-cache' },
    body: buffer.toString('base64'),
    isBase64Encoded: true,
  };
}

/**
 * `GET /console/` and its files, outside the base path. Only files that the build wrote are
 * served, by exact name; anything else is a 404.
 */
export function consoleRoutes(dir = CONSOLE_DIST): LocalRoute[] {
  const serve = async (name: string): Promise<APIGatewayProxyResult> => {
    let files: string[];
    try {
      files = await readdir(dir);
    } catch {
      return answer(
        503,
        'text/plain; charset=utf-8',
        'The console is not built: run `npm run console:build` (npm start does it).',
      );
    }
    const type = CONTENT_TYPES[extname(name)];
    if (!files.includes(name) || !type) return answer(404, 'text/plain; charset=utf-8', 'Not found.');
    return answer(200, type, await readFile(join(dir, name)));
  };
  return [
    {
      method: 'GET',
      template: '/console',
      auth: false,
      // The page loads its files relative to `/console/`: send `/console` there first.
      handler: async (event) =>
        event.path.endsWith('/')
          ? serve('index.html')
          : { statusCode: 308, headers: { location: '/console/', ...CONSOLE_SECURITY_HEADERS }, body: '' },
    },
    {
      method: 'GET',
      template: '/console/{file}',
      auth: false,
      handler: async (event) => serve(event.pathParameters?.file ?? ''),
    },
  ];
}
