/** The native contract: codes come from the addon (native/op_list.h), the TS tables are filled from it. */
import { describe, expect, it } from 'vitest';
import { CONTRACT_VERSION, codeTable, fillCodes, native } from '../../src/tensor/native.js';
import { BINARY_OPS, BinaryOp, REDUCTION, REDUCTIONS, UNARY_OPS, UnaryOp } from '../../src/tensor/opcodes.js';
import { DTYPE_CODE, DTYPES, dtypeFromCode } from '../../src/tensor/dtype.js';
import { ones } from '../../src/tensor/creation.js';
import '../../src/tensor/tensor-ops.js';

describe('native contract', () => {
  it('fills every TS code table from the addon at load', () => {
    const c = native().contract();
    expect(c.version).toBe(CONTRACT_VERSION);
    for (const n of BINARY_OPS) expect(BinaryOp[n]).toBe(c.ops.binary[n]!.code);
    for (const n of UNARY_OPS) expect(UnaryOp[n]).toBe(c.ops.unary[n]!.code);
    for (const n of REDUCTIONS) expect(REDUCTION[n]).toBe(c.reductions[n]);
    for (const d of DTYPES) {
      expect(DTYPE_CODE[d]).toBe(c.dtypes[d]);
      expect(dtypeFromCode(DTYPE_CODE[d])).toBe(d);
    }
    expect(DTYPE_CODE.float32).toBe(6); // c10::ScalarType::Float
  });

  it('a name or form the addon lacks is one error naming each', () => {
    const table = codeTable(['add', 'fancy', 'neg'] as const);
    const rows = { add: { code: 0, forms: ['tensor'] }, neg: { code: 3, forms: ['out'] } };
    expect(() => fillCodes('op', table, rows, { add: ['tensor', 'inplaceTensor'], neg: ['out'] })).toThrow(
      /does not match src\/tensor: op 'add' has no inplaceTensor form; no op 'fancy'\./,
    );
  });

  it('rejects unknown codes and missing forms at the boundary with a RangeError', () => {
    const n = native();
    const a = ones([1]);
    expect(() => n.binary(999, a.h, a.h, 1)).toThrow(RangeError);
    expect(() => n.unary(-1, a.h)).toThrow(/unknown unary op code -1/);
    expect(() => n.unary_(UnaryOp.isnan, a.h)).toThrow(/unary op 'isnan' has no in-place form/);
    expect(() => n.binaryScalar1(BinaryOp.logicalAnd, a.h, 1)).toThrow(/binary op 'logicalAnd' has no scalar form/);
    expect(() => n.full([1], 0, 99, -1)).toThrow(/unsupported dtype code 99/);
    expect(a.add(a).item()).toBe(2);
    a.dispose();
  });

  it('the product addon carries no benchmark code', () => {
    expect('benchFloor' in native()).toBe(false);
    expect('binary1' in native()).toBe(false);
  });
});
