// The talk protocol's turn timer: start, next turn, stop. Without JavaScript the protocol is a list.
(function () {
  "use strict";
  function setUp(box) {
    var turns = Array.prototype.slice.call(box.querySelectorAll("li[data-minutes]"));
    if (!turns.length) { return; }
    var index = -1, endsAt = 0, tick = null;
    var controls = document.createElement("div");
    controls.className = "timer-controls";
    var start = document.createElement("button");
    start.type = "button";
    start.textContent = box.dataset.startLabel;
    var stop = document.createElement("button");
    stop.type = "button";
    stop.textContent = box.dataset.stopLabel;
    stop.hidden = true;
    var clock = document.createElement("p");
    clock.className = "timer-clock";
    clock.setAttribute("role", "timer");
    clock.setAttribute("aria-live", "off");
    var status = document.createElement("p");
    status.className = "meta";
    status.setAttribute("role", "status");
    controls.appendChild(start);
    controls.appendChild(stop);
    controls.appendChild(clock);
    controls.appendChild(status);
    box.appendChild(controls);

    function show() {
      var left = Math.max(0, Math.round((endsAt - Date.now()) / 1000));
      var minutes = Math.floor(left / 60), seconds = left % 60;
      clock.textContent = minutes + ":" + (seconds < 10 ? "0" : "") + seconds + " " + box.dataset.leftLabel;
      if (left === 0) { clock.classList.add("over"); }
    }
    function mark() {
      turns.forEach(function (turn, i) {
        if (i === index) { turn.setAttribute("aria-current", "step"); } else { turn.removeAttribute("aria-current"); }
      });
    }
    function finish() {
      clearInterval(tick);
      tick = null;
      index = -1;
      mark();
      clock.textContent = "";
      start.textContent = box.dataset.startLabel;
      stop.hidden = true;
    }
    start.addEventListener("click", function () {
      index += 1;
      if (index >= turns.length) {
        finish();
        status.textContent = box.dataset.doneLabel;
        return;
      }
      endsAt = Date.now() + Number(turns[index].dataset.minutes) * 60000;
      clock.classList.remove("over");
      mark();
      status.textContent = turns[index].querySelector("strong").textContent;
      start.textContent = box.dataset.nextLabel;
      stop.hidden = false;
      show();
      if (!tick) { tick = setInterval(show, 1000); }
    });
    stop.addEventListener("click", function () { finish(); status.textContent = ""; });
  }
  document.querySelectorAll("[data-turn-timer]").forEach(setUp);
})();
