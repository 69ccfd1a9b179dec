import type { GenerationOutcome } from './run-generation.ts';
import { GenerationStop } from './run-generation.ts';

export interface RunningGeneration {
  controller: AbortController;
  done: Promise<GenerationOutcome>;
}

/** The generations this process is running, by stream id. */
export class RunningGenerations {
  readonly #byId = new Map<string, RunningGeneration>();

  add(streamId: string, generation: RunningGeneration): void {
    this.#byId.set(streamId, generation);
    void generation.done.finally(() => this.#byId.delete(streamId)).catch(() => undefined);
  }

  get(streamId: string): RunningGeneration | undefined {
    return this.#byId.get(streamId);
  }

  has(streamId: string): boolean {
    return this.#byId.has(streamId);
  }

  get size(): number {
    return this.#byId.size;
  }

  /** Stops one generation; true when it runs here. */
  stop(streamId: string, status: GenerationStop['status']): boolean {
    const generation = this.#byId.get(streamId);
    generation?.controller.abort(new GenerationStop(status));
    return generation !== undefined;
  }

  /** Waits for every generation running now, up to `ms`; true when all finished in time. */
  async settle(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    });
    const all = Promise.allSettled([...this.#byId.values()].map((generation) => generation.done)).then(
      () => true,
    );
    const finished = await Promise.race([all, timedOut]);
    clearTimeout(timer);
    return finished;
  }

  stopAll(status: GenerationStop['status']): void {
    for (const streamId of this.#byId.keys()) {
      this.stop(streamId, status);
    }
  }
}
