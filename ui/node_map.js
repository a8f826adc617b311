// node_map.js: the cluster heat map — one square per node on a <canvas>, colored by the
// fraction of its cores allocated; drained nodes hatched grey, down nodes red.
//
// Contract: new NodeMap(container, {onPick}) fills `container`; draw(nodes, selected) repaints
// (cheap for 10,000 nodes); onPick(name) is called on a click. A hidden list of
// <span data-test="node" data-node data-state> mirrors the nodes for tests and screen readers.

import { html } from './format.js';

const FREE = [232, 245, 233];       // pale green: nothing allocated
const ALLOCATED = [13, 71, 161];    // deep blue: every core allocated
export const MAP_COLORS = {
  free: `rgb(${FREE})`, allocated: `rgb(${ALLOCATED})`, drained: '#b0bec5', down: '#d32f2f',
};

// The allocated fraction of a node's cores (of its GPUs for a node without cores).
export function usedFraction(node) {
  if (node.cores > 0) return (node.cores - node.cores_free) / node.cores;
  if (node.gpus > 0) return (node.gpus - node.gpus_free) / node.gpus;
  return 0;
}

function mix(fraction) {
  const f = Math.min(1, Math.max(0, fraction));
  return `rgb(${FREE.map((c, i) => Math.round(c + (ALLOCATED[i] - c) * f))})`;
}

export class NodeMap {
  constructor(container, { onPick }) {
    container.innerHTML = '<canvas class="node-canvas"></canvas><div class="tip" hidden></div>' +
      '<div class="node-list" hidden></div>';
    this.container = container;
    this.canvas = container.querySelector('canvas');
    this.tip = container.querySelector('.tip');
    this.list = container.querySelector('.node-list');
    this.nodes = [];
    this.selected = '';
    this.layout = { cell: 10, pitch: 11, cols: 1 };
    this.canvas.addEventListener('mousemove', (e) => this.hover(e));
    this.canvas.addEventListener('mouseleave', () => { this.tip.hidden = true; });
    this.canvas.addEventListener('click', (e) => {
      const node = this.nodeAt(e);
      if (node) onPick(node.name);
    });
  }

  draw(nodes, selected) {
    if (nodes !== this.nodes) {
      this.nodes = nodes;
      this.list.innerHTML = nodes.map((n) =>
        html`<span data-test="node" data-node="${n.name}" data-state="${n.state}">${n.name}</span>`,
      ).join('');
    }
    this.selected = selected;
    this.paint();
  }

  // Squares as large as fit ~520px of height (6..32px), in rows as wide as the container.
  computeLayout() {
    const width = Math.max(200, this.container.clientWidth || 900);
    const count = Math.max(1, this.nodes.length);
    const cell = Math.min(32, Math.max(6, Math.floor(Math.sqrt(width * 520 / count)) - 1));
    const gap = cell >= 12 ? 2 : 1;
    const pitch = cell + gap;
    const cols = Math.max(1, Math.floor((width + gap) / pitch));
    return { cell, pitch, cols, width, height: Math.ceil(count / cols) * pitch };
  }

  paint() {
    const layout = (this.layout = this.computeLayout());
    const ratio = window.devicePixelRatio || 1;
    const { canvas } = this;
    canvas.width = Math.ceil(layout.cols * layout.pitch * ratio);
    canvas.height = Math.ceil(layout.height * ratio);
    canvas.style.width = `${layout.cols * layout.pitch}px`;
    canvas.style.height = `${layout.height}px`;
    const g = canvas.getContext('2d');
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    const { cell, pitch, cols } = layout;
    this.nodes.forEach((node, i) => {
      const x = (i % cols) * pitch;
      const y = Math.floor(i / cols) * pitch;
      if (node.state === 'down') {
        g.fillStyle = MAP_COLORS.down;
        g.fillRect(x, y, cell, cell);
      } else if (node.state === 'drained') {
        g.fillStyle = MAP_COLORS.drained;
        g.fillRect(x, y, cell, cell);
        g.strokeStyle = '#546e7a';
        g.lineWidth = 1;
        g.beginPath();
        g.moveTo(x, y + cell);
        g.lineTo(x + cell, y);
        if (cell >= 12) { g.moveTo(x, y + cell / 2); g.lineTo(x + cell / 2, y); g.moveTo(x + cell / 2, y + cell); g.lineTo(x + cell, y + cell / 2); }
        g.stroke();
      } else {
        g.fillStyle = mix(usedFraction(node));
        g.fillRect(x, y, cell, cell);
      }
      if (node.name === this.selected) {
        g.strokeStyle = '#ff6f00';
        g.lineWidth = 2;
        g.strokeRect(x + 1, y + 1, cell - 2, cell - 2);
      }
    });
  }

  nodeAt(event) {
    const box = this.canvas.getBoundingClientRect();
    const x = event.clientX - box.left;
    const y = event.clientY - box.top;
    const { pitch, cell, cols } = this.layout;
    const col = Math.floor(x / pitch);
    const row = Math.floor(y / pitch);
    if (col >= cols || x % pitch > cell || y % pitch > cell) return null;
    return this.nodes[row * cols + col] ?? null;
  }

  hover(event) {
    const node = this.nodeAt(event);
    if (!node) { this.tip.hidden = true; return; }
    const lines = [
      `${node.name} — ${node.state}`,
      `cores ${node.cores - node.cores_free}/${node.cores} used`,
    ];
    if (node.gpus) lines.push(`GPUs ${node.gpus - node.gpus_free}/${node.gpus} used`);
    if (node.reason) lines.push(`reason: ${node.reason}`);
    this.tip.textContent = lines.join('\n');
    this.tip.hidden = false;
    const box = this.container.getBoundingClientRect();
    this.tip.style.left = `${Math.min(event.clientX - box.left + 14, box.width - 220)}px`;
    this.tip.style.top = `${event.clientY - box.top + 14}px`;
    this.canvas.style.cursor = 'pointer';
  }
}
