// The time on a journey's pages: when the learner leaves them, a beacon tells the tool, which
// measures the visit with its own clock. Links and forms to the journey's own pages are not
// leaving; another page, a closed tab, or a tab hidden for longer than the grace is. The
// session and form tokens travel in the beacon's body, so it works without cookies, and a
// beacon never holds up the navigation.
(function () {
  "use strict";
  var script = document.querySelector("script[data-journey-visit]");
  if (!script || !navigator.sendBeacon || !window.URLSearchParams) {
    return;
  }
  var GRACE_MS = 30000;
  // A click that started a navigation within the journey counts this long; one that led
  // nowhere (a download, a cancelled navigation) must not hide a later real leave.
  var WITHIN_MS = 10000;
  var journeyPath = script.getAttribute("data-journey-path");
  var sent = false;
  var withinUntil = 0;
  var hiddenTimer = null;

  function inJourney(url) {
    var target;
    try {
      target = new URL(url, window.location.href);
    } catch (error) {
      return false;
    }
    return (
      target.origin === window.location.origin &&
      (target.pathname === journeyPath || target.pathname.indexOf(journeyPath + "/") === 0)
    );
  }

  function leave() {
    if (sent) {
      return;
    }
    sent = true;
    var body = new URLSearchParams();
    body.set("visit", script.getAttribute("data-visit"));
    body.set("lt", script.getAttribute("data-lt"));
    body.set("csrf_token", script.getAttribute("data-csrf"));
    navigator.sendBeacon(script.getAttribute("data-leave-url"), body);
  }

  function goingWithin(url, target) {
    if (inJourney(url) && (!target || target === "_self")) {
      withinUntil = Date.now() + WITHIN_MS;
    }
  }

  document.addEventListener(
    "click",
    function (event) {
      var link = event.target && event.target.closest ? event.target.closest("a[href]") : null;
      if (link) {
        goingWithin(link.href, link.target);
      }
    },
    true
  );
  document.addEventListener(
    "submit",
    function (event) {
      var form = event.target;
      goingWithin(form.action, form.target);
    },
    true
  );

  window.addEventListener("pagehide", function () {
    if (Date.now() > withinUntil) {
      leave();
    }
  });
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      withinUntil = 0;
    }
  });

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      if (hiddenTimer === null) {
        hiddenTimer = window.setTimeout(function () {
          hiddenTimer = null;
          if (document.visibilityState === "hidden") {
            leave();
          }
        }, GRACE_MS);
      }
    } else if (hiddenTimer !== null) {
      window.clearTimeout(hiddenTimer);
      hiddenTimer = null;
    }
  });
})();
