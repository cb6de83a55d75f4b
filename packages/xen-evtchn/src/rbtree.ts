/**
 * The shape of `u->evtchns`, the per-file red-black tree of `struct user_evtchn` nodes
 * (`struct rb_root evtchns`, line 63), and the three kernel operations evtchn.c performs on it:
 * the descent of `add_evtchn` followed by `rb_link_node` and `rb_insert_color` (lines 107-132),
 * `rb_erase` in `del_evtchn` (lines 134-139), and the loop of `evtchn_release` that takes the
 * root again and again (`while ((node = u->evtchns.rb_node))`, lines 650-656).
 *
 * Why the shape is modelled: lookups (`find_evtchn`) only depend on which ports are in the tree,
 * and the model answers them from a port-keyed map. But `evtchn_release` unbinds the ports in
 * the order the root yields them while `rb_erase` rebalances, and that order is what the
 * hypervisor (`EVTCHNOP_close`) and the irq layer (`disable_irq`, `unbind_from_irqhandler`)
 * see. It is neither ascending nor descending and depends on the whole history of inserts and
 * erases, so the links and colours are kept exactly as lib/rbtree.c leaves them
 * (`__rb_insert`, `__rb_erase_augmented` and `____rb_erase_color` of the kernel's
 * non-augmented instantiation, transcribed case by case below with their comments' names).
 *
 * Where evtchn.c departs from the usual order: `add_evtchn` descends to the *left* when the
 * node's port is smaller than the new one (line 119-120), so an in-order walk of the tree
 * yields the ports in descending order. `find_evtchn` uses the same comparison, so lookups
 * are consistent; nothing here is a defect.
 *
 * Representation: a node is its port; `NULL` is {@link RB_NIL}. The nodes are a persistent map
 * by port (`persistent.ts`) of immutable link records, so one operation copies only the nodes
 * it touches (O(log n)) and every snapshot keeps its own tree.
 *
 * Not covered: the augmented callbacks (evtchn.c uses the plain tree), `WRITE_ONCE` (lockless
 * readers of the tree do not exist in evtchn.c: every access holds `bind_mutex`), `rb_next` and
 * the other iterators (unused).
 *
 * @module
 */
import { PortMap } from './persistent.js';

/** `NULL` in a link of the tree. @category Bound ports */
export const RB_NIL = -1;

/**
 * One `struct rb_node` of `u->evtchns`, identified by its `user_evtchn`'s port: the parent and
 * child links (ports, or {@link RB_NIL}) and the colour bit of `__rb_parent_color`.
 * @category Bound ports
 */
export interface EvtchnRbNode {
  readonly parent: number;
  readonly left: number;
  readonly right: number;
  /** `RB_BLACK` (true) or `RB_RED` (false). */
  readonly black: boolean;
}

/**
 * The nodes of a tree by port (read-only; a persistent map inside).
 * @category Bound ports
 */
export interface EvtchnRbNodes {
  readonly size: number;
  get(port: number): EvtchnRbNode | undefined;
  has(port: number): boolean;
  /** Calls `fn` for every node in ascending port order. */
  forEach(fn: (node: EvtchnRbNode, port: number) => void): void;
}

/**
 * The red-black tree `u->evtchns`: `rb_root.rb_node` (a port, or {@link RB_NIL} when empty) and
 * the nodes by port. Made only by this module's functions.
 * @category Bound ports
 */
export interface EvtchnRbTree {
  readonly root: number;
  readonly nodes: EvtchnRbNodes;
}

/** `RB_ROOT`: the empty tree of a freshly opened file (kzalloc'd `per_user_data`). @category Bound ports */
export const EMPTY_EVTCHN_RBTREE: EvtchnRbTree = Object.freeze({
  root: RB_NIL,
  nodes: PortMap.empty<EvtchnRbNode>(),
});

class RbNodeValue implements EvtchnRbNode {
  constructor(
    readonly parent: number,
    readonly left: number,
    readonly right: number,
    readonly black: boolean,
  ) {}
}

interface MutableRbNode {
  parent: number;
  left: number;
  right: number;
  black: boolean;
}

const RB_RED = false;
const RB_BLACK = true;

/**
 * One operation on a tree: the nodes it touches are copied once into mutable records, the
 * kernel code runs on them, and {@link RbEdit.done} writes them back into a new persistent
 * tree. The helpers are lib/rbtree.c's and include/linux/rbtree_augmented.h's.
 */
class RbEdit {
  root: number;
  private readonly touched = new Map<number, MutableRbNode>();
  private erased = RB_NIL;

