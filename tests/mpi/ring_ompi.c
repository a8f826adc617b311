/* ring_ompi: an Open MPI program for the PMIx e2e test (tests/e2e/mpi_pmix_test.cc).
 * Passes a token around the ring (each rank adds 1) and sums the ranks with MPI_Allreduce,
 * then prints one line per rank: "ring_ompi rank R size N token T sum S host H".
 * With argument "abort RANK CODE", that rank calls MPI_Abort(CODE) after MPI_Init instead.
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, size = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (argc == 4 && strcmp(argv[1], "abort") == 0) {
    if (rank == atoi(argv[2])) MPI_Abort(MPI_COMM_WORLD, atoi(argv[3]));
    MPI_Barrier(MPI_COMM_WORLD); /* the others wait to be stopped */
  }
  int token = 0;
  if (size > 1) {
    const int next = (rank + 1) % size, previous = (rank + size - 1) % size;
    if (rank == 0) {
      token = 1000;
      MPI_Send(&token, 1, MPI_INT, next, 7, MPI_COMM_WORLD);
      MPI_Recv(&token, 1, MPI_INT, previous, 7, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    } else {
      MPI_Recv(&token, 1, MPI_INT, previous, 7, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      token += 1;
      MPI_Send(&token, 1, MPI_INT, next, 7, MPI_COMM_WORLD);
    }
  }
  int sum = 0;
  MPI_Allreduce(&rank, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  char host[MPI_MAX_PROCESSOR_NAME] = "";
  int length = 0;
  MPI_Get_processor_name(host, &length);
  printf("ring_ompi rank %d size %d token %d sum %d host %s\n", rank, size, token, sum, host);
  fflush(stdout);
  MPI_Finalize();
  return 0;
}
