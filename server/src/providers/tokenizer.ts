import { countTokens as countO200k, decodeGenerator, encode } from 'gpt-tokenizer/encoding/o200k_base';

// User text may contain `<|endoftext|>` and the like; the library throws on special tokens by default,
// but for counting and splitting they are plain text.
const plainText = { disallowedSpecial: new Set<string>() };

/** Tokens in `text` under o200k_base, the encoding of OpenAI's current models. */
export function countTokens(text: string): number {
  return countO200k(text, plainText);
}

/**
 * `text` cut into its tokens' strings, each with its leading space as the model would stream it. A character
 * that spans tokens (some emoji, rare scripts) comes out whole in one piece, never as broken UTF-8.
 */
export function splitTokens(text: string): string[] {
  return [...decodeGenerator(encode(text, plainText))];
}
