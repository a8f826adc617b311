// lammps: a molecular-dynamics run of LAMMPS (`lmp`) over all the MetricSet's tasks as one
// MPI program: by default the 3-d Lennard-Jones melt of LAMMPS's bench/in.lj (32,000 atoms),
// written by the script into a temporary folder; or the user's input file, run in its folder.
//
// The `steps` option reaches the input as the LAMMPS variable `steps` (-var steps N): the
// built-in input runs ${steps}; a user's input uses it only if it refers to ${steps}. Parse
// reads rank 0's screen output: the last "Loop time of ..." line (an input with several `run`
// commands reports its last) and the "Performance:" line after it.
#include <optional>
#include <string>

#include "benchmarks/metric.h"
#include "benchmarks/option_values.h"
#include "benchmarks/output_text.h"
#include "benchmarks/shell_quote.h"

namespace converge::benchmarks {
namespace {

constexpr const char* kName = "lammps";

constexpr const char* kBuiltInInput =
    "# 3d Lennard-Jones melt, as LAMMPS's bench/in.lj\n"
    "variable steps index 100\n"
    "units lj\n"
    "atom_style atomic\n"
    "lattice fcc 0.8442\n"
    "region box block 0 20 0 20 0 20\n"
    "create_box 1 box\n"
    "create_atoms 1 box\n"
    "mass 1 1.0\n"
    "velocity all create 1.44 87287 loop geom\n"
    "pair_style lj/cut 2.5\n"
    "pair_coeff 1 1 1.0 1.0 2.5\n"
    "neighbor 0.3 bin\n"
    "neigh_modify delay 0 every 20 check no\n"
    "fix 1 all nve\n"
    "run ${steps}\n";

constexpr const char* kCheckInstalled =
    "set -eu\n"
    "command -v lmp >/dev/null 2>&1 || { echo 'converge: lmp (LAMMPS) is not installed' >&2; "
    "exit 127; }\n"
    "export OMP_NUM_THREADS=\"${OMP_NUM_THREADS:-1}\"\n";

std::string Script(const std::optional<std::string>& input, std::optional<int64_t> steps) {
  std::string script = kCheckInstalled;
  if (input) {
    script += "input=" + ShellQuote(*input) + "\n";
    script += "[ -r \"$input\" ] || { echo \"converge: cannot read $input\" >&2; exit 66; }\n";
    script += "cd \"$(dirname \"$input\")\"\n";
  } else {
    script += "dir=$(mktemp -d \"${TMPDIR:-/tmp}/converge-lammps.XXXXXX\")\n";
    script += "trap 'rm -rf \"$dir\"' EXIT\n";
    script += "cd \"$dir\"\n";
    script += "input=\"$dir/in.lj\"\n";
    script += std::string("cat > \"$input\" <<'EOF'\n") + kBuiltInInput + "EOF\n";
  }
  script += "lmp -in \"$input\" -log none -nocite";
  if (steps) script += " -var steps " + std::to_string(*steps);
  script += "\n";
  return script;
}

// "Loop time of 3.23089 on 1 procs for 200 steps with 32000 atoms"
struct Loop {
  double seconds = 0, procs = 0, steps = 0, atoms = 0;
};

std::optional<Loop> ParseLoop(std::string_view line) {
  std::optional<std::string_view> rest = After(line, "Loop time of ");
  if (!rest) return std::nullopt;
  Loop loop;
  std::optional<double> seconds = LeadingNumber(*rest);
  std::optional<std::string_view> procs = After(*rest, " on ");
  std::optional<std::string_view> steps = After(*rest, " for ");
  std::optional<std::string_view> atoms = After(*rest, " with ");
  if (!seconds || !procs || !steps || !atoms) return std::nullopt;
  std::optional<double> p = LeadingNumber(*procs), s = LeadingNumber(*steps),
                        a = LeadingNumber(*atoms);
  if (!p || !s || !a) return std::nullopt;
  return Loop{*seconds, *p, *s, *a};
}

// The number before `unit` in a "Performance: a u1, b u2, ..." line.
std::optional<double> Rate(std::string_view line, std::string_view unit) {
  std::string_view rest = line.substr(line.find(':') + 1);
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    std::string_view part = Trim(rest.substr(0, comma));
    const size_t space = part.find(' ');
    if (space != std::string_view::npos && Trim(part.substr(space)) == unit) {
      return ParseNumber(part.substr(0, space));
    }
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return std::nullopt;
}

class LammpsMetric final : public Metric {
 public:
  std::string_view name() const override { return kName; }
  std::string_view description() const override {
    return "LAMMPS molecular dynamics (default: Lennard-Jones melt, 32,000 atoms) over all "
           "tasks as one MPI program";
  }
  std::vector<std::pair<std::string, std::string>> options() const override {
    return {{"input", "absolute path of a LAMMPS input file, on every node (default: built-in "
                      "Lennard-Jones melt)"},
            {"steps", "time steps, as the variable ${steps} (default 100 for the built-in input)"},
            {"tasks-per-node", "MPI ranks on each node (default 1)"}};
  }

