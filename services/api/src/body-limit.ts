import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';

/**
 * Refuse request bodies larger than `maxSize` bytes, as hono's `bodyLimit` does, without touching
 * the body of a request that declares its length (or of a GET or HEAD): hono's middleware asks
 * every request for its `body`, which on the Node server turns each one into a full `Request` (with
 * a stream of its body) and takes away the server's direct read of the body. A declared length is
 * what the connection delivers (Node's parser frames the body by it), so it is checked alone; a
 * body without one (chunked) is read through hono's middleware, which stops at the limit.
 */
export function limitBodySize(
  maxSize: number,
  onTooLarge: (c: Context) => Response | Promise<Response>,
): MiddlewareHandler {
  const streaming = bodyLimit({ maxSize, onError: onTooLarge });
  return async (c, next) => {
    const method = c.req.method;
    if (method === 'GET' || method === 'HEAD') return next();
    const length = c.req.header('content-length');
    if (length !== undefined && c.req.header('transfer-encoding') === undefined) {
      return Number(length) > maxSize ? onTooLarge(c) : next();
    }
    return streaming(c, next);
  };
}
