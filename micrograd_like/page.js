// The step-through of micrograd_like's explorable pages (micrograd_like/pages.py).
// The diagram is drawn once, in its last step; each frame lists what changes: the data
// and grad cells it sets, the node it outlines and the edges it highlights. Showing
// frame k replays the changes of frames 0..k, so every frame is reached the same way.
(() => {
  "use strict";
  const page = JSON.parse(document.getElementById("frames").textContent);
  const frames = page.frames;
  const svg = document.querySelector("#graph svg"); // a replay of a big model has none
  const slider = document.getElementById("step");
  const counter = document.getElementById("counter");
  const title = document.getElementById("step-title");
  const lines = document.getElementById("step-lines");
  const details = document.getElementById("details");
  const SVG = "http://www.w3.org/2000/svg";

  // The smallest cell polygon of a node's table that holds a text's middle.
  function cellOf(group, text) {
    const t = text.getBBox();
    const x = t.x + t.width / 2;
    const y = t.y + t.height / 2;
    let best = null;
    let bestArea = Infinity;
    for (const polygon of group.querySelectorAll("polygon")) {
      const b = polygon.getBBox();
      const area = b.width * b.height;
      if (b.x <= x && x <= b.x + b.width && b.y <= y && y <= b.y + b.height) {
        // Of a filled and an outline polygon with the same box, keep the filled one.
        const filled = polygon.getAttribute("fill") !== "none";
        if (area < bestArea - 0.01 || (Math.abs(area - bestArea) <= 0.01 && filled)) {
          best = polygon;
          bestArea = area;
        }
      }
    }
    return best;
  }

  // Each node's data and grad cells, found by what they say in the last frame.
  const cells = {};
  for (const id of Object.keys(page.nodes)) {
    const group = document.getElementById(id);
    if (!group) continue;
    const texts = [...group.querySelectorAll("text")];
    // The last such text: a label of its own ("data x") comes first in the box.
    const data = texts.findLast((t) => t.textContent.startsWith("data "));
    const grad = texts.findLast((t) => t.textContent.startsWith("grad "));
    cells[id] = {
      group,
      data,
      grad,
      dataBox: data && cellOf(group, data),
      gradBox: grad && cellOf(group, grad),
    };
    group.setAttribute("tabindex", "0");
    group.setAttribute("role", "img");
    group.setAttribute("aria-label", page.nodes[id].name);
    group.addEventListener("mouseenter", () => describe(id));
    group.addEventListener("focus", () => describe(id));
  }

  // Sets a cell's text, centred in its cell, squeezed if it would overflow.
  function setText(text, box, value) {
    if (!text || value === undefined || value === null) return;
    text.textContent = value;
    text.setAttribute("font-style", value.endsWith(" ?") ? "italic" : "normal");
    if (!box) return;
    const b = box.getBBox();
    text.setAttribute("text-anchor", "middle");
    text.setAttribute("x", String(b.x + b.width / 2));
    text.removeAttribute("textLength");
    if (text.getComputedTextLength() > b.width - 4) {
      text.setAttribute("textLength", String(b.width - 4));
      text.setAttribute("lengthAdjust", "spacingAndGlyphs");
    }
  }

  // The outline around the current node, drawn above everything else.
  const outline = document.createElementNS(SVG, "rect");
  outline.setAttribute("fill", "none");
  outline.setAttribute("stroke", page.highlight);
  outline.setAttribute("stroke-width", "3");
  outline.setAttribute("rx", "5");
  outline.setAttribute("visibility", "hidden");
  if (svg) (svg.querySelector("g.graph") || svg).appendChild(outline);

  // Every edge's own colours, to put back when it stops being highlighted.
  const edgeColours = new Map();
  for (const edge of document.querySelectorAll("#graph g.edge")) {
    for (const part of edge.querySelectorAll("path, polygon")) {
      edgeColours.set(part, [part.getAttribute("stroke"), part.getAttribute("fill")]);
    }
  }

  // A frame names the values it changes by their place; each is shown by one or more nodes.
  const valueOf = {};
  page.values.forEach((ids, value) => ids.forEach((id) => (valueOf[id] = String(value))));
  const state = { data: {}, grads: {} };
  let current = 0;

  function describe(id) {
    const node = page.nodes[id];
    const data = state.data[valueOf[id]] || "data ?";
    const grad = (state.grads[valueOf[id]] || ["grad ?"])[0];
    const operation = node.op ? `made by ${node.op}` : "a leaf (no operation)";
    details.replaceChildren();
    const heading = document.createElement("h2");
    heading.textContent = node.name;
    const text = document.createElement("p");
    text.textContent = `${operation}; ${data}; ${grad}`;
    details.append(heading, text);
  }

  function show(k) {
    current = Math.max(0, Math.min(frames.length - 1, k));
    state.data = {};
    state.grads = {};
    for (let i = 0; i <= current; i++) {
      Object.assign(state.data, frames[i].data);
      Object.assign(state.grads, frames[i].grads);
    }
    for (const [id, cell] of Object.entries(cells)) {
      const data = state.data[valueOf[id]];
      setText(cell.data, cell.dataBox, data === null || data === undefined ? "data ?" : data);
      const grad = state.grads[valueOf[id]];
      if (grad) {
        setText(cell.grad, cell.gradBox, grad[0]);
        if (cell.gradBox && cell.gradBox.getAttribute("fill") !== "none") {
          cell.gradBox.setAttribute("fill", grad[1]);
        }
      }
    }
    const frame = frames[current];
    for (const [part, [stroke, fill]] of edgeColours) {
      part.setAttribute("stroke", stroke);
      if (fill !== null) part.setAttribute("fill", fill);
    }
    for (const id of frame.edges) {
      const edge = document.getElementById(id);
      if (!edge) continue;
      for (const part of edge.querySelectorAll("path, polygon")) {
        part.setAttribute("stroke", page.highlight);
        if (part.tagName === "polygon") part.setAttribute("fill", page.highlight);
      }
    }
    for (const marked of document.querySelectorAll("[data-highlighted]")) {
      marked.removeAttribute("data-highlighted");
    }
    const focus = frame.focus && document.getElementById(frame.focus);
    if (focus) {
      focus.setAttribute("data-highlighted", "true");
      const b = focus.getBBox();
      outline.setAttribute("x", String(b.x - 3));
      outline.setAttribute("y", String(b.y - 3));
      outline.setAttribute("width", String(b.width + 6));
      outline.setAttribute("height", String(b.height + 6));
      outline.setAttribute("visibility", "visible");
    } else {
      outline.setAttribute("visibility", "hidden");
    }
    // A training replay: its network view, its boundary and how far its curves go.
    if (frame.network !== null) {
      document.querySelectorAll(".network").forEach((view, k) => (view.hidden = k !== frame.network));
    }
    if (frame.boundary !== null) {
      document.querySelectorAll("#boundary rect.cell").forEach((cell, k) => {
        cell.setAttribute("fill", frame.boundary[k]);
      });
    }
    if (frame.upto !== null) {
      document.getElementById("upto-rect").setAttribute("width", String(frame.upto + 2));
      const marker = document.getElementById("marker");
      marker.setAttribute("x1", String(frame.upto));
      marker.setAttribute("x2", String(frame.upto));
    }
    title.textContent = frame.title;
    lines.replaceChildren(
      ...frame.lines.map((line) => {
        const item = document.createElement("li");
        item.textContent = line;
        return item;
      })
    );
    slider.value = String(current);
    counter.textContent = `${current + 1} / ${frames.length}`;
  }

  slider.max = String(frames.length - 1);
  slider.addEventListener("input", () => show(Number(slider.value)));
  document.getElementById("previous").addEventListener("click", () => show(current - 1));
  document.getElementById("next").addEventListener("click", () => show(current + 1));
  document.addEventListener("keydown", (event) => {
    if (event.target === slider) return; // the slider moves itself with the arrow keys
    if (event.key === "ArrowRight") show(current + 1);
    else if (event.key === "ArrowLeft") show(current - 1);
    else return;
    event.preventDefault();
  });
  document.getElementById("controls").hidden = false;
  for (const side of document.querySelectorAll(".side")) side.hidden = false;
  show(0);
})();
