# The two commands of the README, plus the benchmarks. The scripts install
# whatever a fresh machine is missing before they start.
.PHONY: run test bench

run:
	@scripts/run.sh

test:
	@scripts/test.sh

bench:
	@scripts/bench.sh
