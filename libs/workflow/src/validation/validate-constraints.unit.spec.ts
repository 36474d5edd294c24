import { describe, expect, it } from 'vitest';
import { agent, codesAt, detailsOf, expectValid, sequential } from '../fixtures/definitions';
import { validateDefinition } from './validate-definition';

const forkJoin = (extra: Record<string, unknown>, names = ['a', 'b', 'c']) => ({
  id: 'f',
  type: 'fork_join',
  branches: names.map((name, i) => ({ name, steps: [agent(`s${i}`)] })),
  ...extra,
});

describe('cross-field rules', () => {
  it('requires n_required with N_OF_M, and only then', () => {
    expect(detailsOf(sequential([forkJoin({ join_policy: 'N_OF_M' })]))).toEqual([
      {
        pointer: '/steps/0/n_required',
        code: 'constraint',
        message: 'required field is missing: join_policy N_OF_M needs n_required',
      },
    ]);
    expect(codesAt(sequential([forkJoin({ n_required: 2 })]))).toEqual([
      { code: 'constraint', pointer: '/steps/0/n_required' },
    ]);
    expect(codesAt(sequential([forkJoin({ join_policy: 'ANY', n_required: 1 })]))).toEqual([
      { code: 'constraint', pointer: '/steps/0/n_required' },
    ]);
    expectValid(sequential([forkJoin({ join_policy: 'N_OF_M', n_required: 3 })]));
  });

  it('refuses n_required above the number of branches', () => {
    expect(detailsOf(sequential([forkJoin({ join_policy: 'N_OF_M', n_required: 4 })]))).toEqual([
      {
        pointer: '/steps/0/n_required',
        code: 'constraint',
        message: 'n_required (4) exceeds the number of branches (3)',
      },
    ]);
  });

  it('refuses prototype names as branch names (outputs are keyed by branch name)', () => {
    const def = {
      workflow_id: 'w',
      name: 'W',
      steps: [
        {
          id: 'fj',
          type: 'fork_join',
          branches: [{ name: 'constructor', steps: [{ id: 'a', agent_name: 'x' }] }],
        },
      ],
    };
    const result = validateDefinition(def);
    expect(!result.ok && result.error.details.map((d) => [d.code, d.pointer])).toEqual([
      ['reserved_id', '/steps/0/branches/0/name'],
    ]);
  });

  it('requires branch names to be unique within a fork_join', () => {
    expect(codesAt(sequential([forkJoin({}, ['a', 'b', 'a'])]))).toEqual([
      { code: 'duplicate_branch', pointer: '/steps/0/branches/2/name' },
    ]);
    expectValid(
      sequential([
        forkJoin({}, ['a', 'b']),
        { ...forkJoin({}, ['a', 'b']), id: 'g', branches: [{ name: 'a', steps: [agent('t')] }] },
      ]),
    );
  });

  it('requires a topic when waiting on kafka', () => {
    const wait = { id: 'w', type: 'wait_for_event', event_type: 'paid', source: 'kafka' };
    expect(codesAt(sequential([wait]))).toEqual([{ code: 'constraint', pointer: '/steps/0/topic' }]);
    expectValid(sequential([{ ...wait, topic: 'payments' }]));
    expectValid(sequential([{ ...wait, source: 'webhook' }]));
  });

  it('refuses an initial retry delay above the cap', () => {
    const step = agent('a', { retry_config: { initial_delay_ms: 5000, max_delay_ms: 1000 } });
    expect(codesAt(sequential([step]))).toEqual([
      { code: 'constraint', pointer: '/steps/0/retry_config/initial_delay_ms' },
    ]);
  });
});

describe('agents', () => {
  it('checks agent names only when the registered agents are given', () => {
    const def = sequential([
      agent('a', { agent_name: 'known' }),
      { id: 'p', type: 'parallel', parallel_steps: [agent('b', { agent_name: 'ghost' })] },
    ]);
    expectValid(def);
    expect(detailsOf(def, { knownAgents: new Set(['known']) })).toEqual([
      {
        pointer: '/steps/1/parallel_steps/0/agent_name',
        code: 'unknown_agent',
        message: 'no agent is registered as "ghost"',
      },
    ]);
  });
});
