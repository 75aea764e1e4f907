// The checks a job passes before the controller runs it, and the array as the model steps it.
#pragma once

#include "common/job.hpp"

namespace mantsim {

// The array's own fields against kArrayLimits; throws std::invalid_argument naming the field.
void check_array(const ArraySpec &config);
// The job's operands against the array that runs them; throws naming the field.
void check_job(const ArraySpec &config, const GemmJob &job);
// The array as the model steps it for this job (FP16 weights past a LUT/VQ decoder; BitFusion's
// r x rows); throws when FP16 weights meet an array without an FP16 datapath.
ArraySpec stepped_array(const ArraySpec &declared, const GemmJob &job);

}  // namespace mantsim
