import { Lexer } from 'marked';
import { type ComponentProps, memo, useMemo, useRef } from 'react';
import ReactMarkdown, { type Components, type ExtraProps, type Options } from 'react-markdown';
import rehypeHighlight from 'rehype-highlight';
import remarkGfm from 'remark-gfm';
import { CodeBlock } from './code-block.tsx';

interface MdNode {
  type: string;
  value?: string;
  children?: MdNode[];
}

const blockParents = new Set(['root', 'blockquote', 'listItem']);

/**
 * Model output is untrusted: raw HTML in it is shown as the text it is, never parsed into elements. Without
 * rehype-raw react-markdown would drop it silently; showing it tells the reader what the model wrote.
 */
function remarkHtmlAsText() {
  const convert = (node: MdNode) => {
    node.children = node.children?.map((child) => {
      if (child.type !== 'html') {
        convert(child);
        return child;
      }
      const text = { type: 'text', value: child.value ?? '' };
      return blockParents.has(node.type) ? { type: 'paragraph', children: [text] } : text;
    });
  };
  return convert;
}

// The URL transform empties a `javascript:` (or any unsafe) href: such a link is shown as plain text.
function SafeLink({ node: _, href, children, ...props }: ComponentProps<'a'> & ExtraProps) {
  if (!href) {
    return <span>{children}</span>;
  }
  return (
    <a {...props} href={href} target="_blank" rel="noopener noreferrer nofollow">
      {children}
    </a>
  );
}

function ScrollTable({ node: _, ...props }: ComponentProps<'table'> & ExtraProps) {
  return (
    <div className="table-scroll">
      <table {...props} />
    </div>
  );
}

const remarkPlugins = [remarkGfm, remarkHtmlAsText];
// highlight.js's common set of 37 languages, bundled: no network, other languages show as plain text.
const rehypePlugins: Options['rehypePlugins'] = [rehypeHighlight];
const components: Components = { pre: CodeBlock, a: SafeLink, table: ScrollTable };

// react-markdown's default URL transform keeps only http(s), mailto and relative URLs: `javascript:` is emptied.
const Block = memo(function Block({ source }: { source: string }) {
  return (
    <ReactMarkdown remarkPlugins={remarkPlugins} rehypePlugins={rehypePlugins} components={components}>
      {source}
    </ReactMarkdown>
  );
});

/** Splits Markdown into top-level blocks, so while an answer streams only its last block is parsed again. */
function splitBlocks(text: string): string[] {
  const blocks: string[] = [];
  for (const token of new Lexer({ gfm: true }).lex(text)) {
    if (token.type === 'space' && blocks.length > 0) {
      blocks[blocks.length - 1] += token.raw;
    } else {
      blocks.push(token.raw);
    }
  }
  return blocks;
}

/**
 * While text only grows, the blocks before the last one are settled: only the last block and what follows
 * it are split again, so a frame's work does not grow with the length of the answer.
 */
function useBlocks(text: string): string[] {
  const previous = useRef<{ text: string; blocks: string[] }>({ text: '', blocks: [] });
  return useMemo(() => {
    // The lexer turns CRLF into LF; doing it first keeps every block's raw text a slice of `source`.
    const source = text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text;
    const { text: before, blocks: settled } = previous.current;
    let blocks: string[];
    if (settled.length > 1 && source.startsWith(before)) {
      const kept = settled.slice(0, -1);
      const offset = kept.reduce((length, block) => length + block.length, 0);
      blocks = [...kept, ...splitBlocks(source.slice(offset))];
    } else {
      blocks = splitBlocks(source);
    }
    previous.current = { text: source, blocks };
    return blocks;
  }, [text]);
}

export const Markdown = memo(function Markdown({ text, streaming }: { text: string; streaming?: boolean }) {
  const blocks = useBlocks(text);
  return (
    <div className={streaming ? 'markdown streaming' : 'markdown'}>
      {blocks.map((block, index) => (
        // Blocks only ever grow at the end, so the index is a stable identity.
        // biome-ignore lint/suspicious/noArrayIndexKey: see above
        <Block key={index} source={block} />
      ))}
    </div>
  );
});
