#include "sched/scheduler.h"
