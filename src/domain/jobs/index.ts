export { ClaimLoop, type ClaimLoopSettings, type ClaimRequest, withDefaults } from './claim-loop.ts';
export { enqueueJob, type Job, notifyJobsQueued, onJobsQueued, toJob } from './queue.ts';
export { type JobHandler, type JobPage, JobRunner, type JobRunnerOptions } from './runner.ts';
