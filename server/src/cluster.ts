import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';

/**
 * `npm run cluster -- --instances 3`: N Parley instances on consecutive ports (PORT, PORT+1, ...) sharing one
 * PostgreSQL and one Redis. Any instance serves any request, stream or socket, so a load balancer in front
 * needs no sticky sessions.
 */
const { values } = parseArgs({ options: { instances: { type: 'string', short: 'n', default: '3' } } });
const count = Number(values.instances);
if (!Number.isInteger(count) || count < 1 || count > 64) {
  process.stderr.write('--instances must be a whole number from 1 to 64\n');
  process.exit(2);
}
if (!process.env.DATABASE_URL || !process.env.REDIS_URL) {
  process.stderr.write(
    'A cluster shares its state: set DATABASE_URL (PostgreSQL) and REDIS_URL, e.g.\n' +
      '  DATABASE_URL=postgres://postgres@127.0.0.1:5432/parley REDIS_URL=redis://127.0.0.1:6379 npm run cluster\n',
  );
  process.exit(2);
}
if (!process.env.JWT_SECRET) {
  process.stderr.write('Set JWT_SECRET: every instance must verify the tokens the others sign.\n');
  process.exit(2);
}

const basePort = Number(process.env.PORT ?? 3000);
const main = path.join(import.meta.dirname, 'main.ts');
const children: ChildProcess[] = [];
for (let index = 0; index < count; index++) {
  const port = basePort + index;
  children.push(
    spawn(process.execPath, [main], { env: { ...process.env, PORT: String(port) }, stdio: 'inherit' }),
  );
  process.stdout.write(`instance ${index + 1}: http://localhost:${port}\n`);
}

let exiting = false;
function stopAll(signal: NodeJS.Signals): void {
  exiting = true;
  for (const child of children) {
    child.kill(signal);
  }
}
process.on('SIGINT', () => stopAll('SIGTERM'));
process.on('SIGTERM', () => stopAll('SIGTERM'));

let running = children.length;
for (const child of children) {
  child.on('exit', (code) => {
    running--;
    // One instance failing to start (a port in use, a bad config) takes the others down with it.
    if (!exiting && code !== 0) {
      stopAll('SIGTERM');
      process.exitCode = code ?? 1;
    }
    if (running === 0) {
      process.exit();
    }
  });
}
