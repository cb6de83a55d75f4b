// The shape of u->evtchns (lines 63, 107-139, 650-656): the kernel's rb_insert_color / rb_erase
// as rbtree.ts transcribes them, pinned by hand-traced cases, by an independent pointer-based
// red-black tree written from the textbook (CLRS ch. 13: RB-INSERT, RB-DELETE with TREE-MINIMUM
// of the right subtree, and their fix-ups; the same rotations as lib/rbtree.c), and by the
// red-black properties on random histories.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addEvtchn, delEvtchn } from './model.js';
import {
  EMPTY_EVTCHN_RBTREE,
  RB_NIL,
  rbAddEvtchn,
  rbCheck,
  rbEraseEvtchn,
  rbEraseUnlinked,
  rbInOrder,
  rbReleaseOrder,
  rbShape,
  type EvtchnRbTree,
} from './rbtree.js';

const build = (ports: readonly number[]): EvtchnRbTree => ports.reduce(rbAddEvtchn, EMPTY_EVTCHN_RBTREE);

describe('add_evtchn + rb_insert_color (lines 107-132), traced by hand from lib/rbtree.c', () => {
  // add_evtchn goes left when the node's port is smaller (line 119-120): larger ports on the left.
  it.each([
    [[1], '1b'],
    [[1, 2], '1b(2r,.)'], // 1 < 2: 2 goes left of 1; the parent is black, done
    [[1, 2, 3], '2b(3r,1r)'], // 3 left of 2 (left of 1): Case 3, right rotate at 1
    [[1, 2, 3, 4], '2b(3b(4r,.),1b)'], // uncle 1 red: Case 1 colour flips up to the root
    [[1, 2, 3, 4, 5], '2b(4b(5r,3r),1b)'], // Case 3 at 3
    [[5, 4, 3, 2, 1], '4b(5b,2b(3r,1r))'], // the mirror cases
    [[3, 1, 2], '2b(3r,1r)'], // Case 2 (left rotate at 1) then Case 3
  ])('inserting %j gives %s', (ports, shape) => {
    const t = build(ports);
    expect(rbShape(t)).toBe(shape);
    expect(rbCheck(t)).toEqual([]);
    expect(rbInOrder(t)).toEqual([...ports].sort((a, b) => b - a));
  });
});

describe('evtchn_release takes the root each time (lines 650-656), rb_erase rebalancing', () => {
  it.each([
    // 2b(4b(5r,3r),1b): erase 2 (Case 2, successor 1, then ____rb_erase_color Case 4 at 1)
    // -> 4b(5b,1b(3r,.)); erase 4 (Case 3, successor 3, red: no rebalance) -> 3b(5b,1b);
    // erase 3 (Case 2, then Case 2 colour flip) -> 1b(5r,.); erase 1 -> 5b; erase 5.
    [
      [1, 2, 3, 4, 5],
      [2, 4, 3, 1, 5],
    ],
    // 4b(5b,2b(3r,1r)) -> 3b(5b,2b(.,1r)) -> 2b(5b,1b) -> 1b(5r,.) -> 5b
    [
      [5, 4, 3, 2, 1],
      [4, 3, 2, 1, 5],
    ],
    [
      [1, 2, 3],
      [2, 1, 3],
    ],
    [
      [1, 2],
      [1, 2],
    ],
  ])('bound in the order %j, released in the order %j', (ports, order) => {
    expect(rbReleaseOrder(build(ports))).toEqual(order);
  });

  it('the intermediate shapes of the first case are the hand-traced ones', () => {
    const shapes: string[] = [];
    let t = build([1, 2, 3, 4, 5]);
    while (t.root !== RB_NIL) {
      t = rbEraseEvtchn(t, t.root);
      shapes.push(rbShape(t));
    }
    expect(shapes).toEqual(['4b(5b,1b(3r,.))', '3b(5b,1b)', '1b(5r,.)', '5b', '.']);
  });

  it('line 137 on a never-linked node (EVTCHN-4): the root becomes NULL, nothing rebalanced', () => {
    expect(rbShape(rbEraseUnlinked())).toBe('.');
    const d = delEvtchn([{ port: 1, enabled: true }], 2, 1, false, build([1]));
    expect(d.shape.root).toBe(RB_NIL);
  });

  it('add_evtchn / del_evtchn carry the shape and keep it out of -EEXIST', () => {
    let tree: readonly { port: number; enabled: boolean }[] = [];
    let shape = EMPTY_EVTCHN_RBTREE;
    for (const port of [1, 2, 3]) {
      const r = addEvtchn(tree, tree.length, { port, enabled: true }, shape);
      tree = r.tree;
      shape = r.shape;
    }
    const dup = addEvtchn(tree, 3, { port: 2, enabled: true }, shape);
    expect([dup.rc, dup.shape]).toEqual([-17, shape]);
    const d = delEvtchn(tree, 3, 2, true, shape);
    expect(rbShape(d.shape)).toBe('1b(3r,.)');
  });
});

