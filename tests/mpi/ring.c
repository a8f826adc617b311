/* An MPI check for converge's PMI: every rank trades its rank with both neighbours, a token
 * travels once around the ring collecting every rank, and an allreduce sums the ranks.
 * Prints one line per rank; exits 1 on any wrong value, so a broken world cannot pass.
 * `ring abort`: rank 1 calls MPI_Abort(MPI_COMM_WORLD, 7) instead; the others wait for it. */
#include <mpi.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, size = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  const int right = (rank + 1) % size;
  const int left = (rank + size - 1) % size;
  if (argc > 1 && strcmp(argv[1], "abort") == 0 && rank == 1) MPI_Abort(MPI_COMM_WORLD, 7);

  int from_left = -1;
  MPI_Sendrecv(&rank, 1, MPI_INT, right, 1, &from_left, 1, MPI_INT, left, 1, MPI_COMM_WORLD,
               MPI_STATUS_IGNORE);

  /* The token starts at rank 0 and comes back to it holding 0 + 1 + ... + size-1. */
  int token = 0;
  if (size > 1) {
    if (rank == 0) {
      MPI_Send(&token, 1, MPI_INT, right, 2, MPI_COMM_WORLD);
      MPI_Recv(&token, 1, MPI_INT, left, 2, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    } else {
      MPI_Recv(&token, 1, MPI_INT, left, 2, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      token += rank;
      MPI_Send(&token, 1, MPI_INT, right, 2, MPI_COMM_WORLD);
    }
  }

  int sum = 0;
  MPI_Allreduce(&rank, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  const int expected = size * (size - 1) / 2;
  const int ok = from_left == left && sum == expected && (rank != 0 || token == expected);
  printf("rank %d of %d: from_left=%d allreduce=%d%s %s\n", rank, size, from_left, sum,
         rank == 0 ? (token == expected ? " ring=ok" : " ring=WRONG") : "", ok ? "ok" : "WRONG");
  fflush(stdout);
  MPI_Finalize();
  return ok ? 0 : 1;
}
