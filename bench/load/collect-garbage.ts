import { WebSocket } from 'ws';
import { assertLoopback } from './open-sse.ts';

/**
 * How to make a measured process collect its garbage: its inspector, or the bare server's `/gc`, which makes
 * the same inspector call in its own process, so both are collected alike.
 */
export type GcTarget = { inspectorUrl: string } | { url: string };

const TIMEOUT_MS = 10_000;

/** Runs a full collection in the target process, so RSS then counts what is kept, not what is garbage. */
export async function collectGarbage(target: GcTarget): Promise<void> {
  if ('url' in target) {
    assertLoopback(target.url);
    const response = await fetch(target.url);
    if (response.status !== 204) {
      throw new Error(`gc: ${response.status}`);
    }
    return;
  }
  assertLoopback(target.inspectorUrl.replace(/^ws/, 'http'));
  const ws = new WebSocket(target.inspectorUrl);
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the inspector did not collect in time')), TIMEOUT_MS);
      ws.once('error', reject);
      ws.once('open', () => ws.send(JSON.stringify({ id: 1, method: 'HeapProfiler.collectGarbage' })));
      ws.on('message', (data) => {
        if ((JSON.parse(String(data)) as { id?: number }).id === 1) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  } finally {
    ws.close();
  }
}
