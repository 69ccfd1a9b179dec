/**
 * Pushes a principal's usage after each change with at most one read in flight per principal: changes that land
 * while a read runs are covered by one more read after it. A burst of answers from one principal (a script on
 * the API) then costs a few reads instead of two per answer, and the last push always follows the last change.
 */
export function createUsagePusher(
  push: (principalId: string) => Promise<void>,
  onError: (error: unknown) => void,
): (principalId: string) => void {
  const state = new Map<string, 'reading' | 'changed since'>();

  function read(principalId: string): void {
    state.set(principalId, 'reading');
    push(principalId)
      .catch(onError)
      .finally(() => {
        if (state.get(principalId) === 'changed since') {
          read(principalId);
        } else {
          state.delete(principalId);
        }
      });
  }

  return (principalId) => {
    if (state.has(principalId)) {
      state.set(principalId, 'changed since');
    } else {
      read(principalId);
    }
  };
}
