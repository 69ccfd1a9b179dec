import { randomUUID } from 'node:crypto';

/** The headers of a new anonymous principal. */
export function anonymousHeaders(): Record<string, string> {
  return { 'x-anon-id': randomUUID() };
}

/** Creates an API key for the OpenAI-compatible API, owned by the anonymous principal of `headers`. */
export async function createApiKey(url: string, headers: Record<string, string>): Promise<string> {
  const response = await fetch(`${url}/api/keys`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bench' }),
  });
  if (response.status !== 201) {
    throw new Error(`create API key: ${response.status} ${await response.text()}`);
  }
  return ((await response.json()) as { key: string }).key;
}
