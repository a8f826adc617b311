#include "sched/policy.h"
