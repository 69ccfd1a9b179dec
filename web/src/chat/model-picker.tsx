import { Check, ChevronDown } from 'lucide-react';
import { type KeyboardEvent, useEffect, useId, useRef, useState } from 'react';
import type { ModelInfo } from '../../../protocol/api.ts';
import { chooseModel, useChatModel } from '../state/model-choice.ts';
import { useChatStore } from '../state/store.ts';
import { ModelPull } from './model-pull.tsx';

function describe(model: ModelInfo): string {
  if (model.local) {
    return 'Built into Parley · runs offline, no API key';
  }
  return `${model.provider} · ${Math.round(model.contextLimit / 1024)}k context`;
}

/** Picks the model of the open chat (or of the next new chat); each chat remembers its own. */
export function ModelPicker({ chatId }: { chatId: string | null }) {
  const models = useChatStore((state) => state.models);
  const loaded = useChatStore((state) => state.modelsLoaded);
  const current = useChatModel(chatId);
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);
  const trigger = useRef<HTMLButtonElement>(null);
  const menuId = useId();
  const selected = models.find((model) => model.id === current);
  const canPull = useChatStore((state) => state.canPull);

  useEffect(() => {
    if (!open) {
      return;
    }
    const onPointer = (event: PointerEvent) => {
      if (!root.current?.contains(event.target as Node)) {
        setOpen(false);
      }
    };
    document.addEventListener('pointerdown', onPointer);
    root.current?.querySelector<HTMLElement>('[aria-checked="true"]')?.focus();
    return () => document.removeEventListener('pointerdown', onPointer);
  }, [open]);

  const close = () => {
    setOpen(false);
    trigger.current?.focus();
  };

  const pick = (modelId: string) => {
    chooseModel(chatId, modelId);
    close();
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      close();
      return;
    }
    if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') {
      return;
    }
    const items = [...(root.current?.querySelectorAll<HTMLElement>('[role="menuitemradio"]') ?? [])];
    const index = items.indexOf(document.activeElement as HTMLElement);
    const next = event.key === 'ArrowDown' ? index + 1 : index - 1;
    items[(next + items.length) % items.length]?.focus();
    event.preventDefault();
  };

  return (
    <div className="model-picker" ref={root}>
      <button
        type="button"
        ref={trigger}
        className="model-trigger"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={menuId}
        onClick={() => setOpen(!open)}
      >
        <span className="sr-only">Model: </span>
        {loaded ? (
          <span className="model-name">{selected?.label ?? current}</span>
        ) : (
          <span className="model-name skeleton">
            <span className="sr-only">loading</span>
          </span>
        )}
        {selected?.local && <span className="badge">Local</span>}
        <ChevronDown aria-hidden="true" className="chevron" />
      </button>
      {open && (
        <div
          className="model-menu"
          id={menuId}
          role="menu"
          aria-label="Models"
          tabIndex={-1}
          onKeyDown={onKeyDown}
        >
          {models.map((model) => (
            <button
              key={model.id}
              type="button"
              role="menuitemradio"
              aria-checked={model.id === current}
              className="model-option"
              onClick={() => pick(model.id)}
            >
              <span className="model-option-text">
                <span className="model-option-name">
                  {model.label}
                  {model.local && <span className="badge">Local</span>}
                </span>
                <span className="model-option-detail">{describe(model)}</span>
              </span>
              {model.id === current && <Check aria-hidden="true" className="check" />}
            </button>
          ))}
          {canPull && <ModelPull onPulled={pick} />}
        </div>
      )}
    </div>
  );
}
