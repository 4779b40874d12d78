/**
 * Interrupt checks compiled into cell code. Node can stop any busy code only while it runs inside
 * `vm.runInThisContext({ breakOnSigint })`, i.e. the synchronous part of a cell; a loop after an `await` or
 * in a timer callback runs outside it (and the inspector's Runtime.terminateExecution crashed Node here).
 * So every loop body and function body of cell code (and of the `.ts`/`.js` files a cell imports) starts with
 *
 * ```js
 * if (__kubelab_irq[0] !== 0) __kubelab_interrupted();
 * ```
 *
 * where `__kubelab_irq` is an `Int32Array` over a `SharedArrayBuffer` that the protocol thread sets when an
 * interrupt arrives, even while this thread is busy. One array read per iteration costs next to nothing
 * (bench/kernel.ts: the 3M-iteration loop cell).
 */
import type * as TS from "typescript";
import { ts } from "./converter";

/** The flag array's name in compiled code (a parameter of each cell's function, a global for imported files). */
export const IRQ_NAME = "__kubelab_irq";
/** The function compiled code calls when the flag is set; it throws a KeyboardInterrupt. */
export const INTERRUPTED_NAME = "__kubelab_interrupted";

/**
 * A `before` transformer inserting the interrupt check at the top of loop bodies and function bodies.
 * Constructors are left alone (code before `super()` must not run first); their loops still get checks.
 *
 * @example
 * ```ts
 * program.emit(sf, write, undefined, false, { before: [interruptChecks] });
 * // while (x) f();  →  while (x) { if (__kubelab_irq[0] !== 0) __kubelab_interrupted(); f(); }
 * ```
 */
export const interruptChecks: TS.TransformerFactory<TS.SourceFile> = (context) => {
  const f = context.factory;
  // The check takes the position of the body it guards, so an interrupt's traceback names the cell's line.
  const at = <T extends TS.Node>(n: T, where: TS.Node): T => ts.setTextRange(n, { pos: where.getStart(), end: where.end });
  const flagSet = (): TS.Expression => f.createStrictInequality(f.createElementAccessExpression(f.createIdentifier(IRQ_NAME), 0), f.createNumericLiteral(0));
  const call = (where: TS.Node): TS.Expression => at(f.createCallExpression(f.createIdentifier(INTERRUPTED_NAME), undefined, []), where);
  const check = (where: TS.Node): TS.Statement => at(f.createIfStatement(flagSet(), at(f.createExpressionStatement(call(where)), where)), where);
  const prologueLength = (stmts: readonly TS.Statement[]): number => {
    let i = 0;
    while (i < stmts.length && ts.isExpressionStatement(stmts[i]!) && ts.isStringLiteral((stmts[i] as TS.ExpressionStatement).expression)) i++;
    return i;
  };
  const isCheckedFunction = (n: TS.Node): boolean =>
    (ts.isFunctionDeclaration(n) || ts.isFunctionExpression(n) || ts.isArrowFunction(n) || ts.isMethodDeclaration(n) || ts.isGetAccessorDeclaration(n) || ts.isSetAccessorDeclaration(n)) &&
    n.body !== undefined;
  const visit = (node: TS.Node): TS.Node => {
    const parent = node.parent as TS.Node | undefined;
    const loopBody = parent !== undefined && ts.isIterationStatement(parent, false) && parent.statement === node;
    const functionBody = parent !== undefined && ts.isBlock(node) && isCheckedFunction(parent) && (parent as TS.FunctionLikeDeclaration).body === node;
    const arrowBody = parent !== undefined && ts.isArrowFunction(parent) && parent.body === node && !ts.isBlock(node);
    const out = ts.visitEachChild(node, visit, context);
    if (functionBody && ts.isBlock(out)) {
      const n = prologueLength(out.statements);
      return f.updateBlock(out, [...out.statements.slice(0, n), check(node), ...out.statements.slice(n)]);
    }
    if (loopBody) return ts.isBlock(out) ? f.updateBlock(out, [check(node), ...out.statements]) : f.createBlock([check(node), out as TS.Statement], true);
    // `x => expr` becomes `x => (flag && interrupted(), expr)`.
    if (arrowBody) return f.createParenthesizedExpression(f.createComma(f.createLogicalAnd(flagSet(), call(node)), out as TS.Expression));
    return out;
  };
  return (sf) => ts.visitEachChild(sf, visit, context);
};