  constructor(private readonly tree: EvtchnRbTree) {
    this.root = tree.root;
  }

  /** The node `p` (never `NULL`: the kernel code dereferences only non-NULL nodes). */
  n(p: number): MutableRbNode {
    let m = this.touched.get(p);
    if (m === undefined) {
      const b = p === RB_NIL ? undefined : this.tree.nodes.get(p);
      if (b === undefined)
        throw new Error(`rbtree: dereference of ${p === RB_NIL ? 'NULL' : `unknown node ${p}`}`);
      m = { parent: b.parent, left: b.left, right: b.right, black: b.black };
      this.touched.set(p, m);
    }
    return m;
  }

  /** `rb_link_node(node, parent, link)` (with the link store done by the caller). */
  link(p: number, parent: number): void {
    this.touched.set(p, { parent, left: RB_NIL, right: RB_NIL, black: RB_RED });
  }

  isBlack(p: number): boolean {
    return this.n(p).black;
  }

  /** `rb_set_parent_color(rb, p, color)`. */
  setParentColor(rb: number, p: number, black: boolean): void {
    const m = this.n(rb);
    m.parent = p;
    m.black = black;
  }

  /** `rb_set_parent(rb, p)`: the colour is kept. */
  setParent(rb: number, p: number): void {
    this.n(rb).parent = p;
  }

  /** `__rb_change_child(old, new, parent, root)`. */
  changeChild(old: number, nu: number, parent: number): void {
    if (parent !== RB_NIL) {
      const m = this.n(parent);
      if (m.left === old) m.left = nu;
      else m.right = nu;
    } else {
      this.root = nu;
    }
  }

  /** `__rb_rotate_set_parents(old, new, root, color)`. */
  rotateSetParents(old: number, nu: number, black: boolean): void {
    const o = this.n(old);
    const parent = o.parent;
    const m = this.n(nu);
    m.parent = o.parent;
    m.black = o.black;
    this.setParentColor(old, nu, black);
    this.changeChild(old, nu, parent);
  }

  /** The node is gone from the tree (kfree'd by `del_evtchn`). */
  drop(p: number): void {
    this.touched.delete(p);
    this.erased = p;
  }

  done(): EvtchnRbTree {
    const e = (this.tree.nodes as PortMap<EvtchnRbNode>).edit();
    for (const [p, m] of this.touched) e.set(p, new RbNodeValue(m.parent, m.left, m.right, m.black));
    if (this.erased !== RB_NIL) e.delete(this.erased);
    return { root: this.root, nodes: e.done() };
  }
}

/** `__rb_insert(node, root, dummy_rotate)` (lib/rbtree.c): rebalance after linking a red node. */
function rbInsertColor(t: RbEdit, node: number): void {
  let parent = t.n(node).parent; // rb_red_parent(node)
  for (;;) {
    // Loop invariant: node is red.
    if (parent === RB_NIL) {
      // The inserted node is root (the first node, or we recursed at Case 1).
      t.setParentColor(node, RB_NIL, RB_BLACK);
      break;
    }
    // A black parent: done.
    if (t.isBlack(parent)) break;
    const gparent = t.n(parent).parent; // rb_red_parent(parent)
    let tmp = t.n(gparent).right;
    if (parent !== tmp) {
      // parent == gparent->rb_left
      if (tmp !== RB_NIL && !t.isBlack(tmp)) {
        // Case 1 - node's uncle is red (color flips); recurse at gparent.
        t.setParentColor(tmp, gparent, RB_BLACK);
        t.setParentColor(parent, gparent, RB_BLACK);
        node = gparent;
        parent = t.n(node).parent;
        t.setParentColor(node, parent, RB_RED);
        continue;
      }
      tmp = t.n(parent).right;
      if (node === tmp) {
        // Case 2 - uncle black, node is the parent's right child (left rotate at parent).
        tmp = t.n(node).left;
        t.n(parent).right = tmp;
        t.n(node).left = parent;
        if (tmp !== RB_NIL) t.setParentColor(tmp, parent, RB_BLACK);
        t.setParentColor(parent, node, RB_RED);
        parent = node;
        tmp = t.n(node).right;
      }
      // Case 3 - uncle black, node is the parent's left child (right rotate at gparent).
      t.n(gparent).left = tmp; // == parent->rb_right
      t.n(parent).right = gparent;
      if (tmp !== RB_NIL) t.setParentColor(tmp, gparent, RB_BLACK);
      t.rotateSetParents(gparent, parent, RB_RED);
      break;
    } else {
      tmp = t.n(gparent).left;
      if (tmp !== RB_NIL && !t.isBlack(tmp)) {
        // Case 1 - color flips
        t.setParentColor(tmp, gparent, RB_BLACK);
        t.setParentColor(parent, gparent, RB_BLACK);
        node = gparent;
        parent = t.n(node).parent;
        t.setParentColor(node, parent, RB_RED);
        continue;
      }
      tmp = t.n(parent).left;
      if (node === tmp) {
        // Case 2 - right rotate at parent
        tmp = t.n(node).right;
        t.n(parent).left = tmp;
        t.n(node).right = parent;
        if (tmp !== RB_NIL) t.setParentColor(tmp, parent, RB_BLACK);
        t.setParentColor(parent, node, RB_RED);
        parent = node;
        tmp = t.n(node).left;
      }
      // Case 3 - left rotate at gparent
      t.n(gparent).right = tmp; // == parent->rb_left
      t.n(parent).left = gparent;
      if (tmp !== RB_NIL) t.setParentColor(tmp, gparent, RB_BLACK);
      t.rotateSetParents(gparent, parent, RB_RED);
      break;
    }
  }
}

