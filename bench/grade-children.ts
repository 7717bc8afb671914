/**
 * `ecs-alb-e2e grade` as it ran before participants shared the grading process: a child process
 * with a vitest of its own per participant (helpers/grade/child.ts). Same flags as `grade`; for
 * `npm run bench:grade -- --compare`, so the two are measured in the same session.
 */
import { defaultGradeDeps, gradeCommand } from '../cli/grade.js';

await gradeCommand(defaultGradeDeps).parseAsync(process.argv.slice(2), { from: 'user' });
