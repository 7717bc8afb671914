/**
 * GitHub Actions' conventions for a finished run: the Markdown report appended to the step
 * summary (the file named by GITHUB_STEP_SUMMARY), and one `::error` annotation per failed
 * check, titled with the check id, so a failure shows on the run's page without opening
 * an artifact.
 * https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands
 */
import { appendFileSync } from 'node:fs';
import { renderMarkdown, type Report } from './report.js';

/** A command's message: `%`, CR and LF would end or corrupt the command line. */
export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** A command's property value (title=…): also `:` and `,`, which separate properties. */
export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export function errorAnnotation(title: string, message: string): string {
  return `::error title=${escapeProperty(title)}::${escapeData(message)}`;
}

/** One line per failed check, in the report's order. */
export function failureAnnotations(report: Report): string[] {
  return report.checks.filter((c) => c.status === 'failed').map((c) => errorAnnotation(c.id, c.reason ?? `${c.title}: failed`));
}

export interface GitHubOutput {
  stepSummary?: string;
  /** Where workflow commands go: the runner reads them from the step's standard output. */
  writeCommand: (line: string) => void;
  warn: (line: string) => void;
}

export function publishToGitHub(report: Report | undefined, out: GitHubOutput): void {
  if (!report) {
    out.writeCommand(errorAnnotation('ecs-alb-e2e', 'the run produced no report; see the step log'));
    return;
  }
  if (out.stepSummary) {
    try {
      appendFileSync(out.stepSummary, `${renderMarkdown(report)}\n`);
    } catch (err) {
      // the summary is a convenience; the verdict is the exit code and the report files
      out.warn(`GITHUB_STEP_SUMMARY: could not append the report to ${out.stepSummary} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  }
  for (const line of failureAnnotations(report)) out.writeCommand(line);
}
