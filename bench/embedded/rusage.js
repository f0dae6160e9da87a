// Preloaded (node --require) into each measured cvctl process by bench/embedded/run.js: writes
// the process's own CPU time and peak RSS, as the kernel counts them, to $CVCTL_BENCH_RUSAGE.
'use strict';
process.on('exit', () => {
  const u = process.resourceUsage();
  require('fs').writeFileSync(
    process.env.CVCTL_BENCH_RUSAGE,
    JSON.stringify({ userMs: u.userCPUTime / 1000, sysMs: u.systemCPUTime / 1000, maxRssMb: u.maxRSS / 1024 }),
  );
});
