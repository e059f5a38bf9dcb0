import { describe, expect, it } from 'vitest';
import { SdartsError } from '../../src/util/errors.js';
import { ModelSpec } from '../../src/benchmark/model-spec.js';
import { loadFixture, type HashVector } from './nasbench-fixtures.js';

const vectors = loadFixture<{ vectors: HashVector[] }>('hash_vectors.json').vectors;

function catchErr(fn: () => unknown): any {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

describe('ModelSpec validation and domain check (reference hash_vectors.json)', () => {
  const invalid = vectors.filter((v) => v.expected.status === 'invalid_spec');
  const outOfDomain = vectors.filter((v) => v.expected.status === 'out_of_domain');
  const ctorErrors = vectors.filter((v) => v.expected.status === 'constructor_error');

  it('has the expected number of each failure kind', () => {
    expect([invalid.length, outOfDomain.length, ctorErrors.length]).toEqual([16, 11, 2]);
  });

  it.each(invalid.map((v) => [v.id, v] as const))('%s: disconnected spec prunes to nothing and is out of domain', (_id, v) => {
    const spec = new ModelSpec(v.matrix, v.ops);
    expect(spec.validSpec).toBe(false);
    expect(spec.matrix).toBeNull();
    expect(spec.ops).toBeNull();
    expect(spec.isValid()).toBe(false);
    const err = catchErr(() => spec.checkDomain('test'));
    expect(err).toBeInstanceOf(SdartsError);
    expect(err.code).toBe('ERR_SDARTS_BENCHMARK_OUT_OF_DOMAIN');
    expect(err.reason).toBe(v.expected.error);
    expect(err.message).toContain('test(): the spec is outside the NAS-Bench-101 space: invalid spec, provided graph is disconnected.');
  });

  it.each(outOfDomain.map((v) => [v.id, v] as const))('%s: out of domain with the reference message', (_id, v) => {
    const spec = new ModelSpec(v.matrix, v.ops);
    expect(spec.matrix).toEqual(v.expected.pruned_matrix);
    expect(spec.ops).toEqual(v.expected.pruned_ops);
    expect(spec.isValid()).toBe(false);
    const err = catchErr(() => spec.checkDomain());
    expect(err).toBeInstanceOf(SdartsError);
    expect(err.code).toBe('ERR_SDARTS_BENCHMARK_OUT_OF_DOMAIN');
    if (v.expected.error_type === 'OutOfDomainError') {
      expect(err.reason).toBe(v.expected.error);
    } else {
      // h0010: the reference's TypeError bug for > 7 vertices; we report it as out of domain.
      expect(v.expected.error).toBe("'module' object is not subscriptable");
      expect(err.reason).toBe('too many vertices, got 8 (max vertices = 7)');
    }
    // hash_spec works outside the domain, as in the reference, unless an op has no label.
    if (v.expected.hash_spec_anyway !== undefined) expect(spec.hashSpec()).toBe(v.expected.hash_spec_anyway);
    else expect(() => spec.hashSpec()).toThrow(/unsupported op conv5x5-bn-relu/);
  });

  it.each(ctorErrors.map((v) => [v.id, v] as const))('%s: constructor error is ERR_SDARTS_BENCHMARK_INVALID_SPEC', (_id, v) => {
    const err = catchErr(() => new ModelSpec(v.matrix, v.ops));
    expect(err).toBeInstanceOf(SdartsError);
    expect(err.code).toBe('ERR_SDARTS_BENCHMARK_INVALID_SPEC');
    expect(err.message).toContain(v.expected.error);
  });

  it('rejects lower-triangular entries, self loops and non-0/1 entries (docs/reference-notes.md R5.8 A4: stricter than the reference)', () => {
    const lower = catchErr(
      () =>
        new ModelSpec(
          [
            [0, 0],
            [1, 0],
          ],
          ['input', 'output'],
        ),
    );
    expect(lower.code).toBe('ERR_SDARTS_BENCHMARK_INVALID_SPEC');
    expect(lower.message).toBe(
      'ModelSpec(): invalid spec: matrix must be upper triangular (no self-loops or backward edges), got 1 at [1][0]. ' +
        'Pass {matrix: V×V array of 0/1 (upper triangular), ops: V op names}.',
    );
    const loop = catchErr(
      () =>
        new ModelSpec(
          [
            [1, 1],
            [0, 0],
          ],
          ['input', 'output'],
        ),
    );
    expect(loop.message).toContain('got 1 at [0][0]');
    const two = catchErr(
      () =>
        new ModelSpec(
          [
            [0, 2],
            [0, 0],
          ],
          ['input', 'output'],
        ),
    );
    expect(two.code).toBe('ERR_SDARTS_BENCHMARK_INVALID_SPEC');
    expect(two.message).toContain('matrix entries must be 0 or 1, got 2 at [0][1]');
  });

  it('rejects wrong JS types with a TypeError naming the argument', () => {
    const err = catchErr(() => new ModelSpec('x', ['input']));
    expect(err).toBeInstanceOf(TypeError);
    expect(err.code).toBe('ERR_SDARTS_INVALID_ARG_TYPE');
    expect(err.message).toBe(`Expected an array of arrays of 0/1 for 'matrix' in ModelSpec() but received "x" (string)`);
    const op = catchErr(() =>
      ModelSpec.from(
        {
          matrix: [
            [0, 1],
            [0, 0],
          ],
          ops: ['input', 3],
        },
        'cli',
      ),
    );
    expect(op).toBeInstanceOf(TypeError);
    expect(op.message).toBe(`Expected a string for 'ops[1]' in cli() but received 3 (number)`);
    const entry = catchErr(
      () =>
        new ModelSpec(
          [
            [0, '1'],
            [0, 0],
          ],
          ['input', 'output'],
        ),
    );
    expect(entry.message).toBe(`Expected 0 or 1 for 'matrix[0][1]' in ModelSpec() but received "1" (string)`);
  });

  it('prunes a dangling vertex and keeps the original copy untouched (docs/reference-notes.md R5.4)', () => {
    // Vertex 2 has no path to the output: it and its op (junk label, never inspected) are removed.
    const spec = new ModelSpec(
      [
        [0, 1, 1, 0],
        [0, 0, 0, 1],
        [0, 0, 0, 0],
        [0, 0, 0, 0],
      ],
      ['input', 'maxpool3x3', 'junk', 'output'],
    );
    expect(spec.matrix).toEqual([
      [0, 1, 0],
      [0, 0, 1],
      [0, 0, 0],
    ]);
    expect(spec.ops).toEqual(['input', 'maxpool3x3', 'output']);
    expect(spec.originalOps).toEqual(['input', 'maxpool3x3', 'junk', 'output']);
    expect(spec.isValid()).toBe(true);
    expect(spec.numEdges).toBe(2);
  });

  it('a 1×1 spec is invalid after pruning (docs/reference-notes.md R5.8 A11), an empty matrix cannot be built', () => {
    expect(new ModelSpec([[0]], ['input']).validSpec).toBe(false);
    const err = catchErr(() => new ModelSpec([], []));
    expect(err.code).toBe('ERR_SDARTS_BENCHMARK_INVALID_SPEC');
    expect(err.message).toContain('matrix must have at least one row');
  });
});
