/**
 * Runs tasks one at a time per key, in the order they were queued; different keys run concurrently. A task's
 * failure goes to `onError` and does not stop the tasks queued after it.
 */
export function createKeyedQueue(
  onError: (error: unknown) => void,
): (key: string, task: () => Promise<void>) => void {
  const tails = new Map<string, Promise<void>>();
  return (key, task) => {
    const tail = (tails.get(key) ?? Promise.resolve()).then(task).catch(onError);
    tails.set(key, tail);
    void tail.then(() => {
      if (tails.get(key) === tail) {
        tails.delete(key);
      }
    });
  };
}
