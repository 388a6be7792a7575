// The demo LMS's side of LTI Platform Storage (1EdTech Client Side postMessages). The course
// page answers lti.capabilities; lti.put_data and lti.get_data are answered by the page itself
// ("_parent") or, as Canvas does, by a storage frame of the platform named in the capabilities.
// Values are kept per tool origin for as long as the page is open.
(function () {
  "use strict";
  var script = document.currentScript;
  var role = script.getAttribute("data-role") || "page";
  var storageFrame = script.getAttribute("data-storage-frame") || "";
  var page = role === "frame" ? window.parent : window;
  var values = {};
  var STORAGE = ["lti.put_data", "lti.get_data"];

  function toolWindow() {
    var frame = page.document.querySelector("iframe.demo-frame");
    return frame ? frame.contentWindow : null;
  }

  function count() {
    var body = page.document.body;
    var handled = Number(body.getAttribute("data-platform-storage-messages") || 0) + 1;
    body.setAttribute("data-platform-storage-messages", String(handled));
  }

  window.addEventListener("message", function (event) {
    var data = event.data;
    if (event.source !== toolWindow() || !data || typeof data.message_id !== "string") {
      return;
    }
    var reply = { subject: data.subject + ".response", message_id: data.message_id };
    if (data.subject === "lti.capabilities" && role === "page") {
      reply.supported_messages = [{ subject: "lti.capabilities" }].concat(
        STORAGE.map(function (subject) {
          return storageFrame ? { subject: subject, frame: storageFrame } : { subject: subject };
        })
      );
    } else if (STORAGE.indexOf(data.subject) >= 0 && (role === "frame") === Boolean(storageFrame)) {
      var slot = event.origin + "\n" + String(data.key);
      reply.key = data.key;
      if (data.subject === "lti.put_data") {
        values[slot] = String(data.value);
        reply.value = values[slot];
      } else if (Object.prototype.hasOwnProperty.call(values, slot)) {
        reply.value = values[slot];
      } else {
        reply.error = { code: "bad_request", message: "No value is stored under this key." };
      }
    } else {
      return;
    }
    count();
    event.source.postMessage(reply, event.origin);
  });
})();
