import type { BeginAnswerInput, FinishAnswerInput, MessageRecord } from './repository.ts';

/**
 * The rows an answer's begin and finish statements wrote, as a read of its chat returns them: the user message
 * (unless it was a regeneration) and the saved answer. `concurrent` is the chat's `hidden`, which the begin
 * statement copies onto the answer.
 */
export function answerRecords(
  begun: BeginAnswerInput & { concurrent: boolean },
  saved: FinishAnswerInput,
): MessageRecord[] {
  const { ownerId, chatId, userMessage, answer, now } = begun;
  const common = { chatId, ownerId, model: answer.model, createdAt: now };
  const answerRecord: MessageRecord = {
    ...common,
    id: answer.id,
    role: 'assistant',
    content: saved.content,
    status: saved.status,
    parentId: answer.parentId,
    clientMessageId: null,
    finishReason: saved.finishReason,
    inputTokens: saved.inputTokens,
    outputTokens: saved.outputTokens,
    errorCode: saved.errorCode,
    errorMessage: saved.errorMessage,
    cached: saved.cached,
    concurrent: begun.concurrent,
    completedAt: saved.now,
  };
  if (!userMessage) {
    return [answerRecord];
  }
  const userRecord: MessageRecord = {
    ...common,
    id: userMessage.id,
    role: 'user',
    content: userMessage.content,
    status: 'complete',
    parentId: userMessage.parentId,
    clientMessageId: userMessage.clientMessageId,
    finishReason: null,
    inputTokens: null,
    outputTokens: null,
    errorCode: null,
    errorMessage: null,
    cached: false,
    concurrent: false,
    completedAt: now,
  };
  return [userRecord, answerRecord];
}
