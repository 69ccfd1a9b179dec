import { Download } from 'lucide-react';
import { type FormEvent, useState } from 'react';
import { cancelPull, pullModel } from '../state/model-pulling.ts';
import { useChatStore } from '../state/store.ts';

function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit >= 3 ? 1 : 0)} ${units[unit]}`;
}

/** Seed 002's model loading: pulls a model into Ollama, with its download progress. */
export function ModelPull({ onPulled }: { onPulled: (modelId: string) => void }) {
  const [name, setName] = useState('');
  const pull = useChatStore((state) => state.pull);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const model = name.trim();
    if (!model) {
      return;
    }
    const id = await pullModel(model);
    if (id) {
      setName('');
      onPulled(id);
    }
  };

  const percent =
    pull.phase === 'pulling' && pull.total && pull.completed !== undefined
      ? Math.round((pull.completed / pull.total) * 100)
      : undefined;

  return (
    <form className="model-pull" onSubmit={submit} aria-label="Pull a model from Ollama">
      <label htmlFor="model-pull-name">Pull a model from Ollama</label>
      <div className="model-pull-row">
        <input
          id="model-pull-name"
          value={pull.phase === 'pulling' ? pull.model : name}
          placeholder="e.g. llama3.2"
          autoComplete="off"
          spellCheck={false}
          disabled={pull.phase === 'pulling'}
          onChange={(event) => setName(event.target.value)}
        />
        {pull.phase === 'pulling' ? (
          <button type="button" className="button small" onClick={cancelPull}>
            Cancel
          </button>
        ) : (
          <button type="submit" className="button small primary" disabled={!name.trim()}>
            <Download aria-hidden="true" />
            Pull
          </button>
        )}
      </div>
      {pull.phase === 'pulling' && (
        <div className="pull-progress">
          <div
            className="progress-bar"
            role="progressbar"
            aria-label={`Pulling ${pull.model}`}
            aria-valuemin={0}
            aria-valuemax={100}
            {...(percent !== undefined && { 'aria-valuenow': percent })}
          >
            <div
              className={percent === undefined ? 'progress-fill indeterminate' : 'progress-fill'}
              style={{ width: `${percent ?? 30}%` }}
            />
          </div>
          <p className="pull-status" aria-live="polite">
            {pull.status}
            {percent !== undefined &&
              pull.total !== undefined &&
              ` · ${formatBytes(pull.completed ?? 0)} of ${formatBytes(pull.total)} (${percent}%)`}
          </p>
        </div>
      )}
      {pull.phase === 'failed' && (
        <p className="pull-error" role="alert">
          {pull.message}
        </p>
      )}
    </form>
  );
}
