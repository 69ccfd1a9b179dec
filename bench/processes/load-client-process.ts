import { serveParent } from '../ipc/serve-parent.ts';
import { type CacheJob, runCacheLoad } from '../load/cache-load.ts';
import { type CreateChatsJob, runCreateChats } from '../load/create-chats-job.ts';
import { type DeliveryJob, runDeliveryLoad } from '../load/delivery-load.ts';
import { type FanOutJob, runFanOutLoad } from '../load/fan-out-load.ts';
import { type IdleJob, runIdleLoad } from '../load/idle-load.ts';
import { type NotifyJob, runNotifyLoad } from '../load/notify-load.ts';
import { type RelayJob, runRelayLoad } from '../load/relay-load.ts';
import { type ResumeJob, runResumeLoad } from '../load/resume-load.ts';
import { runStartAnswers, type StartAnswersJob } from '../load/start-answers.ts';

/** Every job the load client runs; each is bounded in count and in time. */
export type LoadJob =
  | RelayJob
  | FanOutJob
  | IdleJob
  | ResumeJob
  | DeliveryJob
  | NotifyJob
  | CacheJob
  | StartAnswersJob
  | CreateChatsJob;

// The load client: a process of its own, so the clients' work never lands on Parley's event loop, and it
// reads the measured processes' CPU and memory from /proc, from the outside.
serveParent({}, async (request) => {
  const job = request as LoadJob;
  switch (job.kind) {
    case 'relay':
      return runRelayLoad(job);
    case 'fan-out':
      return runFanOutLoad(job);
    case 'idle':
      return runIdleLoad(job);
    case 'resume':
      return runResumeLoad(job);
    case 'delivery':
      return runDeliveryLoad(job);
    case 'notify':
      return runNotifyLoad(job);
    case 'cache':
      return runCacheLoad(job);
    case 'start-answers':
      return runStartAnswers(job);
    case 'create-chats':
      return runCreateChats(job);
  }
});
