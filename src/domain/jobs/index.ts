export { enqueueJob, type Job, notifyJobsQueued, onJobsQueued, toJob } from './queue.ts';
export { type BatchResult, type JobHandler, JobRunner, type JobRunnerOptions } from './runner.ts';
