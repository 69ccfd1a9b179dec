import type { IncomingMessage } from 'node:http';

/**
 * Whether a socket handshake may proceed, judged by its Origin: the server's own origin and the configured
 * ones pass. This is the defence against cross-site WebSocket hijacking: a browser sends the cookies and
 * the Origin of the page that opens a socket, and never lets the page forge that header.
 */
export function createOriginCheck(allowedOrigins: readonly string[]): (request: IncomingMessage) => boolean {
  const allowed = new Set(allowedOrigins);
  return (request) => {
    const origin = request.headers.origin;
    // Browsers always send Origin on a WebSocket handshake; clients without one (CLIs, servers) are not a
    // browser that could be tricked into connecting, and authenticate with their own credentials.
    if (origin === undefined) {
      return true;
    }
    if (allowed.has(origin)) {
      return true;
    }
    return URL.canParse(origin) && new URL(origin).host === request.headers.host;
  };
}
