/**
 * Runs `task(0..count-1)` with at most `parallel` in flight. Opening thousands of connections at once would
 * overflow the server's accept backlog, and the retransmits after a dropped SYN would be measured as latency.
 */
export async function limitParallel(
  count: number,
  parallel: number,
  task: (index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  async function lane(): Promise<void> {
    for (let index = next++; index < count; index = next++) {
      await task(index);
    }
  }
  await Promise.all(Array.from({ length: Math.min(parallel, count) }, lane));
}
