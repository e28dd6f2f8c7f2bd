/*===- tests/nvrtc/FakeCudaDriver.c - A "driver" with one entry point -----===*
 *
 * Built as a shared library for CudaDriverLoadTest: it exports cuInit only,
 * so CudaDriver::load must report the first missing entry point.
 *
 *===----------------------------------------------------------------------===*/

int cuInit(unsigned int Flags) { return Flags == 0 ? 0 : 1; }