// ---- the independent reference: a mutable pointer tree with a NIL sentinel, after CLRS ----

interface RNode {
  key: number;
  red: boolean;
  left: RNode;
  right: RNode;
  parent: RNode;
}

class ReferenceRbTree {
  readonly nil: RNode;
  root: RNode;
  constructor() {
    const nil = { key: NaN, red: false } as RNode;
    nil.left = nil.right = nil.parent = nil;
    this.nil = nil;
    this.root = nil;
  }
  // add_evtchn's order: a larger port is "less" (goes left)
  private less(a: number, b: number): boolean {
    return a > b;
  }
  private rotateLeft(x: RNode): void {
    const y = x.right;
    x.right = y.left;
    if (y.left !== this.nil) y.left.parent = x;
    y.parent = x.parent;
    if (x.parent === this.nil) this.root = y;
    else if (x === x.parent.left) x.parent.left = y;
    else x.parent.right = y;
    y.left = x;
    x.parent = y;
  }
  private rotateRight(x: RNode): void {
    const y = x.left;
    x.left = y.right;
    if (y.right !== this.nil) y.right.parent = x;
    y.parent = x.parent;
    if (x.parent === this.nil) this.root = y;
    else if (x === x.parent.right) x.parent.right = y;
    else x.parent.left = y;
    y.right = x;
    x.parent = y;
  }
  insert(key: number): void {
    const z: RNode = { key, red: true, left: this.nil, right: this.nil, parent: this.nil };
    let y = this.nil;
    let x = this.root;
    while (x !== this.nil) {
      y = x;
      x = this.less(key, x.key) ? x.left : x.right;
    }
    z.parent = y;
    if (y === this.nil) this.root = z;
    else if (this.less(key, y.key)) y.left = z;
    else y.right = z;
    this.insertFixup(z);
  }
  private insertFixup(z0: RNode): void {
    let z = z0;
    while (z.parent.red) {
      if (z.parent === z.parent.parent.left) {
        const y = z.parent.parent.right;
        if (y.red) {
          z.parent.red = false;
          y.red = false;
          z.parent.parent.red = true;
          z = z.parent.parent;
        } else {
          if (z === z.parent.right) {
            z = z.parent;
            this.rotateLeft(z);
          }
          z.parent.red = false;
          z.parent.parent.red = true;
          this.rotateRight(z.parent.parent);
        }
      } else {
        const y = z.parent.parent.left;
        if (y.red) {
          z.parent.red = false;
          y.red = false;
          z.parent.parent.red = true;
          z = z.parent.parent;
        } else {
          if (z === z.parent.left) {
            z = z.parent;
            this.rotateRight(z);
          }
          z.parent.red = false;
          z.parent.parent.red = true;
          this.rotateLeft(z.parent.parent);
        }
      }
    }
    this.root.red = false;
  }
  private find(key: number): RNode {
    let x = this.root;
    while (x !== this.nil && x.key !== key) x = this.less(key, x.key) ? x.left : x.right;
    return x;
  }
  private transplant(u: RNode, v: RNode): void {
    if (u.parent === this.nil) this.root = v;
    else if (u === u.parent.left) u.parent.left = v;
    else u.parent.right = v;
    v.parent = u.parent;
  }
  delete(key: number): void {
    const z = this.find(key);
    let y = z;
    let yRed = y.red;
    let x: RNode;
    if (z.left === this.nil) {
      x = z.right;
      this.transplant(z, z.right);
    } else if (z.right === this.nil) {
      x = z.left;
      this.transplant(z, z.left);
    } else {
      y = z.right;
      while (y.left !== this.nil) y = y.left;
      yRed = y.red;
      x = y.right;
      if (y.parent === z) {
        x.parent = y;
      } else {
        this.transplant(y, y.right);
        y.right = z.right;
        y.right.parent = y;
      }
      this.transplant(z, y);
      y.left = z.left;
      y.left.parent = y;
      y.red = z.red;
    }
    if (!yRed) this.deleteFixup(x);
    this.nil.parent = this.nil;
  }
  private deleteFixup(x0: RNode): void {
    let x = x0;
    while (x !== this.root && !x.red) {
      if (x === x.parent.left) {
        let w = x.parent.right;
        if (w.red) {
          w.red = false;
          x.parent.red = true;
          this.rotateLeft(x.parent);
          w = x.parent.right;
        }
        if (!w.left.red && !w.right.red) {
          w.red = true;
          x = x.parent;
        } else {
          if (!w.right.red) {
            w.left.red = false;
            w.red = true;
            this.rotateRight(w);
            w = x.parent.right;
          }
          w.red = x.parent.red;
          x.parent.red = false;
          w.right.red = false;
          this.rotateLeft(x.parent);
          x = this.root;
        }
      } else {
        let w = x.parent.left;
        if (w.red) {
          w.red = false;
          x.parent.red = true;
          this.rotateRight(x.parent);
          w = x.parent.left;
        }
        if (!w.right.red && !w.left.red) {
          w.red = true;
          x = x.parent;
        } else {
          if (!w.left.red) {
            w.right.red = false;
            w.red = true;
            this.rotateLeft(w);
            w = x.parent.left;
          }
          w.red = x.parent.red;
          x.parent.red = false;
          w.left.red = false;
          this.rotateRight(x.parent);
          x = this.root;
        }
      }
    }
    x.red = false;
  }
  /** The keys in the order repeated deletion of the root takes them. */
  releaseOrder(): number[] {
    const out: number[] = [];
    while (this.root !== this.nil) {
      out.push(this.root.key);
      this.delete(this.root.key);
    }
    return out;
  }
  shape(): string {
    const draw = (n: RNode): string => {
      if (n === this.nil) return '.';
      const self = `${n.key}${n.red ? 'r' : 'b'}`;
      if (n.left === this.nil && n.right === this.nil) return self;
      return `${self}(${draw(n.left)},${draw(n.right)})`;
    };
    return draw(this.root);
  }
}

