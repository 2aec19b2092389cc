/**
 * The web host's own endpoints (GET /session, for "Log out"): there is no host in renderer
 * tests, so the page holds no login. Without this, happy-dom fetched its default origin
 * (localhost:3000) and logged connection errors. A test may replace globalThis.fetch to play
 * a host, and put this back after.
 */
export const noHostFetch = async (): Promise<Response> => new Response(JSON.stringify({ login: false }), { status: 200, headers: { 'content-type': 'application/json' } });
globalThis.fetch = noHostFetch as typeof fetch;