/** `____rb_erase_color(parent, root, dummy_rotate)` (lib/rbtree.c). */
function rbEraseColor(t: RbEdit, parent: number): void {
  let node = RB_NIL;
  let sibling: number;
  let tmp1: number;
  let tmp2: number;
  for (;;) {
    // Loop invariants: node is black (or NULL on the first iteration), node is not the root,
    // and paths through parent and node have one black node fewer than the others.
    sibling = t.n(parent).right;
    if (node !== sibling) {
      // node == parent->rb_left
      if (!t.isBlack(sibling)) {
        // Case 1 - left rotate at parent
        tmp1 = t.n(sibling).left;
        t.n(parent).right = tmp1;
        t.n(sibling).left = parent;
        t.setParentColor(tmp1, parent, RB_BLACK);
        t.rotateSetParents(parent, sibling, RB_RED);
        sibling = tmp1;
      }
      tmp1 = t.n(sibling).right;
      if (tmp1 === RB_NIL || t.isBlack(tmp1)) {
        tmp2 = t.n(sibling).left;
        if (tmp2 === RB_NIL || t.isBlack(tmp2)) {
          // Case 2 - sibling color flip (p could be either color here)
          t.setParentColor(sibling, parent, RB_RED);
          if (!t.isBlack(parent)) {
            t.n(parent).black = RB_BLACK; // rb_set_black(parent)
          } else {
            node = parent;
            parent = t.n(node).parent;
            if (parent !== RB_NIL) continue;
          }
          break;
        }
        // Case 3 - right rotate at sibling (p could be either color here)
        tmp1 = t.n(tmp2).right;
        t.n(sibling).left = tmp1;
        t.n(tmp2).right = sibling;
        t.n(parent).right = tmp2;
        if (tmp1 !== RB_NIL) t.setParentColor(tmp1, sibling, RB_BLACK);
        tmp1 = sibling;
        sibling = tmp2;
      }
      // Case 4 - left rotate at parent + color flips
      tmp2 = t.n(sibling).left;
      t.n(parent).right = tmp2;
      t.n(sibling).left = parent;
      t.setParentColor(tmp1, sibling, RB_BLACK);
      if (tmp2 !== RB_NIL) t.setParent(tmp2, parent);
      t.rotateSetParents(parent, sibling, RB_BLACK);
      break;
    } else {
      sibling = t.n(parent).left;
      if (!t.isBlack(sibling)) {
        // Case 1 - right rotate at parent
        tmp1 = t.n(sibling).right;
        t.n(parent).left = tmp1;
        t.n(sibling).right = parent;
        t.setParentColor(tmp1, parent, RB_BLACK);
        t.rotateSetParents(parent, sibling, RB_RED);
        sibling = tmp1;
      }
      tmp1 = t.n(sibling).left;
      if (tmp1 === RB_NIL || t.isBlack(tmp1)) {
        tmp2 = t.n(sibling).right;
        if (tmp2 === RB_NIL || t.isBlack(tmp2)) {
          // Case 2 - sibling color flip
          t.setParentColor(sibling, parent, RB_RED);
          if (!t.isBlack(parent)) {
            t.n(parent).black = RB_BLACK;
          } else {
            node = parent;
            parent = t.n(node).parent;
            if (parent !== RB_NIL) continue;
          }
          break;
        }
        // Case 3 - left rotate at sibling
        tmp1 = t.n(tmp2).left;
        t.n(sibling).right = tmp1;
        t.n(tmp2).left = sibling;
        t.n(parent).left = tmp2;
        if (tmp1 !== RB_NIL) t.setParentColor(tmp1, sibling, RB_BLACK);
        tmp1 = sibling;
        sibling = tmp2;
      }
      // Case 4 - right rotate at parent + color flips
      tmp2 = t.n(sibling).right;
      t.n(parent).left = tmp2;
      t.n(sibling).right = parent;
      t.setParentColor(tmp1, sibling, RB_BLACK);
      if (tmp2 !== RB_NIL) t.setParent(tmp2, parent);
      t.rotateSetParents(parent, sibling, RB_BLACK);
      break;
    }
  }
}

