/** A small JSON client for end-to-end tests: every call returns status and parsed body, never throws on 4xx/5xx. */
export interface HttpResult<T = any> {
  readonly status: number;
  readonly body: T;
  readonly headers: Headers;
}

export interface JsonClient {
  get<T = any>(path: string): Promise<HttpResult<T>>;
  post<T = any>(path: string, body?: unknown): Promise<HttpResult<T>>;
  put<T = any>(path: string, body?: unknown): Promise<HttpResult<T>>;
  delete<T = any>(path: string): Promise<HttpResult<T>>;
  /** Send a raw body (malformed JSON, oversize payloads). */
  raw<T = any>(
    method: string,
    path: string,
    body: string,
    headers?: Record<string, string>,
  ): Promise<HttpResult<T>>;
}

export function jsonClient(base: string): JsonClient {
  const send = async (method: string, path: string, body?: string, headers: Record<string, string> = {}) => {
    const res = await fetch(base + path, {
      method,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body }),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text === '' ? null : JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body: parsed as never, headers: res.headers };
  };
  return {
    get: (path) => send('GET', path),
    post: (path, body) => send('POST', path, body === undefined ? undefined : JSON.stringify(body)),
    put: (path, body) => send('PUT', path, body === undefined ? undefined : JSON.stringify(body)),
    delete: (path) => send('DELETE', path),
    raw: (method, path, body, headers) => send(method, path, body, headers),
  };
}
