# Flux jobspec conformance vectors (../shared/conformance/flux-jobspec) through Parse().
converge_test(jobspec_conformance_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/jobspec_conformance_test.cc
  DEPS converge_jobspec
  LABELS conformance)
