/* The reference model of tools/bench/verify.bench.ts in Promela: three threads, each
   alternating idle -> busy -> idle, bumping its own counter modulo N on the way back.
   One atomic step per event of the XState reference machine, so the reachable states are
   the same (2N)^3. N is given with -DN=<n> on the spin command line. */
byte c[3];
bit busy[3];

active [3] proctype R() {
  do
  :: atomic { busy[_pid] == 0 -> busy[_pid] = 1 }
  :: atomic { busy[_pid] == 1 -> busy[_pid] = 0; c[_pid] = (c[_pid] + 1) % N }
  od
}
