//===- runtime/gpu/Nvrtc.cpp - CUDA C++ -> PTX + CUBIN with NVRTC ---------===//
//
/// \file
/// compileKernel: one nvrtcProgram per kernel, the option list of
/// NvrtcOptions::toArgs, CUBIN (and PTX) extraction, and self-contained error
/// reports (log, options, saved source, repro command) on failure.
//
//===----------------------------------------------------------------------===//

#include "runtime/gpu/Nvrtc.h"
#include "runtime/data/AtomicFile.h"
#include "runtime/gpu/GpuError.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <nvrtc.h>

#include <algorithm>

using namespace llvm;

namespace hybc {
namespace gpu {

namespace {

Error nvrtcCheck(nvrtcResult R, const char *Call, StringRef Name) {
  if (R == NVRTC_SUCCESS)
    return Error::success();
  return gpuError(Twine("nvrtc: kernel '") + Name + "': " + Call +
                  " failed: " + nvrtcGetErrorString(R) +
                  " (hint: check the NVRTC installation and free memory)");
}

/// Destroys the program on scope exit.
struct ProgramGuard {
  nvrtcProgram P = nullptr;
  ~ProgramGuard() {
    if (P)
      nvrtcDestroyProgram(&P);
  }
};

std::string programLog(nvrtcProgram P) {
  size_t Size = 0;
  if (nvrtcGetProgramLogSize(P, &Size) != NVRTC_SUCCESS || Size <= 1)
    return "";
  std::string Log(Size, '\0');
  if (nvrtcGetProgramLog(P, &Log[0]) != NVRTC_SUCCESS)
    return "";
  Log.resize(Size - 1); // Drop the terminating NUL.
  return std::string(StringRef(Log).rtrim());
}

Error compileFailure(StringRef Name, StringRef Source, const NvrtcOptions &O,
                     nvrtcResult R, StringRef Log) {
  std::string Msg;
  raw_string_ostream OS(Msg);
  OS << "nvrtc: kernel '" << Name
     << "' failed to compile: " << nvrtcGetErrorString(R)
     << "\noptions: " << join(O.toArgs(), " ") << "\nlog:\n"
     << (Log.empty() ? StringRef("(empty)") : Log) << "\n";
  Expected<std::string> Saved = saveFailedSource(Name, Source, O.DumpDir);
  if (Saved)
    OS << "source: " << *Saved << "\nrepro: " << reproCommand(*Saved, O);
  else
    OS << "source: not saved (" << toString(Saved.takeError()) << ")";
  OS << "\n(hint: a generated kernel that fails to compile is a hybc bug; "
        "attach the saved source to the report)";
  return gpuError(OS.str());
}

Expected<std::string> fetchOutput(nvrtcProgram P, StringRef Name, bool Ptx) {
  size_t Size = 0;
  nvrtcResult R = Ptx ? nvrtcGetPTXSize(P, &Size) : nvrtcGetCUBINSize(P, &Size);
  if (Error E =
          nvrtcCheck(R, Ptx ? "nvrtcGetPTXSize" : "nvrtcGetCUBINSize", Name))
    return E;
  std::string Out(Size, '\0');
  R = Ptx ? nvrtcGetPTX(P, &Out[0]) : nvrtcGetCUBIN(P, &Out[0]);
  if (Error E = nvrtcCheck(R, Ptx ? "nvrtcGetPTX" : "nvrtcGetCUBIN", Name))
    return E;
  if (Ptx && !Out.empty() && Out.back() == '\0')
    Out.pop_back();
  return Out;
}

} // namespace

std::vector<std::string> NvrtcOptions::toArgs() const {
  std::vector<std::string> A;
  A.push_back("--gpu-architecture=" + Arch);
  A.push_back("-default-device");
  A.push_back("--std=c++17");
  NvrtcVersion V = nvrtcVersion();
  if (Minimal && (V.Major > 12 || (V.Major == 12 && V.Minor >= 4)))
    A.push_back("--minimal");
  if (FastMath)
    A.push_back("--use_fast_math");
  if (LineInfo)
    A.push_back("-lineinfo");
  if (IncludeCudaHeaders)
    A.push_back("-I" + CudaHome + "/include");
  A.insert(A.end(), Extra.begin(), Extra.end());
  return A;
}

NvrtcVersion nvrtcVersion() {
  NvrtcVersion V;
  if (::nvrtcVersion(&V.Major, &V.Minor) != NVRTC_SUCCESS)
    return NvrtcVersion();
  return V;
}

std::string archForComputeCapability(int Major, int Minor) {
  std::string Arch = "sm_" + std::to_string(Major * 10 + Minor);
  // Arch-specific ('a') targets unlock wgmma/TMA (9.0) and tcgen05 (10.x+).
  if ((Major == 9 && Minor == 0) || Major >= 10)
    Arch += "a";
  return Arch;
}

std::string archTag(StringRef Arch) {
  std::string T = Arch.str();
  T.erase(std::remove(T.begin(), T.end(), '_'), T.end());
  return T;
}

std::string fileStemFor(StringRef KernelName) {
  std::string S;
  for (char C : KernelName.take_front(120))
    S += (isAlnum(C) || C == '_' || C == '-' || C == '.') ? C : '_';
  return S.empty() ? std::string("kernel") : S;
}

Expected<std::string> saveFailedSource(StringRef Name, StringRef Source,
                                       StringRef DumpDir) {
  SmallString<256> Dir;
  if (!DumpDir.empty()) {
    Dir = DumpDir;
  } else {
    sys::path::system_temp_directory(/*ErasedOnReboot=*/true, Dir);
    sys::path::append(Dir, "hybc-failed");
  }
  if (!DumpDir.empty())
    sys::path::append(Dir, "failed");
  if (std::error_code EC = sys::fs::create_directories(Dir))
    return gpuError("cannot create '" + Dir + "': " + EC.message() +
                    " (hint: set HYBC_DUMP_DIR to a writable directory)");
  SmallString<256> Path(Dir);
  sys::path::append(Path, fileStemFor(Name) + ".cu");
  if (Error E = data::writeFileAtomic(Path, Source))
    return E;
  return std::string(Path.str());
}

std::string reproCommand(StringRef SourcePath, const NvrtcOptions &O) {
  std::string Cmd = "nvcc -arch=" + O.Arch + " -std=c++17 -cubin";
  if (O.FastMath)
    Cmd += " --use_fast_math";
  if (O.LineInfo)
    Cmd += " -lineinfo";
  if (O.IncludeCudaHeaders)
    Cmd += " -I" + O.CudaHome + "/include";
  return Cmd + " -o /dev/null " + SourcePath.str();
}

Expected<CompiledKernel> compileKernel(StringRef Name, StringRef Source,
                                       const NvrtcOptions &O) {
  ProgramGuard G;
  std::string Src = Source.str(), File = fileStemFor(Name) + ".cu";
  if (Error E = nvrtcCheck(nvrtcCreateProgram(&G.P, Src.c_str(), File.c_str(),
                                              0, nullptr, nullptr),
                           "nvrtcCreateProgram", Name))
    return E;
  std::vector<std::string> Args = O.toArgs();
  std::vector<const char *> Argv;
  for (const std::string &A : Args)
    Argv.push_back(A.c_str());
  nvrtcResult R =
      nvrtcCompileProgram(G.P, static_cast<int>(Argv.size()), Argv.data());
  CompiledKernel K;
  K.Name = Name.str();
  K.Log = programLog(G.P);
  if (R != NVRTC_SUCCESS)
    return compileFailure(Name, Source, O, R, K.Log);
  Expected<std::string> Cubin = fetchOutput(G.P, Name, /*Ptx=*/false);
  if (!Cubin)
    return Cubin.takeError();
  K.Cubin = std::move(*Cubin);
  if (O.EmitPtx) {
    Expected<std::string> Ptx = fetchOutput(G.P, Name, /*Ptx=*/true);
    if (!Ptx)
      return Ptx.takeError();
    K.Ptx = std::move(*Ptx);
  }
  return K;
}

} // namespace gpu
} // namespace hybc
