const fs = require('fs');
const path = require('path');

/**
 * Where the tests' temporary files go. Most suites make throwaway workspaces and embedded data
 * directories (about 1,000 files each) under os.tmpdir(); on this project's 2-core VM creating a
 * file on the ext4 disk costs ~0.6 ms of kernel time and on tmpfs ~0.01 ms, so a fresh embedded
 * database cost ~0.8 s of CPU in file creation alone (test/scenarios spent 20 s of its 33 s of
 * CPU in the kernel). On Linux the tests use /dev/shm when TMPDIR is not set; CVCTL_TEST_TMPDIR
 * names another place (e.g. CVCTL_TEST_TMPDIR=/tmp for the old behaviour). Set here, before
 * jest starts its workers, so the workers and every child process they spawn inherit it.
 * jest's own cache directory was resolved from the original TMPDIR already and stays on disk.
 */
function testTmpdir() {
  if (process.env.CVCTL_TEST_TMPDIR) return process.env.CVCTL_TEST_TMPDIR;
  if (process.env.TMPDIR || process.platform !== 'linux') return undefined;
  const uid = typeof process.getuid === 'function' ? process.getuid() : 'user';
  const dir = path.join('/dev/shm', `cvctl-test-${uid}`);
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.accessSync(dir, fs.constants.W_OK);
    return dir;
  } catch {
    return undefined; // no writable /dev/shm (some containers): the default temp dir
  }
}
const tmp = testTmpdir();
if (tmp) process.env.TMPDIR = tmp;

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
