import { describe, expect, it } from 'vitest';
import type { WorkflowDefinition } from './definition.schema';
import { everyStepType } from './fixtures/every-step-type';
import { orderLifecycle } from './fixtures/state-machine';
import { validateDefinition } from './validation/validate-definition';
import { findStep, stepTypes, walkSteps } from './walk';

function parsed(input: unknown): WorkflowDefinition {
  const result = validateDefinition(input);
  if (!result.ok) throw result.error;
  return result.value;
}

describe('walkSteps', () => {
  it('visits every step, parents first, with its pointer and scope', () => {
    const visits: string[] = [];
    walkSteps(parsed(everyStepType), (step, pointer, scope) => {
      visits.push(
        `${step.id} ${pointer} ${scope.kind} ${scope.parentStepId ?? '-'} ${scope.branchName ?? '-'} ${scope.depth} [${scope.list.map((s) => s.id).join(',')}]`,
      );
    });
    expect(visits).toEqual([
      'fetch /steps/0 steps - - 1 [fetch,fan-out,decide,each-item,review,child,await-approval,check]',
      'fan-out /steps/1 steps - - 1 [fetch,fan-out,decide,each-item,review,child,await-approval,check]',
      'enrich-a /steps/1/parallel_steps/0 parallel_steps fan-out - 2 [enrich-a,enrich-b]',
      'enrich-b /steps/1/parallel_steps/1 parallel_steps fan-out - 2 [enrich-a,enrich-b]',
      'decide /steps/2 steps - - 1 [fetch,fan-out,decide,each-item,review,child,await-approval,check]',
      'each-item /steps/3 steps - - 1 [fetch,fan-out,decide,each-item,review,child,await-approval,check]',
      'score /steps/3/loop_step loop_step each-item - 2 [score]',
      'review /steps/4 steps - - 1 [fetch,fan-out,decide,each-item,review,child,await-approval,check]',
      'legal-check /steps/4/branches/0/steps/0 branch review legal 2 [legal-check,legal-sign]',
      'legal-sign /steps/4/branches/0/steps/1 branch review legal 2 [legal-check,legal-sign]',
      'finance-check /steps/4/branches/1/steps/0 branch review finance 2 [finance-check]',
      'ops-check /steps/4/branches/2/steps/0 branch review ops 2 [ops-check]',
      'child /steps/5 steps - - 1 [fetch,fan-out,decide,each-item,review,child,await-approval,check]',
      'await-approval /steps/6 steps - - 1 [fetch,fan-out,decide,each-item,review,child,await-approval,check]',
      'check /steps/7 steps - - 1 [fetch,fan-out,decide,each-item,review,child,await-approval,check]',
    ]);
  });

  it('visits state actions with their state, entry, action, exit', () => {
    const visits: string[] = [];
    walkSteps(parsed(orderLifecycle), (step, pointer, scope) =>
      visits.push(`${step.id} ${pointer} ${scope.stateName}`),
    );
    expect(visits).toEqual([
      'reserve-stock /states/placed/entry_action placed',
      'charge /states/paid/action paid',
      'receipt /states/paid/exit_action paid',
      'ship /states/shipped/entry_action shipped',
    ]);
  });

  it('gives the ancestors of nested steps, outermost first', () => {
    const def = parsed({
      workflow_id: 'wf',
      name: 'n',
      steps: [
        {
          id: 'outer',
          type: 'loop',
          loop_over: '${workflow.input.x}',
          loop_step: { id: 'mid', type: 'parallel', parallel_steps: [{ id: 'leaf', agent_name: 'a' }] },
        },
      ],
    });
    let ancestors: string[] = [];
    walkSteps(def, (step, _pointer, scope) => {
      if (step.id === 'leaf') ancestors = scope.ancestors.map((a) => a.id);
    });
    expect(ancestors).toEqual(['outer', 'mid']);
  });
});

describe('findStep and stepTypes', () => {
  it('finds nested steps by id', () => {
    const def = parsed(everyStepType);
    expect(findStep(def, 'legal-sign')).toMatchObject({ agent_name: 'legal' });
    expect(findStep(def, 'score')).toMatchObject({ agent_name: 'scorer' });
    expect(findStep(def, 'nope')).toBeUndefined();
    expect(findStep(parsed(orderLifecycle), 'receipt')).toMatchObject({ agent_name: 'mailer' });
  });

  it('lists the step types used, agent when omitted', () => {
    expect([...stepTypes(parsed(everyStepType))].sort()).toEqual([
      'agent',
      'conditional',
      'fork_join',
      'loop',
      'parallel',
      'sub_workflow',
      'validation',
      'wait_for_event',
    ]);
    expect(stepTypes(parsed(orderLifecycle))).toEqual(new Set(['agent']));
  });
});
