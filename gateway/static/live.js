// Live height and newest blocks, pushed by the gateway (server-sent events from CometBFT's websocket).
(function () {
  "use strict";
  if (!window.EventSource) { return; }
  var height = document.getElementById("live-height");
  var dot = document.getElementById("live-dot");
  var dashHeight = document.getElementById("dash-height");
  var table = document.querySelector("#latest-blocks tbody");
  var source = new EventSource("/live");
  function cell(row, text, className) {
    var td = document.createElement("td");
    if (className) { td.className = className; }
    if (text instanceof Node) { td.appendChild(text); } else { td.textContent = text; }
    row.appendChild(td);
    return td;
  }
  function shortText(text, keep) { return text.length <= 2 * keep + 1 ? text : text.slice(0, keep) + "\u2026" + text.slice(-6); }
  source.addEventListener("open", function () { dot.className = "dot on"; });
  source.addEventListener("error", function () { dot.className = "dot"; });
  source.addEventListener("block", function (message) {
    var block = JSON.parse(message.data);
    dot.className = "dot on";
    height.textContent = String(block.height);
    height.href = "/explorer/block/" + block.height;
    document.body.setAttribute("data-live-height", String(block.height));
    if (dashHeight) { dashHeight.textContent = String(block.height); }
    if (table && !window.location.search) {
      var first = table.querySelector("tr td a");
      var newest = first ? Number(first.textContent) : 0;
      if (newest >= block.height) { return; }
      if (newest && block.height - newest > 1) {
        // the stream skipped blocks (a slow tab, a reconnect): fetch the missing ones once, in order
        fetch("/blocks?before=" + block.height + "&limit=" + Math.min(block.height - newest - 1, 20))
          .then(function (r) { return r.json(); })
          .then(function (page) {
            page.blocks.slice().reverse().forEach(function (b) { if (b.height > newest) { addRow(b); } });
            addRow(block);
          });
        return;
      }
      addRow(block);
    }
  });
  function addRow(block) {
      var first = table.querySelector("tr td a");
      if (first && Number(first.textContent) >= block.height) { return; }
      var row = document.createElement("tr");
      row.className = "fresh";
      var link = document.createElement("a");
      link.href = "/explorer/block/" + block.height;
      link.textContent = String(block.height);
      cell(row, link);
      var hasHash = table.parentNode.querySelector("thead th:nth-child(2)").textContent === "Hash";
      if (hasHash) { cell(row, block.hash ? shortText(block.hash, 8) : "", "mono"); }
      cell(row, block.time.slice(0, 19).replace("T", " "));
      cell(row, String(block.num_txs === undefined ? 0 : block.num_txs), "num");
      cell(row, shortText(block.proposer, 8), "mono");
      table.insertBefore(row, table.firstChild);
      while (table.rows.length > 20) { table.deleteRow(table.rows.length - 1); }
  }
})();