/**
 * `add_evtchn`'s descent (lines 109-125: left when the node's port is smaller, right when it is
 * larger), `rb_link_node` and `rb_insert_color` (lines 128-129). `port` must not be in the tree
 * (`add_evtchn` returns -EEXIST before linking; the caller checks that first).
 * @category Bound ports
 */
export function rbAddEvtchn(tree: EvtchnRbTree, port: number): EvtchnRbTree {
  const t = new RbEdit(tree);
  let parent = RB_NIL;
  let cur = tree.root;
  let left = false;
  while (cur !== RB_NIL) {
    parent = cur;
    const c = tree.nodes.get(cur) as EvtchnRbNode;
    if (cur < port) {
      left = true;
      cur = c.left;
    } else if (cur > port) {
      left = false;
      cur = c.right;
    } else {
      throw new Error(`rbtree: port ${port} is already linked (add_evtchn returns -EEXIST first)`);
    }
  }
  t.link(port, parent);
  if (parent === RB_NIL) t.root = port;
  else if (left) t.n(parent).left = port;
  else t.n(parent).right = port;
  rbInsertColor(t, port);
  return t.done();
}

/**
 * `rb_erase(&evtchn->node, &u->evtchns)` of a linked node (line 137):
 * `__rb_erase_augmented` (Cases 1-3) and, when a black node left a path short,
 * `____rb_erase_color`.
 * @category Bound ports
 */
export function rbEraseEvtchn(tree: EvtchnRbTree, port: number): EvtchnRbTree {
  if (!tree.nodes.has(port)) throw new Error(`rbtree: rb_erase of port ${port}, which is not linked`);
  const t = new RbEdit(tree);
  const node = port;
  const child = t.n(node).right;
  let tmp = t.n(node).left;
  let parent: number;
  let rebalance: number;
  if (tmp === RB_NIL) {
    // Case 1: node to erase has no more than 1 child (easy!)
    const pc = t.n(node);
    parent = pc.parent;
    t.changeChild(node, child, parent);
    if (child !== RB_NIL) {
      t.setParentColor(child, pc.parent, pc.black); // child->__rb_parent_color = pc
      rebalance = RB_NIL;
    } else {
      rebalance = pc.black ? parent : RB_NIL;
    }
  } else if (child === RB_NIL) {
    // Still case 1, but this time the child is node->rb_left
    const pc = t.n(node);
    t.setParentColor(tmp, pc.parent, pc.black);
    parent = pc.parent;
    t.changeChild(node, tmp, parent);
    rebalance = RB_NIL;
  } else {
    let successor = child;
    let child2: number;
    tmp = t.n(child).left;
    if (tmp === RB_NIL) {
      // Case 2: node's successor is its right child
      parent = successor;
      child2 = t.n(successor).right;
    } else {
      // Case 3: node's successor is leftmost under node's right child subtree
      do {
        parent = successor;
        successor = tmp;
        tmp = t.n(tmp).left;
      } while (tmp !== RB_NIL);
      child2 = t.n(successor).right;
      t.n(parent).left = child2;
      t.n(successor).right = child;
      t.setParent(child, successor);
    }
    tmp = t.n(node).left;
    t.n(successor).left = tmp;
    t.setParent(tmp, successor);
    const pc = t.n(node);
    tmp = pc.parent;
    t.changeChild(node, successor, tmp);
    if (child2 !== RB_NIL) {
      t.setParentColor(successor, pc.parent, pc.black);
      t.setParentColor(child2, parent, RB_BLACK);
      rebalance = RB_NIL;
    } else {
      const pc2black = t.n(successor).black;
      t.setParentColor(successor, pc.parent, pc.black);
      rebalance = pc2black ? parent : RB_NIL;
    }
  }
  t.drop(node);
  if (rebalance !== RB_NIL) rbEraseColor(t, rebalance);
  return t.done();
}

