// SPDX-License-Identifier: MIT
/* examples/work.inc compiled plain, for the instrumented/native ratio. */
#define WORK_FN work_native
#include "work.inc"
