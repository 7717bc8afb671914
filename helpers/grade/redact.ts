/**
 * No credential in any output: the grader's own AWS keys and every assumed role's keys are
 * replaced wherever they would be written (run.log, reports, summaries, progress lines).
 * Values shorter than 8 characters are not secrets worth the damage (the simulator's "test").
 */
export const REDACTED = '[redacted]';
const CREDENTIAL_VARIABLES = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'];

export class Redactor {
  private readonly secrets = new Set<string>();

  constructor(env: NodeJS.ProcessEnv = {}) {
    for (const k of CREDENTIAL_VARIABLES) this.add(env[k]);
  }

  add(...values: Array<string | undefined>): void {
    for (const v of values) if (v && v.length >= 8) this.secrets.add(v);
  }

  redact = (s: string): string => {
    let out = s;
    for (const secret of this.secrets) out = out.split(secret).join(REDACTED);
    return out;
  };
}