/** A history of binds and unbinds of ports 1..n: positive = bind, negative = unbind. */
const history = fc.array(
  fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 40 })).map(([add, p]) => (add ? p : -p)),
  { maxLength: 80 },
);

describe('against the reference tree and the red-black properties (fast-check)', () => {
  it('every insert and erase leaves the shape the reference has, a valid tree, in-order descending', () => {
    fc.assert(
      fc.property(history, (ops) => {
        let t = EMPTY_EVTCHN_RBTREE;
        const ref = new ReferenceRbTree();
        const bound = new Set<number>();
        for (const op of ops) {
          const port = Math.abs(op);
          if (op > 0 && !bound.has(port)) {
            t = rbAddEvtchn(t, port);
            ref.insert(port);
            bound.add(port);
          } else if (op < 0 && bound.has(port)) {
            t = rbEraseEvtchn(t, port);
            ref.delete(port);
            bound.delete(port);
          } else continue;
          expect(rbShape(t)).toBe(ref.shape());
          expect(rbCheck(t)).toEqual([]);
          expect(rbInOrder(t)).toEqual([...bound].sort((a, b) => b - a));
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('release takes the ports in the reference tree order, once each, every step a valid tree', () => {
    fc.assert(
      fc.property(history, (ops) => {
        let t = EMPTY_EVTCHN_RBTREE;
        const ref = new ReferenceRbTree();
        const bound = new Set<number>();
        for (const op of ops) {
          const port = Math.abs(op);
          if (op > 0 && !bound.has(port)) {
            t = rbAddEvtchn(t, port);
            ref.insert(port);
            bound.add(port);
          } else if (op < 0 && bound.has(port)) {
            t = rbEraseEvtchn(t, port);
            ref.delete(port);
            bound.delete(port);
          }
        }
        const order = rbReleaseOrder(t);
        expect(order).toEqual(ref.releaseOrder());
        expect([...order].sort((a, b) => a - b)).toEqual([...bound].sort((a, b) => a - b));
        let u = t;
        for (const root of order) {
          expect(u.root).toBe(root);
          u = rbEraseEvtchn(u, root);
          expect(rbCheck(u)).toEqual([]);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('the persistent tree is left unchanged by later operations (snapshots keep their shape)', () => {
    const a = build([1, 2, 3, 4, 5]);
    const before = rbShape(a);
    rbEraseEvtchn(a, 2);
    rbAddEvtchn(a, 6);
    expect(rbShape(a)).toBe(before);
  });
});
