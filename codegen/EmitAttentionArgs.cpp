//===- codegen/EmitAttentionArgs.cpp - Attention args and dtypes ----------===//
///
/// \file
/// The argument and dtype helpers of both attention paths (declared in
/// EmitAttentionDetail.h): which attention tensors are bf16, their kernel
/// args, the name suffix and header note of a dtype mix, and the forward
/// kernel's argument list.
///
/// Example:
///   unsigned Bf = attentionBf16Mask(O, C);            // AtQ | AtK | ...
///   std::string Name = "hybc_attention_fwd_" + D.signature() +
///                      attentionDtypeSuffix(Bf, AtQ | AtK | AtV | AtO);
///
//===----------------------------------------------------------------------===//
#include "codegen/EmitAttentionDetail.h"
#include "codegen/EmitFamilyUtil.h"
#include "codegen/Emitters.h"

#include "llvm/Support/FormatVariadic.h"

using namespace hybc;

unsigned hybc::attentionBf16Mask(const ir::Op &O, const EmitContext &C) {
  unsigned M = 0;
  auto Mark = [&](const ir::Value *V, unsigned Bit) {
    if (C.isBf16(V))
      M |= Bit;
  };
  if (O.kind() == ir::OpKind::Attention) {
    const unsigned In[] = {AtQ, AtK, AtV};
    for (unsigned I = 0; I < 3; ++I)
      Mark(O.operand(I), In[I]);
    Mark(O.result(0), AtO);
    return M;
  }
  const unsigned In[] = {AtDo, AtQ, AtK, AtV, AtO}, Out[] = {AtDq, AtDk, AtDv};
  for (unsigned I = 0; I < 5; ++I)
    Mark(O.operand(I), In[I]);
  for (unsigned I = 0; I < 3; ++I)
    Mark(O.result(I), Out[I]);
  return M;
}

KernelArg hybc::attentionBufferArg(llvm::StringRef Name, int64_t Elements,
                                   unsigned ValueId, bool Output, bool Bf16) {
  KernelArg A = bufferArg(Name, Elements, ValueId, Output);
  if (Bf16)
    A.CType = Output ? "hybc::bf16 *" : "const hybc::bf16 *";
  return A;
}

std::string hybc::attentionDtypeSuffix(unsigned Mask, unsigned Used) {
  const unsigned M = Mask & Used;
  if (M == 0)
    return "";
  if (M == Used)
    return "_bf16io";
  const char *Hex = "0123456789abcdef";
  return std::string("_bf16io_m") + Hex[(M >> 4) & 15] + Hex[M & 15];
}

std::string hybc::attentionDtypeNote(unsigned Mask) {
  static const char *const Names[] = {"q",    "k",  "v",  "o",
                                      "dout", "dq", "dk", "dv"};
  std::string S;
  for (unsigned I = 0; I < 8; ++I)
    if (Mask & (1u << I))
      S += (S.empty() ? " bf16 in memory: " : ", ") + std::string(Names[I]);
  return S.empty() ? S : S + ".";
}

std::vector<KernelArg>
hybc::attentionForwardArgs(const ir::Op &O, const AttnDims &D, unsigned Bf16) {
  const int64_t QN = D.B * D.T * D.Hq * D.D, KN = D.B * D.T * D.Hkv * D.D;
  auto In = [&](llvm::StringRef Name, unsigned I, int64_t N, unsigned Bit) {
    return attentionBufferArg(Name, N, O.operand(I)->id(), false, Bf16 & Bit);
  };
  return {In("q", 0, QN, AtQ), In("k", 1, KN, AtK), In("v", 2, KN, AtV),
          attentionBufferArg("o", QN, O.result(0)->id(), true, Bf16 & AtO),
          bufferArg("lse", D.B * D.Hq * D.T, O.result(1)->id(), true)};
}
