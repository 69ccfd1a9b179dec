import { countTokens } from '../tokenizer.ts';
import type { MarkovModel, Match, SentenceStart } from './markov-model.ts';
import type { Random } from './random.ts';

export interface ComposeRequest {
  /** What the answer should be about, most important first; the first that shares words with the corpus wins. */
  topics: readonly string[];
  /** The answer grows a sentence at a time until it holds at least this many tokens. */
  targetTokens: number;
}

interface Seed {
  start: SentenceStart;
  section: number;
}

const maxSentenceWords = 45;
const shortSentenceWords = 18;
const attempts = 8;
const stayInSection = 0.9;
// Skipping some seeds (never the best match) is what makes two seeds tell the same topic differently.
const skipSeed = 0.25;
// Matches in other sections are used when those sections share at least this share of the best one's score.
const otherSectionShare = 0.4;
// Answers this long may carry a heading or a short list, as a chat model's longer answers often do.
const markdownFromTokens = 200;
const listLeadIns = [
  'A few points stand out:',
  'A few related points:',
  'Some things worth keeping in mind:',
];

/**
 * Where sentences start, in the order the answer uses them: corpus sentences that share words with the topic
 * (copied up to the shared word, so the chain sets off on topic), then the rest of the matching sections, then
 * the other sections. Without any shared word the answer picks a section at random.
 */
function planSeeds(model: MarkovModel, random: Random, topics: readonly string[]): Seed[] {
  const sectionOf = (match: Match): number => model.sentences[match.sentence]?.section ?? 0;
  const found = topics.map((topic) => model.findRelevant(topic)).find((matches) => matches.length > 0) ?? [];
  const sectionScores = new Map<number, number>();
  for (const match of found) {
    const section = sectionOf(match);
    sectionScores.set(section, (sectionScores.get(section) ?? 0) + match.score);
  }
  const ranked = [...sectionScores].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  // A section with only a stray shared word ("tells", "why") would pull in a sentence about something else.
  const topicSections = ranked
    .filter(([, score]) => score >= (ranked[0]?.[1] ?? 0) * otherSectionShare)
    .map(([section]) => section);
  if (topicSections.length === 0) {
    topicSections.push(random.int(0, model.sections.length - 1));
  }
  const matches = topicSections.flatMap((section) => found.filter((match) => sectionOf(match) === section));
  const seeds: Seed[] = [];
  const used = new Set<number>();
  const add = (sentence: number, words: number): void => {
    const section = model.sentences[sentence]?.section;
    if (section !== undefined && !used.has(sentence)) {
      used.add(sentence);
      seeds.push({ start: { sentence, words }, section });
    }
  };
  for (const match of matches.slice(0, 12)) {
    add(match.sentence, Math.max(2, match.at + 1));
  }
  const otherSections = model.sections
    .map((_, index) => index)
    .filter((index) => !topicSections.includes(index));
  const sectionOrder = [...topicSections, ...random.shuffle(otherSections)];
  for (const section of sectionOrder) {
    model.sentences.forEach((sentence, index) => {
      if (sentence.section === section) {
        add(index, random.int(1, 3));
      }
    });
  }
  return seeds;
}

/**
 * Writes an answer of whole sentences in paragraphs separated by blank lines. Longer answers sometimes carry a
 * `###` heading where the topic moves to another section, or a short bullet list.
 */
export function composeAnswer(model: MarkovModel, random: Random, request: ComposeRequest): string {
  const seeds = planSeeds(model, random, request.topics);
  const written = new Set<string>();
  const long = request.targetTokens >= markdownFromTokens;
  let seedIndex = 0;

  const nextSentence = (maxWords: number): { text: string; section: number } | undefined => {
    while (seedIndex < seeds.length) {
      const seed = seeds[seedIndex++] as Seed;
      if (seedIndex > 1 && random.chance(skipSeed)) {
        continue;
      }
      for (let attempt = 0; attempt < attempts; attempt++) {
        const text = model.generateSentence(random, {
          start: seed.start,
          maxWords,
          stay: { section: seed.section, probability: stayInSection },
        });
        if (text !== undefined && !written.has(text)) {
          written.add(text);
          return { text, section: seed.section };
        }
      }
    }
    return undefined;
  };

  const blocks: string[] = [];
  let tokens = 0;
  const headed = new Set<number>();
  let section: number | undefined;
  let listDone = !long || random.chance(0.6);
  while (tokens < request.targetTokens) {
    const sentences: string[] = [];
    const first = nextSentence(maxSentenceWords);
    if (first === undefined) {
      break;
    }
    const moved = first.section !== section && !headed.has(first.section);
    if (long && moved && random.chance(section === undefined ? 0.15 : 0.5)) {
      headed.add(first.section);
      blocks.push(`### ${model.sections[first.section]}`);
    }
    section = first.section;
    sentences.push(first.text);
    tokens += countTokens(first.text);
    const length = random.int(2, 5);
    while (sentences.length < length && tokens < request.targetTokens) {
      const sentence = nextSentence(maxSentenceWords);
      if (sentence === undefined) {
        break;
      }
      sentences.push(sentence.text);
      tokens += countTokens(sentence.text);
    }
    blocks.push(sentences.join(' '));
    if (!listDone && tokens < request.targetTokens) {
      listDone = true;
      const items = Array.from({ length: random.int(3, 4) }, () => nextSentence(shortSentenceWords)?.text);
      const list = items.filter((item) => item !== undefined).map((item) => `- ${item}`);
      if (list.length > 0) {
        blocks.push(random.pick(listLeadIns), list.join('\n'));
        tokens += countTokens(list.join('\n'));
      }
    }
  }
  return blocks.join('\n\n');
}
