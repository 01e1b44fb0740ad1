/**
 * eddy/cep: complex event processing with Flink's semantics.
 *
 * Lives here: the pattern builder (`pattern/`: `Pattern`, conditions, quantifiers, skip strategies,
 * validation), the automaton (`nfa/`: compiler, shared buffer, `NFA` with `process`/`advanceTime`/
 * `snapshot`), patterns written as data with a safe expression language (`dynamic/`), and the pure parts of
 * the operator (`operator/`: `CEP.pattern` → `PatternStream`, `CEP.dynamicPatterns`, the keyed CEP
 * operators). May import `core`, `state` and `api` only (never `runtime`).
 */
export { Pattern, type WithinType } from './pattern/pattern.ts';
export type { Condition, ConditionContext } from './pattern/condition.ts';
export type { ConsumingStrategy } from './pattern/quantifier.ts';
export {
  AfterMatchSkipStrategy,
  SkipStrategyMissError,
  type SkipKind,
  type SkipMissReason,
  type EventIdLike,
} from './pattern/after-match-skip-strategy.ts';
export { validatePattern } from './pattern/validate-pattern.ts';
export { NFA, type Match, type TimedOutMatch } from './nfa/nfa.ts';
export { PartialMatchLimitError, type NFAOptions, type NFAMetrics } from './nfa/nfa-config.ts';
export { NFAFactory } from './nfa/nfa-factory.ts';
export type { NFASnapshot, PartialMatchSnapshot } from './nfa/nfa-snapshot.ts';
export { ExpressionError } from './dynamic/expression-lexer.ts';
export { parseExpression, type Expr, type BinaryOp } from './dynamic/expression-parser.ts';
export {
  compileCondition,
  compileExpression,
  checkFieldTypes,
  type FieldType,
  type FieldTypes,
} from './dynamic/expression-compiler.ts';
export {
  compilePatternSpec,
  PatternSpecError,
  type PatternSpec,
  type StageSpec,
  type Contiguity,
  type WithinSpec,
  type SkipSpec,
  type CompiledSpec,
} from './dynamic/pattern-spec.ts';
export {
  PatternRegistry,
  type PatternUpdate,
  type UpdateResult,
  type RegisteredPattern,
  type PatternRegistryOptions,
  type PatternRegistrySnapshot,
} from './dynamic/pattern-registry.ts';
export {
  DynamicPatternSet,
  type TaggedMatch,
  type TaggedTimedOutMatch,
  type DynamicPatternSetSnapshot,
} from './dynamic/dynamic-pattern-set.ts';
export {
  EventTimeBuffer,
  type TimestampedEvent,
  type EventTimeBufferSnapshot,
} from './operator/event-time-buffer.ts';
export { CEP, type DynamicPatternsOptions } from './operator/cep.ts';
export { PatternStream, type PatternStreamOptions } from './operator/pattern-stream.ts';
export type {
  PatternContext,
  PatternProcessFunction,
  TimedOutPartialMatchHandler,
  PatternSelectFunction,
  PatternTimeoutFunction,
  PatternFlatSelectFunction,
  PatternFlatTimeoutFunction,
} from './operator/cep-operator.ts';
export { CepOperator, type CepOperatorOptions } from './operator/cep-operator.ts';
export { DynamicCepOperator, type DynamicCepOperatorOptions, type RejectedPatternUpdate } from './operator/dynamic-cep-operator.ts';
export type { CepTimeDomain, CepCoreOptions } from './operator/abstract-cep-operator.ts';
