import { type ComponentProps, useRef } from 'react';
import type { ExtraProps } from 'react-markdown';
import { CopyButton } from './copy-button.tsx';

function languageOf(node: ExtraProps['node']): string | undefined {
  const code = node?.children[0];
  const classes = code?.type === 'element' ? code.properties.className : undefined;
  const found = Array.isArray(classes)
    ? classes.find((name) => typeof name === 'string' && name.startsWith('language-'))
    : undefined;
  return typeof found === 'string' ? found.slice('language-'.length) : undefined;
}

/** A fenced code block: its language, a copy button, and the highlighted code. */
export function CodeBlock({ node, children, ...rest }: ComponentProps<'pre'> & ExtraProps) {
  const pre = useRef<HTMLPreElement>(null);
  return (
    <div className="code-block">
      <div className="code-header">
        <span>{languageOf(node) ?? 'text'}</span>
        <CopyButton text={() => pre.current?.textContent ?? ''} label="Copy code" showLabel />
      </div>
      <pre ref={pre} {...rest}>
        {children}
      </pre>
    </div>
  );
}
