import { stemmer } from 'stemmer';
import { eng, removeStopwords } from 'stopword';
import type { Random } from './random.ts';

export interface CorpusSentence {
  words: readonly string[];
  /** Index into `MarkovModel.sections`. */
  section: number;
}

/** A corpus sentence that shares words with a query. */
export interface Match {
  sentence: number;
  /** Sum of the inverse document frequencies of the shared stems: rare shared words count most. */
  score: number;
  /** Index of the first shared word in the sentence. */
  at: number;
}

/** Where a generated sentence starts: the first `words` words of a corpus sentence, copied. */
export interface SentenceStart {
  sentence: number;
  words: number;
}

export interface GenerateOptions {
  start?: SentenceStart;
  maxWords: number;
  /**
   * The section to stay in: where its text has a way on, the chain takes it with this probability, and only
   * otherwise a way seen anywhere in the corpus. A pure trigram chain over a small corpus drifts off topic at
   * every common pair of words ("of the"); this keeps most of a sentence in one subject.
   */
  stay?: { section: number; probability: number };
}

/** A word trigram Markov chain over a corpus of `# Section` headings and one paragraph per line. */
export interface MarkovModel {
  /** Section titles, in corpus order. */
  readonly sections: readonly string[];
  readonly sentences: readonly CorpusSentence[];
  /** Corpus sentences that share word stems with `text`, best first. */
  findRelevant(text: string): Match[];
  /**
   * One sentence: the given start, then the chain until a sentence end. Without a start it begins the way a
   * random corpus sentence does. Undefined when it would run past `maxWords` or repeat itself, so the caller
   * can try again.
   */
  generateSentence(random: Random, options: GenerateOptions): string | undefined;
}

const sentenceStart = 0;
const sentenceEnd = 1;
// Pair keys are `first * pairBase + second` (plus `section * sectionBase` in a section's own table): word ids
// and section counts stay far below these bases, and every key below 2^53.
const pairBase = 2 ** 20;
const sectionBase = 2 ** 40;
// A stem in more sentences than this share of the corpus says nothing about the topic ("the", "make").
const commonStemShare = 0.05;

function stemOf(word: string): string {
  return stemmer(word.toLowerCase().replace(/[^a-z]/g, ''));
}

function queryStems(text: string): Set<string> {
  const stems = new Set<string>();
  for (const word of removeStopwords(text.toLowerCase().match(/[a-z]{3,}/g) ?? [], eng)) {
    stems.add(stemmer(word));
  }
  return stems;
}

function parseCorpus(text: string): { sections: string[]; sentences: CorpusSentence[] } {
  const sections: string[] = [];
  const sentences: CorpusSentence[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('# ')) {
      sections.push(line.slice(2).trim());
      continue;
    }
    let words: string[] = [];
    for (const word of line.split(/\s+/).filter(Boolean)) {
      words.push(word);
      if (/[.!?]$/.test(word)) {
        sentences.push({ words, section: Math.max(0, sections.length - 1) });
        words = [];
      }
    }
    if (words.length > 0) {
      sentences.push({ words, section: Math.max(0, sections.length - 1) });
    }
  }
  return { sections, sentences };
}

export function createMarkovModel(corpus: string): MarkovModel {
  const { sections, sentences } = parseCorpus(corpus);
  const vocabulary = ['', ''];
  const ids = new Map<string, number>();
  const idOf = (word: string): number => {
    let id = ids.get(word);
    if (id === undefined) {
      id = vocabulary.push(word) - 1;
      ids.set(word, id);
    }
    return id;
  };

  const successors = new Map<number, number[]>();
  const addSuccessor = (key: number, id: number): void => {
    const list = successors.get(key);
    if (list) {
      list.push(id);
    } else {
      successors.set(key, [id]);
    }
  };
  const sentenceStems: string[][] = [];
  const sentencesByStem = new Map<string, Set<number>>();
  sentences.forEach(({ words, section }, index) => {
    const chain = [sentenceStart, sentenceStart, ...words.map(idOf), sentenceEnd];
    for (let i = 2; i < chain.length; i++) {
      const key = (chain[i - 2] as number) * pairBase + (chain[i - 1] as number);
      addSuccessor(key, chain[i] as number);
      addSuccessor((section + 1) * sectionBase + key, chain[i] as number);
    }
    const stems = words.map(stemOf);
    sentenceStems.push(stems);
    for (const stem of stems) {
      const holders = sentencesByStem.get(stem) ?? new Set<number>();
      holders.add(index);
      sentencesByStem.set(stem, holders);
    }
  });

  const findRelevant = (text: string): Match[] => {
    const weights = new Map<string, number>();
    for (const stem of queryStems(text)) {
      const holders = sentencesByStem.get(stem)?.size ?? 0;
      if (holders > 0 && holders <= Math.max(1, sentences.length * commonStemShare)) {
        weights.set(stem, Math.log(sentences.length / holders));
      }
    }
    const matches = new Map<number, Match>();
    for (const [stem, weight] of weights) {
      for (const index of sentencesByStem.get(stem) ?? []) {
        const at = sentenceStems[index]?.indexOf(stem) ?? 0;
        const match = matches.get(index) ?? { sentence: index, score: 0, at };
        match.score += weight;
        match.at = Math.min(match.at, at);
        matches.set(index, match);
      }
    }
    return [...matches.values()].sort((a, b) => b.score - a.score || a.sentence - b.sentence);
  };

  const generateSentence = (
    random: Random,
    { start, maxWords, stay }: GenerateOptions,
  ): string | undefined => {
    const chain = [sentenceStart, sentenceStart];
    if (start) {
      const words = sentences[start.sentence]?.words;
      if (words === undefined) {
        throw new RangeError(`no corpus sentence ${start.sentence}`);
      }
      chain.push(...words.slice(0, start.words).map(idOf));
    }
    const visited = new Set<number>();
    for (;;) {
      const key = (chain.at(-2) as number) * pairBase + (chain.at(-1) as number);
      // Back at a pair of words it has already passed, the chain is going round a loop.
      if (visited.has(key)) {
        return undefined;
      }
      visited.add(key);
      const own =
        stay && random.chance(stay.probability)
          ? successors.get((stay.section + 1) * sectionBase + key)
          : undefined;
      const next = own ?? successors.get(key);
      if (next === undefined) {
        break;
      }
      const id = random.pick(next);
      if (id === sentenceEnd) {
        break;
      }
      chain.push(id);
      if (chain.length - 2 > maxWords) {
        return undefined;
      }
    }
    return chain
      .slice(2)
      .map((id) => vocabulary[id])
      .join(' ');
  };

  return { sections, sentences, findRelevant, generateSentence };
}
