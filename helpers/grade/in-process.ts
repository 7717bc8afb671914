/**
 * The grader's default way to run a participant: in the grading process, on a slot of a suite
 * host (helpers/run/suite-host.ts) instead of a child process with a vitest of its own — the same
 * ChildRun in, the same ChildResult out, so everything around it (states, resume, redaction,
 * reports) is unchanged. Measured: README, "Grading".
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { SuiteHost } from '../run/suite-host.js';
import { runLog, type ChildResult, type ChildRun } from './child.js';

export { SuiteHost };

export function inProcessRunner(host: Pick<SuiteHost, 'run'>): (run: ChildRun) => Promise<ChildResult> {
  return async (run) => {
    const log = runLog(run.logFile, run.redact);
    const redact = run.redact ?? ((s: string) => s);
    try {
      const c = run.access?.credentials;
      const result = await host.run({
        env: run.env,
        ...(run.access ? { access: { ...(c ? { awsCredentials: c } : {}), ...(run.access.profile ? { awsProfile: run.access.profile } : {}) } } : {}),
        log: (text) => log.write(text),
        timeoutMs: run.timeoutMs,
        ...(run.signal ? { signal: run.signal } : {}),
      });
      // a run whose worker died under it judged only part of the account: not a grade, an error
      if (result.crashed && result.reportDir) rmSync(join(result.reportDir, 'report.json'), { force: true });
      return {
        exitCode: result.exitCode,
        timedOut: result.timedOut,
        ...(result.interrupted ? { interrupted: true } : {}),
        ...(result.lastErrorLine ? { lastErrorLine: redact(result.lastErrorLine) } : {}),
      };
    } finally {
      await log.end();
    }
  };
}
