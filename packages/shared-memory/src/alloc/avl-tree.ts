/**
 * Genode's AVL tree (`util/avl_tree.h`, `avl_tree.cc`), ported node for node so that a tree
 * built by the same insert/remove sequence has the same shape as Genode's, and therefore
 * `Allocator_avl`'s best-fit search (which depends on the shape) picks the same blocks.
 *
 * Kept from the C++: the root is a sentinel node whose LEFT child is the real root; `insert`
 * recurses down and recomputes depth (and the policy's per-node data) on the way back up;
 * `remove` replaces a node by the right-most node of its left subtree and rebalances only from
 * that node's old parent upward; `_recompute_depth` propagates to the parent only when the
 * depth changed. Depth is an `unsigned char` in C; it never exceeds 255 here either.
 *
 * @module
 */

/**
 * A node of a Genode AVL tree; `recompute` is the policy hook called when the node is
 * rearranged (Allocator_avl uses it for `max_avail`).
 * @category Range allocator
 */
export abstract class AvlNode<N extends AvlNode<N>> {
  child: [N | null, N | null] = [null, null];
  parent: N | null = null;
  depth = 1;

  /** `higher(n)`: true when `n` sorts at or after this node (goes RIGHT). */
  abstract higher(n: N): boolean;
  /** Policy hook: update data derived from the subtree. */
  recompute(): void {}

  private childDepth(i: 0 | 1): number {
    return this.child[i]?.depth ?? 0;
  }

  private recomputeDepth(): void {
    const old = this.depth;
    this.depth = Math.max(this.childDepth(0), this.childDepth(1)) + 1;
    if (this.depth !== old && this.parent !== null) this.parent.recomputeDepth();
    if (this.parent !== null) this.recompute();
  }

  private bias(): 0 | 1 {
    return this.childDepth(1) > this.childDepth(0) ? 1 : 0;
  }

  /** `_adopt`: put `node` at side `i`. */
  adopt(node: N | null, i: 0 | 1): void {
    this.child[i] = node;
    if (node !== null) node.parent = this as unknown as N;
    this.recomputeDepth();
  }

  private rotateSubtree(node: N, side: 0 | 1): void {
    const i: 0 | 1 = node === this.child[0] ? 0 : 1;
    const ns = (side ^ 1) as 0 | 1;
    const nodeR = node.child[ns] as N;
    const nodeRL = nodeR.child[side];
    if (nodeR.bias() === ns) {
      node.adopt(nodeRL, ns);
      nodeR.adopt(node, side);
      this.adopt(nodeR, i);
    } else if (nodeRL !== null) {
      const nodeRLL = nodeRL.child[side];
      const nodeRLR = nodeRL.child[ns];
      node.adopt(nodeRLL, ns);
      nodeR.adopt(nodeRLR, side);
      nodeRL.adopt(node, side);
      nodeRL.adopt(nodeR, ns);
      this.adopt(nodeRL, i);
    }
  }

  /** `_rebalance_subtree(node)`: `this` is the parent of the subtree to balance. */
  rebalanceSubtree(node: N): void {
    const v = node.childDepth(1) - node.childDepth(0);
    if (Math.abs(v) < 2) return;
    this.rotateSubtree(node, v < 0 ? 1 : 0);
  }

  /** `insert(node)` into the subtree below this node. */
  insert(node: N): void {
    if ((node as unknown) === this) throw new Error('AvlNode.insert: inserting a node twice');
    let i: 0 | 1 = 0;
    if (this.parent !== null) i = this.higher(node) ? 1 : 0;
    const c = this.child[i];
    if (c !== null) c.insert(node);
    else this.adopt(node, i);
    this.recomputeDepth();
    if (this.parent !== null) this.parent.rebalanceSubtree(this as unknown as N);
  }

  /** `remove()`: unlink this node from its tree. */
  remove(): void {
    const parent = this.parent;
    if (parent === null) throw new Error('AvlNode.remove: node is not in a tree');
    let lp: N | null = null;
    let l = this.child[0];
    if (l !== null) {
      while (l.child[1] !== null) l = l.child[1] as N;
      if (l === this.child[0]) this.adopt(l.child[0], 0);
      else (l.parent as N).adopt(l.child[0], 1);
      if ((l.parent as unknown) !== this) lp = l.parent;
      for (const i of [0, 1] as const) if ((parent.child[i] as unknown) === this) parent.adopt(l, i);
      l.adopt(this.child[0], 0);
      l.adopt(this.child[1], 1);
    } else {
      for (const i of [0, 1] as const)
        if ((parent.child[i] as unknown) === this) parent.adopt(this.child[1], i);
    }
    while (lp !== null && lp.parent !== null) {
      const lpp: N = lp.parent;
      lpp.rebalanceSubtree(lp);
      lp = lpp;
    }
    this.child = [null, null];
    this.parent = null;
  }
}
