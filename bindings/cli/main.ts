#!/usr/bin/env node
// `sacla <command>`: each command lives in its own file and registers itself here.
// Exit codes: 0 success, 1 data or analysis error, 2 usage or config error, 130 interrupted.
// Usage mistakes are one line naming the option (docs/robustness.md).
import { Command, CommanderError, type Option } from 'commander';
import { exitCodeOf } from './exit.js';
import { removePendingResults } from '../analysis/results.js';
import { removePendingDarks } from '../analysis/darkRun.js';
import { registerDemo } from './demo.js';
import { registerSynth } from './synth.js';
import { registerInfo } from './info.js';
import { registerCheck } from './check.js';
import { registerAnalyse } from './analyse.js';
import { registerMerge } from './merge.js';
import { registerDarks } from './darks.js';
import { registerResults } from './results.js';
import { registerTable } from './table.js';
import { registerScan } from './scan.js';
import { registerBatch } from './batch.js';
import { registerWatch } from './watch.js';
import { registerWeb } from './web.js';
import { VERSION } from '../version.js';

// A closed pipe (`sacla results DIR | head`) ends the output, not with a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
});

// A command that stops cleanly on a signal (analyse, darks, watch, web) listens for it itself and
// gets GRACE_MS to do so; while no command listens (reading a config, listing a folder), or if it
// has not stopped by then, or on a second signal, the process ends here with 130, leaving no
// temporary file of a write under way.
const GRACE_MS = 10_000;
let interrupted = false;
const endInterrupted = () => {
  removePendingResults();
  removePendingDarks();
  process.stderr.write('sacla: interrupted\n');
  process.exit(130);
};
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted || process.listenerCount(signal) === 1) return endInterrupted();
    interrupted = true;
    setTimeout(endInterrupted, GRACE_MS).unref();
  });
}

const program = new Command('sacla')
  .description('Analyse SACLA XFEL imaging runs shot by shot (TypeScript + WebAssembly).')
  .version(VERSION)
  .exitOverride()
  .configureOutput({ outputError: (message, write) => write(`sacla: ${message.replace(/^error: /, '').replace(/\n(?=.)/g, ' ')}`) });

/**
 * An option given twice (`--run 1 --run 2`) would silently keep the last: refused, naming it.
 * Options meant to repeat (variadic, or a parser that takes the previous value) are left alone.
 */
function refuseRepeatedOptions(command: Command, args: string[]): void {
  const single = (o: Option) => o.long && !o.variadic && !(o.parseArg && o.parseArg.length >= 2);
  const longs = new Set(command.options.filter(single).map((o) => o.long!));
  const seen = new Map<string, number>();
  for (const arg of args) {
    if (arg === '--') break;
    const name = arg.split('=')[0];
    if (longs.has(name)) seen.set(name, (seen.get(name) ?? 0) + 1);
  }
  for (const [name, count] of seen) {
    if (count > 1) command.error(`option '${name}' given ${count} times: give it once${name === '--run' || name === '--runs' ? ' (several runs: a list such as 3,5-7)' : ''}`, { exitCode: 2, code: 'sacla.repeatedOption' });
  }
}

program.hook('preAction', (_program, action) => refuseRepeatedOptions(action, process.argv.slice(2)));

registerDemo(program);
registerSynth(program);
registerInfo(program);
registerCheck(program);
registerAnalyse(program);
registerMerge(program);
registerDarks(program);
registerResults(program);
registerTable(program);
registerScan(program);
registerBatch(program);
registerWatch(program);
registerWeb(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  // Commander has printed its own message (and --help/--version exit 0 through here too).
  if (!(err instanceof CommanderError)) process.stderr.write(`sacla: ${(err as Error).message}\n`);
  process.exitCode = exitCodeOf(err);
}
