/**
 * Runs an async iterable up to its first value now, for whoever iterates it later: a provider's request goes
 * out at once instead of after the work in between. A failure before anyone iterates is held for them, and is
 * not reported as unhandled when no one ever does (the answer could not start and the request was aborted).
 */
export function startNow<T>(iterable: AsyncIterable<T>): AsyncIterable<T> {
  const iterator = iterable[Symbol.asyncIterator]();
  let first: Promise<IteratorResult<T>> | undefined = iterator.next();
  first.catch(() => undefined);
  return {
    [Symbol.asyncIterator]: () => ({
      next() {
        const pending = first;
        first = undefined;
        return pending ?? iterator.next();
      },
      return(value?: unknown) {
        return iterator.return?.(value) ?? Promise.resolve({ done: true, value: undefined });
      },
    }),
  };
}
