// contract(): the rows of op_list.h as name → code maps, read once by src/tensor when it loads the addon.
//   { version, ops: { binary: { add: { code: 0, forms: ['tensor', 'scalar', 'inplaceTensor', 'inplaceScalar'] }, ... },
//                     unary: { neg: { code: 0, forms: ['out', 'inplace'] }, ... } },
//     dtypes: { float32: 6, ... }, reductions: { none: 0, mean: 1, sum: 2 } }
#include "common.h"
#include "op_list.h"

#include <ATen/core/Reduction.h>

#include <initializer_list>
#include <string_view>

namespace sdarts {
namespace {

// One op's entry; a form is listed when its row's expression is not NONE.
Napi::Object OpEntry(Napi::Env env, int code, std::initializer_list<std::pair<const char*, std::string_view>> forms) {
  auto entry = Napi::Object::New(env);
  entry.Set("code", Napi::Number::New(env, code));
  auto list = Napi::Array::New(env);
  uint32_t n = 0;
  for (const auto& [form, expr] : forms) {
    if (expr != "NONE") list.Set(n++, Napi::String::New(env, form));
  }
  entry.Set("forms", list);
  return entry;
}

Napi::Value Contract(const Napi::CallbackInfo& info) {
  if (info.Length() != 0) throw ArgError("takes no arguments");
  auto env = info.Env();
  auto binary = Napi::Object::New(env);
#define SDARTS_ROW(name, tt, ts, itt, its) \
  binary.Set(#name, OpEntry(env, static_cast<int>(BinaryOp::name), {{"tensor", #tt}, {"scalar", #ts}, {"inplaceTensor", #itt}, {"inplaceScalar", #its}}));
  SDARTS_BINARY_OPS(SDARTS_ROW)
#undef SDARTS_ROW
  auto unary = Napi::Object::New(env);
#define SDARTS_ROW(name, f, f_) unary.Set(#name, OpEntry(env, static_cast<int>(UnaryOp::name), {{"out", #f}, {"inplace", #f_}}));
  SDARTS_UNARY_OPS(SDARTS_ROW)
#undef SDARTS_ROW
  auto dtypes = Napi::Object::New(env);
#define SDARTS_ROW(name, type) dtypes.Set(#name, Napi::Number::New(env, static_cast<int>(c10::ScalarType::type)));
  SDARTS_DTYPES(SDARTS_ROW)
#undef SDARTS_ROW
  auto reductions = Napi::Object::New(env);
#define SDARTS_ROW(name, value) reductions.Set(#name, Napi::Number::New(env, static_cast<int>(at::Reduction::value)));
  SDARTS_REDUCTIONS(SDARTS_ROW)
#undef SDARTS_ROW
  auto ops = Napi::Object::New(env);
  ops.Set("binary", binary);
  ops.Set("unary", unary);
  auto out = Napi::Object::New(env);
  out.Set("version", Napi::Number::New(env, SDARTS_CONTRACT_VERSION));
  out.Set("ops", ops);
  out.Set("dtypes", dtypes);
  out.Set("reductions", reductions);
  return out;
}

}  // namespace

void RegisterContract(Napi::Env env, Napi::Object exports) { Export(env, exports, "contract", Contract); }

}  // namespace sdarts
