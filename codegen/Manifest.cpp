//===- codegen/Manifest.cpp - manifest.json of emitted kernels ------------===//
///
/// \file
/// See Manifest.h. Example kernel entry:
///   {"name": "hybc_rms_norm_fwd_r4096_d128_0c1d2e3f", "file": "...cu",
///    "family": "row", "grid": [512, 1, 1], "block": [256, 1, 1], "smem": 0,
///    "args": [...], "fused_ops": ["%6 = rms_norm(%5) ..."], "spec_lines": [8]}
///
//===----------------------------------------------------------------------===//
#include "codegen/Manifest.h"
#include "codegen/EmitCommon.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

using namespace hybc;

namespace {

using llvm::json::OStream;

void dims(OStream &J, llvm::StringRef Key, const unsigned (&D)[3]) {
  J.attributeArray(Key, [&] {
    for (unsigned X : D)
      J.value(static_cast<int64_t>(X));
  });
}

void writeKernel(OStream &J, const KernelSpec &K,
                 const KernelResourceMap *Res) {
  J.object([&] {
    J.attribute("name", K.Name);
    J.attribute("file", K.Name + ".cu");
    J.attribute("family", K.Family);
    dims(J, "grid", K.Grid);
    dims(J, "block", K.Block);
    J.attribute("smem", static_cast<int64_t>(K.SharedBytes));
    if (Res && Res->count(K.Name)) {
      const KernelResources &R = Res->at(K.Name);
      J.attribute("registers", static_cast<int64_t>(R.Registers));
      J.attribute("spill_bytes", static_cast<int64_t>(R.SpillBytes));
      J.attribute("static_smem", static_cast<int64_t>(R.StaticSharedBytes));
      J.attribute("max_threads", static_cast<int64_t>(R.MaxThreads));
    }
    J.attributeArray("args", [&] {
      for (const KernelArg &A : K.Args)
        J.object([&] {
          J.attribute("name", A.Name);
          J.attribute("kind", kernelArgKindName(A.K));
          J.attribute("ctype", A.CType);
          if (A.K != KernelArg::Buffer)
            return;
          J.attribute("output", A.Output);
          J.attribute("elements", A.Elements);
          J.attribute("scratch", A.Scratch);
          if (!A.Scratch)
            J.attribute("value", static_cast<int64_t>(A.ValueId));
        });
    });
    J.attributeArray("fused_ops", [&] {
      for (const std::string &S : K.FusedOps)
        J.value(S);
    });
    J.attributeArray("spec_lines", [&] {
      for (unsigned L : K.SpecLines)
        J.value(static_cast<int64_t>(L));
    });
  });
}

void writeStep(OStream &J, const Plan &P, const PlanStep &S) {
  J.object([&] {
    switch (S.K) {
    case PlanStep::Kernel:
      J.attribute("kind", "kernel");
      J.attribute("kernel", P.Kernels[S.KernelIndex].Name);
      J.attributeArray("bindings", [&] {
        for (unsigned V : S.Bindings)
          J.value(static_cast<int64_t>(V));
      });
      break;
    case PlanStep::Gemm:
      J.attribute("kind", "gemm");
      J.attribute("a", static_cast<int64_t>(S.G.A));
      J.attribute("b", static_cast<int64_t>(S.G.B));
      J.attribute("c", static_cast<int64_t>(S.G.C));
      J.attribute("trans_a", S.G.TransA);
      J.attribute("trans_b", S.G.TransB);
      J.attribute("m", S.G.M);
      J.attribute("n", S.G.N);
      J.attribute("k", S.G.K);
      J.attribute("accumulate", S.G.Accumulate);
      J.attribute("operands", S.G.Bf16Operands ? "bf16" : "f32");
      J.attribute("output", S.G.Bf16Output ? "bf16" : "f32");
      break;
    case PlanStep::Alias:
      J.attribute("kind", "alias");
      J.attribute("dst", static_cast<int64_t>(S.Dst));
      J.attribute("src", static_cast<int64_t>(S.Src));
      break;
    }
    J.attribute("note", S.Note);
  });
}

const char *roleName(PlanBuffer::Role R) {
  switch (R) {
  case PlanBuffer::Param:
    return "param";
  case PlanBuffer::Grad:
    return "grad";
  case PlanBuffer::Input:
    return "input";
  case PlanBuffer::Activation:
    return "activation";
  }
  return "?";
}

void writePlan(OStream &J, const NamedPlan &NP) {
  const Plan &P = *NP.P;
  J.object([&] {
    J.attribute("name", NP.Name);
    J.attribute("recurrence", NP.Recurrence);
    J.attribute("qat", NP.Qat);
    J.attribute("batch", NP.Batch);
    J.attribute("time", NP.Time);
    J.attribute("loss_value", static_cast<int64_t>(P.LossValue));
    J.attributeArray("steps", [&] {
      for (const PlanStep &S : P.Steps)
        writeStep(J, P, S);
    });
    J.attributeArray("buffers", [&] {
      for (const PlanBuffer &B : P.Buffers)
        J.object([&] {
          J.attribute("value", static_cast<int64_t>(B.ValueId));
          J.attribute("elements", B.Elements);
          J.attribute("role", roleName(B.R));
          if (B.R == PlanBuffer::Param || B.R == PlanBuffer::Grad)
            J.attribute("param_index", static_cast<int64_t>(B.ParamIndex));
          J.attribute("dtype", B.DType);
        });
    });
    J.attributeArray("scratch", [&] {
      for (const PlanScratch &S : P.Scratch)
        J.object([&] {
          J.attribute("name", S.Name);
          J.attribute("elements", S.Elements);
        });
    });
  });
}

} // namespace

llvm::Expected<std::vector<const KernelSpec *>>
hybc::uniqueKernels(llvm::ArrayRef<NamedPlan> Plans) {
  std::vector<const KernelSpec *> Out;
  llvm::StringMap<const KernelSpec *> Seen;
  for (const NamedPlan &NP : Plans)
    for (const KernelSpec &K : NP.P->Kernels) {
      auto It = Seen.find(K.Name);
      if (It == Seen.end()) {
        Seen[K.Name] = &K;
        Out.push_back(&K);
        continue;
      }
      if (kernelCode(It->second->Source) != kernelCode(K.Source))
        return llvm::createStringError(
            llvm::inconvertibleErrorCode(),
            llvm::formatv("codegen: plans '{0}' and another disagree on "
                          "kernel '{1}'",
                          NP.Name, K.Name)
                .str());
    }
  return Out;
}

llvm::Expected<std::string>
hybc::manifestJson(llvm::StringRef SpecPath, llvm::ArrayRef<NamedPlan> Plans,
                   const KernelResourceMap *Res) {
  auto Ks = uniqueKernels(Plans);
  if (!Ks)
    return Ks.takeError();
  std::string S;
  llvm::raw_string_ostream OS(S);
  OStream J(OS, /*IndentSize=*/1);
  J.object([&] {
    J.attribute("format", "hybc-kernels-v1");
    J.attribute("spec", SpecPath);
    J.attributeArray("kernels", [&] {
      for (const KernelSpec *K : *Ks)
        writeKernel(J, *K, Res);
    });
    J.attributeArray("plans", [&] {
      for (const NamedPlan &NP : Plans)
        writePlan(J, NP);
    });
  });
  J.flush();
  OS << "\n";
  return OS.str();
}
