//===- frontend/Sema.cpp - .hyb semantic analysis entry ---------*- C++ -*-===//
///
/// \file
/// Top level of sema: the four sections, then checks that span sections.
/// A missing optional section is analysed as an empty one, so defaults that
/// depend on other sections (the untied embed_lr) are applied uniformly.
///
//===----------------------------------------------------------------------===//
#include "frontend/Sema.h"

using namespace llvm;

namespace hybc {

unsigned lineOf(SemaContext &C, SMLoc Loc) {
  SourceMgr &SM = C.Diags.sourceMgr();
  if (!Loc.isValid() || SM.FindBufferContainingLoc(Loc) == 0)
    return 0;
  return SM.getLineAndColumn(Loc).first;
}

/// Checks that relate fields of different sections.
static void crossChecks(SemaContext &C, const ast::Stmt *Model, Spec &S) {
  const RecurrenceSpec &Rec = S.Model.Recurrence;
  if (Rec.Enabled && Rec.Unit == RecurrenceUnit::Wallclock &&
      S.Train.WallclockSeconds <= 0 && Model) {
    SMLoc Loc = Model->NameLoc;
    for (const ast::Stmt &St : Model->Body)
      if (St.Kind == ast::StmtKind::Section && St.Name == "recurrence")
        Loc = St.NameLoc;
    C.Diags.error(Loc, "recurrence unit = wallclock needs a wallclock cap, but "
                       "train.wallclock = 0 (hint: use unit = steps, or set "
                       "train.wallclock = 600)");
  }
}

void runSema(const ast::File &F, SemaContext &C, Spec &S) {
  FieldReader Top(C, F);
  const ast::Stmt *Model = Top.getSection("model");
  const ast::Stmt *Train = Top.getSection("train");
  const ast::Stmt *Data = Top.getSection("data");
  const ast::Stmt *Export = Top.getSection("export");
  Top.finish();
  if (Model)
    semaModel(C, *Model, S.Model);
  else if (!C.Partial)
    C.Diags.error(F.Start,
                  "missing 'model' section (hint: model { vocab = "
                  "1024, d_model = 512, block A = attention() + mlp(), "
                  "layers = \"AAAA\" })");
  ast::Stmt Empty;
  Empty.Kind = ast::StmtKind::Section;
  Empty.NameLoc = F.Start;
  Empty.Name = "train";
  semaTrain(C, Train ? *Train : Empty, S.Model.Embed.Tied, S.Train);
  Empty.Name = "data";
  semaData(C, Data ? *Data : Empty, S.Data);
  Empty.Name = "export";
  semaExport(C, Export ? *Export : Empty, S.Export);
  crossChecks(C, Model, S);
}

} // namespace hybc
