#!/usr/bin/env node
// `sacla <command>`: each command lives in its own file and registers itself here.
// Exit codes: 0 success, 1 data or analysis error, 2 usage or config error.
import { Command, CommanderError } from 'commander';
import { exitCodeOf } from './exit.js';
import { registerDemo } from './demo.js';
import { registerSynth } from './synth.js';
import { registerInfo } from './info.js';
import { registerCheck } from './check.js';
import { registerAnalyse } from './analyse.js';
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

const program = new Command('sacla')
  .description('Analyse SACLA XFEL imaging runs shot by shot (TypeScript + WebAssembly).')
  .version(VERSION)
  .exitOverride()
  .showHelpAfterError();

registerDemo(program);
registerSynth(program);
registerInfo(program);
registerCheck(program);
registerAnalyse(program);
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
