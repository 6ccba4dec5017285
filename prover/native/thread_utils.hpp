// ffiasm 0.1.5's binfile_utils.cpp includes "thread_utils.hpp" for ThreadUtils::parcpy, which the package does not
// ship (rapidsnark carries it). This is that one function: a memcpy split over OpenMP threads.
#ifndef ZKMARGIN_THREAD_UTILS_HPP
#define ZKMARGIN_THREAD_UTILS_HPP
#include <omp.h>

#include <cstdint>
#include <cstring>

namespace ThreadUtils {

inline void parcpy(void *dst, const void *src, uint64_t nBytes, int nThreads) {
  if (nThreads < 1) nThreads = 1;
  const uint64_t chunk = (nBytes + nThreads - 1) / nThreads;
#pragma omp parallel for num_threads(nThreads)
  for (int i = 0; i < nThreads; i++) {
    const uint64_t start = static_cast<uint64_t>(i) * chunk;
    if (start >= nBytes) continue;
    const uint64_t len = start + chunk > nBytes ? nBytes - start : chunk;
    std::memcpy(static_cast<uint8_t *>(dst) + start, static_cast<const uint8_t *>(src) + start, len);
  }
}

}  // namespace ThreadUtils
#endif
