/**
 * Response headers that every answer of the node carries (API, console, errors, 404s), set in
 * one onSend hook so that no route can forget them:
 *
 * - a Content-Security-Policy: scripts only from our own origin (the console's build has no
 *   inline script), no plugins, no framing, no foreign form targets. Styles allow
 *   'unsafe-inline' because Ant Design's CSS-in-JS inserts <style> elements at run time (without
 *   it Chromium blocked 93 of them on the home page and the student list; a per-response nonce
 *   wired into antd's ConfigProvider would be the stricter next step). A route that sets its own
 *   policy (an archive file is served sandboxed) keeps it. The OpenAPI browser under /api/docs
 *   loads only its own scripts and styles and runs under the same policy without a violation.
 * - nosniff, no referrer beyond our origin, no framing (for browsers without CSP level 2),
 *   no camera/microphone/geolocation/payment/USB for the page.
 * - Cache-Control: every API answer may carry personal data, so none is stored by a browser or
 *   proxy (`no-store`); the console's hashed assets never change under their names (cached a
 *   year), its index page is revalidated on every load so a new release is picked up.
 * - Strict-Transport-Security when the node is served over HTTPS (EDUMIS_SECURE_COOKIES=true);
 *   sending it over plain HTTP would be ignored at best and lock a misconfigured host out at worst.
 *
 * A small hook rather than @fastify/helmet: the policy is a dozen fixed strings, a route's own
 * policy must win (archive files are served sandboxed), and the cache rules, which differ by
 * path, are ours anyway.
 */
import type { FastifyInstance } from "fastify";

const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=()";

export const HSTS = "max-age=31536000; includeSubDomains";

/** How long a path's answer may be kept by the browser. */
export function cacheControlFor(url: string): string {
  const path = url.split("?")[0]!;
  if (path.startsWith("/api/docs/static/")) return "public, max-age=3600";
  if (path.startsWith("/api/") || path === "/healthz" || path === "/readyz") return "no-store";
  // Vite names every built asset by the hash of its content.
  if (path.startsWith("/assets/")) return "public, max-age=31536000, immutable";
  // The index page (also served for client-side routes) and the few unhashed files.
  return "no-cache";
}

export function registerSecurityHeaders(app: FastifyInstance, options: { hsts: boolean }): void {
  app.addHook("onSend", async (request, reply, payload) => {
    const path = request.url.split("?")[0]!;
    if (!reply.hasHeader("content-security-policy")) {
      reply.header("content-security-policy", CONSOLE_CSP);
    }
    reply.header("x-content-type-options", "nosniff");
    reply.header("referrer-policy", "same-origin");
    reply.header("x-frame-options", "DENY");
    reply.header("permissions-policy", PERMISSIONS_POLICY);
    reply.header("cross-origin-opener-policy", "same-origin");
    // A missing asset is answered with the index page (client routes): that must not be kept a year.
    const fallback =
      reply.statusCode !== 200 || String(reply.getHeader("content-type")).startsWith("text/html");
    reply.header(
      "cache-control",
      path.startsWith("/assets/") && fallback ? "no-cache" : cacheControlFor(path),
    );
    if (options.hsts) reply.header("strict-transport-security", HSTS);
    return payload;
  });
}