/**
 * `rb_erase` of a node that was never linked (the node `add_evtchn` refused with -EEXIST,
 * kzalloc'd: `__rb_parent_color` 0, no children): Case 1 with a NULL parent stores its NULL
 * child into `root->rb_node` and skips rebalancing (red). The tree is empty afterwards; the
 * nodes it held are unreachable (finding EVTCHN-4).
 * @category Bound ports
 */
export function rbEraseUnlinked(): EvtchnRbTree {
  return EMPTY_EVTCHN_RBTREE;
}

/** The ports in the tree, in order (left subtree first): descending, see the module header. @category Bound ports */
export function rbInOrder(tree: EvtchnRbTree): number[] {
  const out: number[] = [];
  const stack: number[] = [];
  let cur = tree.root;
  while (cur !== RB_NIL || stack.length > 0) {
    while (cur !== RB_NIL) {
      stack.push(cur);
      cur = (tree.nodes.get(cur) as EvtchnRbNode).left;
    }
    const p = stack.pop() as number;
    out.push(p);
    cur = (tree.nodes.get(p) as EvtchnRbNode).right;
  }
  return out;
}

/**
 * The tree drawn as text, preorder: `port` and its colour (`b`/`r`), children in parentheses,
 * `.` for a NULL child: `2b(4b(5r,3r),1b)`. Empty: `.`. Canonical (one text per shape).
 * @category Bound ports
 */
export function rbShape(tree: EvtchnRbTree): string {
  const draw = (p: number): string => {
    if (p === RB_NIL) return '.';
    const n = tree.nodes.get(p) as EvtchnRbNode;
    const self = `${p}${n.black ? 'b' : 'r'}`;
    if (n.left === RB_NIL && n.right === RB_NIL) return self;
    return `${self}(${draw(n.left)},${draw(n.right)})`;
  };
  return draw(tree.root);
}

/**
 * What is wrong with `tree` as a red-black tree of `u->evtchns`: a red root, a red node with a
 * red child, paths with different numbers of black nodes, a link whose back link disagrees,
 * nodes not reachable from the root, or an in-order walk that is not strictly descending (the
 * order `add_evtchn` keeps). Empty when the tree is valid.
 * @category Bound ports
 */
export function rbCheck(tree: EvtchnRbTree): string[] {
  const problems: string[] = [];
  if (tree.root === RB_NIL) {
    if (tree.nodes.size !== 0) problems.push(`empty root but ${tree.nodes.size} nodes`);
    return problems;
  }
  const root = tree.nodes.get(tree.root);
  if (root === undefined) return [`root ${tree.root} is not a node`];
  if (!root.black) problems.push(`root ${tree.root} is red`);
  if (root.parent !== RB_NIL) problems.push(`root ${tree.root} has parent ${root.parent}`);
  let seen = 0;
  const blackHeight = (p: number, parent: number, depth: number): number => {
    if (p === RB_NIL) return 1;
    if (depth > 64) {
      problems.push('the tree has a cycle');
      return 0;
    }
    const n = tree.nodes.get(p);
    if (n === undefined) {
      problems.push(`link to unknown node ${p}`);
      return 0;
    }
    seen++;
    if (n.parent !== parent) problems.push(`node ${p} has parent ${n.parent}, linked from ${parent}`);
    for (const c of [n.left, n.right]) {
      if (!n.black && c !== RB_NIL && tree.nodes.get(c)?.black === false)
        problems.push(`red node ${p} has red child ${c}`);
    }
    const l = blackHeight(n.left, p, depth + 1);
    const r = blackHeight(n.right, p, depth + 1);
    if (l !== r) problems.push(`node ${p}: black heights ${l} (left) and ${r} (right)`);
    return Math.max(l, r) + (n.black ? 1 : 0);
  };
  blackHeight(tree.root, RB_NIL, 0);
  if (problems.length > 0) return problems;
  if (seen !== tree.nodes.size) problems.push(`${tree.nodes.size - seen} nodes not reachable from the root`);
  const order = rbInOrder(tree);
  for (let i = 1; i < order.length; i++) {
    if ((order[i - 1] as number) <= (order[i] as number))
      problems.push(`in-order ${order[i - 1]} before ${order[i]}: not descending`);
  }
  return problems;
}

/**
 * The order `evtchn_release` unbinds the ports of `tree` (lines 650-656): the root, erased with
 * rebalancing, then the new root, until the tree is empty.
 * @category Bound ports
 */
export function rbReleaseOrder(tree: EvtchnRbTree): number[] {
  const out: number[] = [];
  let t = tree;
  while (t.root !== RB_NIL) {
    out.push(t.root);
    t = rbEraseEvtchn(t, t.root);
  }
  return out;
}
