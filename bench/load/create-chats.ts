import { assertLoopback } from './open-sse.ts';

const PARALLEL = 32;

/** Creates `count` chats before a timed load starts, so the load itself only streams. */
export async function createChats(
  url: string,
  headers: Record<string, string>,
  count: number,
): Promise<string[]> {
  assertLoopback(url);
  const ids: string[] = new Array(count);
  let next = 0;
  async function worker(): Promise<void> {
    for (let index = next++; index < count; index = next++) {
      ids[index] = await createChat(url, headers);
    }
  }
  await Promise.all(Array.from({ length: Math.min(PARALLEL, count) }, worker));
  return ids;
}

export async function createChat(url: string, headers: Record<string, string>): Promise<string> {
  const response = await fetch(`${url}/api/chats`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify({ title: 'bench' }),
  });
  if (response.status !== 201 && response.status !== 200) {
    throw new Error(`create chat: ${response.status} ${await response.text()}`);
  }
  return ((await response.json()) as { id: string }).id;
}
