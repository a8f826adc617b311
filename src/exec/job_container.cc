#include "exec/job_container.h"

#include "exec/cgroup_container.h"
#include "exec/subreaper_container.h"

namespace converge::exec {

std::unique_ptr<JobContainer> MakeJobContainer(int64_t job_id, Containment containment,
                                               std::string* why_not_cgroup) {
  if (containment == Containment::kAuto) {
    Result<std::unique_ptr<CgroupContainer>> cgroup = CgroupContainer::Create(job_id, {});
    if (cgroup.ok()) return std::move(cgroup).value();
    if (why_not_cgroup != nullptr) *why_not_cgroup = cgroup.status().message();
  }
  return std::make_unique<SubreaperContainer>();
}

}  // namespace converge::exec
