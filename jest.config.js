/** @type {import('jest').Config} */
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', {}] },
  setupFiles: ['<rootDir>/test/setup-env.ts'],
  testTimeout: 60000,
  // Most suites wait on PostgreSQL, child processes and the embedded database's start-up, so on
  // 2 cores 4 workers keep both busy: the default run took 257 s with 2 workers and 209 s with 4
  // (365 s of CPU either way). The full randomized trials (CVCTL_TEST_FULL=1, .ci/run) keep 2, so
  // the crash and concurrency trials run with the headroom they were measured with.
  maxWorkers: process.env.CVCTL_TEST_FULL === '1' ? 2 : 4,
};
