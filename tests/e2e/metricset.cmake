# Issue 14: MetricSets on a declared two-node cluster with Debian's real benchmarks (hpcc,
# LAMMPS, sysbench, stress-ng, fio, iperf3): parsed values, acceptance checks, drained nodes,
# `converge metrics` and the query views. Label `benchmarks`: skips where a tool is missing.
converge_test(metricset_e2e_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/metricset_test.cc
  DEPS converge_testutil converge_api nlohmann_json::nlohmann_json
  LABELS e2e benchmarks)
add_dependencies(metricset_e2e_test converge converge-shim)
