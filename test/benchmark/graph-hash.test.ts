import { describe, expect, it } from 'vitest';
import { emptyHashTrace, hashModule } from '../../src/benchmark/graph-hash.js';
import { ModelSpec } from '../../src/benchmark/model-spec.js';
import { loadFixture, type HashVector } from './nasbench-fixtures.js';

// hash_vectors.json: (matrix, ops) cases run through the reference ModelSpec + hash_module.
const fixture = loadFixture<{ vectors: HashVector[]; traces: any[]; available_ops_order_for_labels: string[] }>('hash_vectors.json');

describe('graph hash (reference hash_vectors.json)', () => {
  const ok = fixture.vectors.filter((v) => v.expected.status === 'ok');

  it('covers every status the reference produced', () => {
    expect(ok.length).toBe(81);
    expect(fixture.vectors.length).toBe(110);
    expect(fixture.available_ops_order_for_labels).toEqual(['conv3x3-bn-relu', 'conv1x1-bn-relu', 'maxpool3x3']);
  });

  it.each(ok.map((v) => [v.id, v] as const))('%s: pruned spec and hash match the reference', (_id, v) => {
    const spec = new ModelSpec(v.matrix, v.ops);
    expect(spec.validSpec).toBe(true);
    expect(spec.matrix).toEqual(v.expected.pruned_matrix);
    expect(spec.ops).toEqual(v.expected.pruned_ops);
    expect(spec.isValid()).toBe(true);
    expect(spec.hashSpec()).toBe(v.expected.hash);
  });

  it('isomorphic groups share one hash, and different groups differ', () => {
    const byGroup = new Map<string, Set<string>>();
    for (const v of ok) {
      if (v.iso_group === undefined) continue;
      const set = byGroup.get(v.iso_group) ?? new Set<string>();
      set.add(new ModelSpec(v.matrix, v.ops).hashSpec());
      byGroup.set(v.iso_group, set);
    }
    expect(byGroup.size).toBeGreaterThan(10);
    const groupHashes = [...byGroup.values()].map((s) => {
      expect(s.size).toBe(1);
      return [...s][0];
    });
    expect(new Set(groupHashes).size).toBe(groupHashes.length);
  });

  it.each(fixture.traces.map((t) => [t.vector_id, t] as const))('%s: every round of the hash equals the reference trace', (_id, t) => {
    const trace = emptyHashTrace();
    const h = hashModule(t.pruned_matrix, t.labels, trace);
    expect(trace.outDegree).toEqual(t.out_degree);
    expect(trace.inDegree).toEqual(t.in_degree);
    expect(trace.initialStrings).toEqual(t.initial_strings);
    expect(trace.hashesAfterRound).toEqual(t.hashes_after_round);
    expect(trace.finalInputString).toBe(t.final_input_string);
    expect(h).toBe(t.hash);
  });

  it('the README Inception cell and the 2-vertex graph give the published check values', () => {
    // docs/reference-notes.md R5.6 check values (also Google's public test data for the Inception-like cell).
    const inception = new ModelSpec(
      [
        [0, 1, 1, 1, 0, 1, 0],
        [0, 0, 0, 0, 0, 0, 1],
        [0, 0, 0, 0, 0, 0, 1],
        [0, 0, 0, 0, 1, 0, 0],
        [0, 0, 0, 0, 0, 0, 1],
        [0, 0, 0, 0, 0, 0, 1],
        [0, 0, 0, 0, 0, 0, 0],
      ],
      ['input', 'conv1x1-bn-relu', 'conv3x3-bn-relu', 'conv3x3-bn-relu', 'conv3x3-bn-relu', 'maxpool3x3', 'output'],
    );
    expect(inception.hashSpec()).toBe('28cfc7874f6d200472e1a9dcd8650aa0');
    expect(
      new ModelSpec(
        [
          [0, 1],
          [0, 0],
        ],
        ['input', 'output'],
      ).hashSpec(),
    ).toBe('043721b9c7fe8c5fad811d47d83132ec');
  });
});
