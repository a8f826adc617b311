# Issue 10: `converge start` inside a real Slurm allocation (../shared/tools/slurm/cluster.sh)
# starts one agent per node with one srun step. Needs root, slurm-wlm and munge: label `slurm`.
converge_test(slurm_bootstrap_e2e_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/slurm_bootstrap_test.cc
  DEPS converge_testutil
  LABELS e2e slurm root)
add_dependencies(slurm_bootstrap_e2e_test converge converge-shim)
