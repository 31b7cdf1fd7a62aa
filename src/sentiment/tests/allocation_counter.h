#pragma once

#include <cstddef>

namespace stockpulse::testing {

// Counts operator new calls made by the calling thread between start and stop. The replacement
// operator new/delete live in allocation_counter.cc (their own file, so GCC does not mistake the
// malloc/free pairing for a new/free mismatch after inlining).
void start_counting_allocations();
size_t stop_counting_allocations();

}  // namespace stockpulse::testing
