// pmix_test_client: a PMIx client for pmix_server_test.cc. PMIx_Init, puts "converge.test" =
// 100 + rank, commits, fences with data collection, reads every peer's value and prints
// "rank R size N sum S" (S the sum of the values read); "abort CODE" instead calls PMIx_Abort
// with CODE after init. Exits non-zero, saying why on stderr, when a call fails.
#include <pmix.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

int main(int argc, char** argv) {
  pmix_proc_t me;
  pmix_status_t rc = PMIx_Init(&me, nullptr, 0);
  if (rc != PMIX_SUCCESS) {
    fprintf(stderr, "PMIx_Init: %s\n", PMIx_Error_string(rc));
    return 2;
  }
  if (argc == 3 && strcmp(argv[1], "abort") == 0) {
    PMIx_Abort(atoi(argv[2]), "test client gives up", nullptr, 0);
    return 3;
  }
  pmix_proc_t wildcard;
  PMIX_LOAD_PROCID(&wildcard, me.nspace, PMIX_RANK_WILDCARD);
  pmix_value_t* value = nullptr;
  rc = PMIx_Get(&wildcard, PMIX_JOB_SIZE, nullptr, 0, &value);
  if (rc != PMIX_SUCCESS) {
    fprintf(stderr, "PMIx_Get job size: %s\n", PMIx_Error_string(rc));
    return 2;
  }
  const int size = static_cast<int>(value->data.uint32);
  PMIX_VALUE_RELEASE(value);
  pmix_value_t mine;
  int contribution = 100 + static_cast<int>(me.rank);
  PMIX_VALUE_LOAD(&mine, &contribution, PMIX_INT);
  if ((rc = PMIx_Put(PMIX_GLOBAL, "converge.test", &mine)) != PMIX_SUCCESS ||
      (rc = PMIx_Commit()) != PMIX_SUCCESS) {
    fprintf(stderr, "PMIx_Put/Commit: %s\n", PMIx_Error_string(rc));
    return 2;
  }
  pmix_info_t collect;
  bool yes = true;
  PMIX_INFO_LOAD(&collect, PMIX_COLLECT_DATA, &yes, PMIX_BOOL);
  if ((rc = PMIx_Fence(&wildcard, 1, &collect, 1)) != PMIX_SUCCESS) {
    fprintf(stderr, "PMIx_Fence: %s\n", PMIx_Error_string(rc));
    return 2;
  }
  int sum = 0;
  for (int rank = 0; rank < size; ++rank) {
    pmix_proc_t peer;
    PMIX_LOAD_PROCID(&peer, me.nspace, static_cast<pmix_rank_t>(rank));
    if ((rc = PMIx_Get(&peer, "converge.test", nullptr, 0, &value)) != PMIX_SUCCESS) {
      fprintf(stderr, "PMIx_Get rank %d: %s\n", rank, PMIx_Error_string(rc));
      return 2;
    }
    sum += value->data.integer;
    PMIX_VALUE_RELEASE(value);
  }
  printf("rank %u size %d sum %d\n", static_cast<unsigned>(me.rank), size, sum);
  fflush(stdout);
  PMIx_Finalize(nullptr, 0);
  return 0;
}
