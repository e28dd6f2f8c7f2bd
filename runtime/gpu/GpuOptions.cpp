//===- runtime/gpu/GpuOptions.cpp - Every HYBC_* knob, parsed once --------===//
//
/// \file
/// Parsing of the HYBC_* environment variables into GpuOptions: typed values,
/// errors naming the variable, cache-directory resolution and typo warnings.
//
//===----------------------------------------------------------------------===//

#include "runtime/gpu/GpuOptions.h"
#include "runtime/gpu/GpuError.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"

#include <mutex>

extern char **environ;

using namespace llvm;

namespace hybc {
namespace gpu {

namespace {

#ifndef HYBC_CUDA_TOOLKIT_ROOT
#define HYBC_CUDA_TOOLKIT_ROOT "/usr/local/cuda"
#endif

const EnvVarInfo kVars[] = {
    {"HYBC_CACHE", "bool", "0 disables the on-disk kernel cache (default 1)"},
    {"HYBC_CACHE_DIR", "path",
     "kernel cache directory (default $XDG_CACHE_HOME/hybc or ~/.cache/hybc)"},
    {"HYBC_ALWAYS_COMPILE", "bool",
     "1 recompiles every kernel, ignoring cached entries (still writes them)"},
    {"HYBC_ASSERT_CACHED", "bool",
     "1 makes any needed NVRTC compile an error (benchmarks, tests)"},
    {"HYBC_DEBUG", "N[,File.cpp][@fn]",
     "debug level 0..7 (1 stages/cache, 2 launches, 4 CUDA, 6 PTX+options)"},
    {"HYBC_DUMP_DIR", "path",
     "dump directory; failed NVRTC sources go to <dir>/failed/"},
    {"HYBC_OVERRIDE_DIR", "path",
     "load <dir>/<kernel>.cu instead of the "
     "generated source when present"},
    {"HYBC_ARCH", "sm_XY[a]",
     "NVRTC target (default: from the device, sm_90a without one)"},
    {"HYBC_FAST_MATH", "bool", "1 passes --use_fast_math to NVRTC"},
    {"HYBC_CUDA_GRAPH", "bool",
     "0 launches resident micro-steps eagerly instead of replaying a graph"},
    {"HYBC_GEMM_AUTOTUNE", "bool",
     "0 takes cuBLASLt's first heuristic algorithm (reproducible runs)"},
    {"HYBC_BF16_RESIDUAL", "bool",
     "0 keeps the residual stream and activation gradients fp32"},
    {"HYBC_REMAT", "norms,acts|norms|acts|none",
     "forward values recomputed in the backward (default norms)"},
    {"HYBC_ATTN_TILES", "W:BC:STEP",
     "attention forward warps, key tile, backward step (0 = default)"},
    {"HYBC_DEVICE", "int", "CUDA device ordinal (default 0)"},
    {"HYBC_CUDA_DRIVER", "path",
     "driver library to dlopen (default libcuda.so.1)"},
    {"HYBC_CUDA_HOME", "path",
     "CUDA toolkit root for NVRTC -I (else CUDA_HOME, CUDA_PATH, build's)"},
};

Error badValue(StringRef Var, StringRef Value, StringRef Expected) {
  return gpuError(Var + "='" + Value + "': expected " + Expected +
                  " (hint: fix or unset " + Var + "; see docs/inspect.md)");
}

std::string defaultCacheDir(EnvLookup Env) {
  Optional<std::string> Xdg = Env("XDG_CACHE_HOME");
  if (Xdg && !Xdg->empty() && sys::path::is_absolute(*Xdg))
    return (Twine(*Xdg) + "/hybc").str();
  Optional<std::string> Home = Env("HOME");
  if (Home && !Home->empty())
    return (Twine(*Home) + "/.cache/hybc").str();
  SmallString<128> Tmp;
  sys::path::system_temp_directory(/*ErasedOnReboot=*/true, Tmp);
  sys::path::append(Tmp, "hybc-cache");
  return std::string(Tmp.str());
}

std::string cudaHome(EnvLookup Env) {
  for (const char *Var : {"HYBC_CUDA_HOME", "CUDA_HOME", "CUDA_PATH"}) {
    Optional<std::string> V = Env(Var);
    if (V && !V->empty())
      return *V;
  }
  return HYBC_CUDA_TOOLKIT_ROOT;
}

/// Reads a boolean knob into \p Out (unset or empty keeps the default).
Error readBool(EnvLookup Env, StringRef Var, bool &Out) {
  Optional<std::string> V = Env(Var);
  if (!V || V->empty())
    return Error::success();
  Expected<bool> B = parseBoolKnob(Var, *V);
  if (!B)
    return B.takeError();
  Out = *B;
  return Error::success();
}

void readString(EnvLookup Env, StringRef Var, std::string &Out) {
  Optional<std::string> V = Env(Var);
  if (V && !V->empty())
    Out = *V;
}

Error readRemat(EnvLookup Env, GpuOptions &O) {
  Optional<std::string> V = Env("HYBC_REMAT");
  if (!V || V->empty())
    return Error::success();
  O.RematNorms = O.RematActs = false;
  SmallVector<StringRef, 2> Parts;
  StringRef(*V).split(Parts, ',');
  for (StringRef P : Parts) {
    P = P.trim();
    if (P == "norms")
      O.RematNorms = true;
    else if (P == "acts")
      O.RematActs = true;
    else if (P != "none")
      return badValue("HYBC_REMAT", *V, "norms,acts, norms, acts or none");
  }
  return Error::success();
}

Error readAttnTiles(EnvLookup Env, GpuOptions &O) {
  Optional<std::string> V = Env("HYBC_ATTN_TILES");
  if (!V || V->empty())
    return Error::success();
  SmallVector<StringRef, 3> Parts;
  StringRef(*V).split(Parts, ':');
  int *Out[] = {&O.AttnFwdWarps, &O.AttnFwdBc, &O.AttnBwdStep};
  bool Bad = Parts.size() != 3;
  for (size_t I = 0; !Bad && I < 3; ++I)
    Bad = Parts[I].trim().getAsInteger(10, *Out[I]) || *Out[I] < 0;
  if (Bad)
    return badValue("HYBC_ATTN_TILES", *V,
                    "W:BC:STEP, e.g. 8:64:64 (0 keeps a default)");
  return Error::success();
}

Error checkArch(StringRef Arch) {
  StringRef Digits = Arch;
  if (!Digits.consume_front("sm_"))
    return badValue("HYBC_ARCH", Arch, "sm_<digits>[a] such as sm_90a");
  Digits.consume_back("a");
  unsigned N = 0;
  if (Digits.empty() || Digits.getAsInteger(10, N) || N < 50)
    return badValue("HYBC_ARCH", Arch, "sm_<digits>[a] such as sm_90a");
  return Error::success();
}

void collectWarnings(ArrayRef<std::string> EnvNames, GpuOptions &O) {
  for (const std::string &Name : EnvNames) {
    if (!StringRef(Name).startswith("HYBC_"))
      continue;
    const char *Best = nullptr;
    unsigned BestDist = 3;
    for (const EnvVarInfo &V : kVars) {
      unsigned D = StringRef(Name).edit_distance(V.Name);
      if (D == 0) {
        Best = nullptr;
        break;
      }
      if (D < BestDist) {
        BestDist = D;
        Best = V.Name;
      }
    }
    if (Best)
      O.Warnings.push_back("unknown environment variable " + Name +
                           " (did you mean " + Best + "?)");
  }
}

} // namespace

bool DebugSpec::enabled(unsigned L, StringRef FromFile,
                        StringRef FromFn) const {
  if (L > Level)
    return false;
  if (!File.empty() && sys::path::filename(FromFile) != File)
    return false;
  if (!Function.empty() && FromFn != Function)
    return false;
  return true;
}

Expected<bool> parseBoolKnob(StringRef Var, StringRef Value) {
  std::string V = Value.trim().lower();
  if (V == "1" || V == "true" || V == "on" || V == "yes")
    return true;
  if (V == "0" || V == "false" || V == "off" || V == "no")
    return false;
  return badValue(Var, Value, "a boolean (0/1, true/false, on/off, yes/no)");
}

Expected<DebugSpec> parseDebugKnob(StringRef Value) {
  DebugSpec D;
  StringRef Rest = Value.trim();
  auto [Head, Fn] = Rest.split('@');
  auto [Num, File] = Head.split(',');
  if (Num.trim().getAsInteger(10, D.Level) || D.Level > 7 ||
      (Rest.contains('@') && Fn.empty()) ||
      (Head.contains(',') && File.empty()))
    return badValue("HYBC_DEBUG", Value,
                    "N[,File.cpp][@function] with N in 0..7, e.g. 4,Nvrtc.cpp");
  D.File = File.trim().str();
  D.Function = Fn.trim().str();
  return D;
}

Expected<GpuOptions> parseGpuOptions(EnvLookup Env,
                                     ArrayRef<std::string> EnvNames) {
  GpuOptions O;
  if (Error E = readBool(Env, "HYBC_CACHE", O.Cache))
    return E;
  if (Error E = readBool(Env, "HYBC_ALWAYS_COMPILE", O.AlwaysCompile))
    return E;
  if (Error E = readBool(Env, "HYBC_ASSERT_CACHED", O.AssertCached))
    return E;
  if (Error E = readBool(Env, "HYBC_GEMM_AUTOTUNE", O.GemmAutotune))
    return E;
  if (Error E = readBool(Env, "HYBC_CUDA_GRAPH", O.CudaGraph))
    return E;
  if (Error E = readBool(Env, "HYBC_FAST_MATH", O.FastMath))
    return E;
  if (Optional<std::string> V = Env("HYBC_DEBUG"); V && !V->empty()) {
    Expected<DebugSpec> D = parseDebugKnob(*V);
    if (!D)
      return D.takeError();
    O.Debug = std::move(*D);
  }
  if (Optional<std::string> V = Env("HYBC_DEVICE"); V && !V->empty())
    if (StringRef(*V).trim().getAsInteger(10, O.Device) || O.Device < 0)
      return badValue("HYBC_DEVICE", *V, "a device ordinal (0, 1, ...)");
  if (Error E = readBool(Env, "HYBC_BF16_RESIDUAL", O.Bf16Residual))
    return E;
  if (Error E = readRemat(Env, O))
    return E;
  if (Error E = readAttnTiles(Env, O))
    return E;
  readString(Env, "HYBC_ARCH", O.Arch);
  if (!O.Arch.empty())
    if (Error E = checkArch(O.Arch))
      return E;
  O.CacheDir = defaultCacheDir(Env);
  readString(Env, "HYBC_CACHE_DIR", O.CacheDir);
  readString(Env, "HYBC_DUMP_DIR", O.DumpDir);
  readString(Env, "HYBC_OVERRIDE_DIR", O.OverrideDir);
  readString(Env, "HYBC_CUDA_DRIVER", O.CudaDriverPath);
  O.CudaHome = cudaHome(Env);
  collectWarnings(EnvNames, O);
  return O;
}

Expected<GpuOptions> gpuOptionsFromEnvironment() {
  std::vector<std::string> Names;
  for (char **P = environ; P && *P; ++P)
    Names.push_back(StringRef(*P).split('=').first.str());
  auto Lookup = [](StringRef Name) -> Optional<std::string> {
    return sys::Process::GetEnv(Name);
  };
  return parseGpuOptions(Lookup, Names);
}

Expected<const GpuOptions &> gpuOptions() {
  static std::once_flag Once;
  static GpuOptions Parsed;
  static std::string ParseError;
  std::call_once(Once, [] {
    Expected<GpuOptions> O = gpuOptionsFromEnvironment();
    if (!O) {
      ParseError = toString(O.takeError());
      return;
    }
    Parsed = std::move(*O);
  });
  if (!ParseError.empty())
    return gpuError(ParseError);
  return Parsed;
}

ArrayRef<EnvVarInfo> gpuEnvVars() { return kVars; }

void printGpuOptions(raw_ostream &OS, const GpuOptions &O) {
  auto B = [](bool V) { return V ? "1" : "0"; };
  OS << "HYBC_CACHE=" << B(O.Cache) << "\n"
     << "HYBC_CACHE_DIR=" << O.CacheDir << "\n"
     << "HYBC_ALWAYS_COMPILE=" << B(O.AlwaysCompile) << "\n"
     << "HYBC_ASSERT_CACHED=" << B(O.AssertCached) << "\n"
     << "HYBC_DEBUG=" << O.Debug.Level << (O.Debug.File.empty() ? "" : ",")
     << O.Debug.File << (O.Debug.Function.empty() ? "" : "@")
     << O.Debug.Function << "\n"
     << "HYBC_DUMP_DIR=" << O.DumpDir << "\n"
     << "HYBC_OVERRIDE_DIR=" << O.OverrideDir << "\n"
     << "HYBC_ARCH=" << O.Arch << "\n"
     << "HYBC_FAST_MATH=" << B(O.FastMath) << "\n"
     << "HYBC_GEMM_AUTOTUNE=" << B(O.GemmAutotune) << "\n"
     << "HYBC_CUDA_GRAPH=" << B(O.CudaGraph) << "\n"
     << "HYBC_BF16_RESIDUAL=" << B(O.Bf16Residual) << "\n"
     << "HYBC_REMAT="
     << (O.RematNorms && O.RematActs ? "norms,acts"
         : O.RematNorms              ? "norms"
         : O.RematActs               ? "acts"
                                     : "none")
     << "\n"
     << "HYBC_ATTN_TILES=" << O.AttnFwdWarps << ":" << O.AttnFwdBc << ":"
     << O.AttnBwdStep << "\n"
     << "HYBC_DEVICE=" << O.Device << "\n"
     << "HYBC_CUDA_DRIVER=" << O.CudaDriverPath << "\n"
     << "HYBC_CUDA_HOME=" << O.CudaHome << "\n";
}

} // namespace gpu
} // namespace hybc