  Result<Plan> MakePlan(const Options& options, const Placement& placement) const override {
    CONVERGE_RETURN_IF_ERROR(CheckOptionNames(kName, options, this->options()));
    Result<std::optional<std::string>> input = ParseAbsolutePath(options, "input");
    if (!input) return input.status();
    Result<int64_t> steps = ParseCount(options, "steps", 100, 1, 100'000'000);
    if (!steps) return steps.status();
    Result<int64_t> per_node = ParseCount(options, "tasks-per-node", 1, 1, 1024);
    if (!per_node) return per_node.status();
    const bool pass_steps = !input->has_value() || options.count("steps") > 0;
    Plan plan;
    plan.argv = {"sh", "-c",
                 Script(*input, pass_steps ? std::optional<int64_t>(*steps) : std::nullopt)};
    plan.tasks_per_node = *per_node;
    plan.mpi = true;
    plan.whole_job = true;
    return plan;
  }

  Result<std::vector<Value>> Parse(std::string_view output) const override {
    std::optional<Loop> loop;
    std::optional<std::string_view> performance;
    std::optional<std::string_view> error;
    for (std::string_view line : Lines(output)) {
      if (std::optional<Loop> parsed = ParseLoop(line)) {
        loop = parsed;
        performance.reset();
      } else if (loop && line.starts_with("Performance:")) {
        performance = line;
      } else if (!error && line.starts_with("ERROR")) {
        error = line;
      }
    }
    if (!loop) {
      std::string message = "no 'Loop time of ... on P procs for N steps with A atoms' line";
      if (error) message += " (LAMMPS said: " + std::string(error->substr(0, 200)) + ")";
      return Status::Invalid(kName, message);
    }
    if (loop->seconds <= 0 || loop->steps <= 0) {
      return Status::Invalid(kName, "the loop ran no steps or took no time");
    }
    std::vector<Value> values = {{"loop_time", loop->seconds, "s"},
                                 {"steps", loop->steps, ""},
                                 {"atoms", loop->atoms, ""},
                                 {"procs", loop->procs, ""}};
    std::optional<double> timesteps =
        performance ? Rate(*performance, "timesteps/s") : std::nullopt;
    values.push_back({"timesteps_per_s", timesteps ? *timesteps : loop->steps / loop->seconds,
                      "1/s"});
    // Newer LAMMPS prints "katom-step/s" or "Matom-step/s"; 29 Sep 2021 (Debian 12) does not
    // in LJ units, so the rate then comes from the loop line.
    std::optional<double> atom_steps;
    if (performance) {
      if (std::optional<double> k = Rate(*performance, "katom-step/s")) atom_steps = *k * 1e3;
      if (std::optional<double> m = Rate(*performance, "Matom-step/s")) atom_steps = *m * 1e6;
    }
    values.push_back({"atom_steps_per_s",
                      atom_steps ? *atom_steps : loop->atoms * loop->steps / loop->seconds,
                      "1/s"});
    if (performance) {
      if (std::optional<double> tau = Rate(*performance, "tau/day")) {
        values.push_back({"tau_per_day", *tau, "tau/day"});
      }
      if (std::optional<double> ns = Rate(*performance, "ns/day")) {
        values.push_back({"ns_per_day", *ns, "ns/day"});
      }
    }
    return values;
  }
};

}  // namespace

const Metric& LammpsMetricPlugin() {
  static const LammpsMetric metric;
  return metric;
}

}  // namespace converge::benchmarks
