/**
 * The variable naming the web console's origin when it is served from an origin of its own (the
 * deployed console's CloudFront domain). Set by the infrastructure on every API function; unset
 * locally, where the console and the API share an origin.
 */
export const CONSOLE_ORIGIN_ENV = 'CONSOLE_ORIGIN';

/** The configured console origin (`https://host[:port]`), checked once; a malformed one fails the cold start. */
export function consoleOrigin(env: Record<string, string | undefined> = process.env): string | undefined {
  const value = env[CONSOLE_ORIGIN_ENV];
  if (!value) return undefined;
  let origin: string | undefined;
  try {
    const url = new URL(value);
    if (url.protocol === 'https:' || url.protocol === 'http:') origin = url.origin;
  } catch {
    origin = undefined;
  }
  if (origin !== value) {
    throw new Error(
      `${CONSOLE_ORIGIN_ENV} must be an origin such as https://d111111abcdef8.cloudfront.net (scheme and host, no path), got '${value}'.`,
    );
  }
  return origin;
}
