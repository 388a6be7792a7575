// The demo LMS's side of LTI Platform Storage (1EdTech Client Side postMessages): the course
// page answers lti.capabilities, lti.put_data and lti.get_data from the tool's frame, keeping
// values per tool origin for as long as the page is open.
(function () {
  "use strict";
  var values = {};
  var handled = 0;
  var SUPPORTED = ["lti.capabilities", "lti.put_data", "lti.get_data"];

  window.addEventListener("message", function (event) {
    var frame = document.querySelector("iframe.demo-frame");
    var data = event.data;
    if (!frame || event.source !== frame.contentWindow || !data ||
        SUPPORTED.indexOf(data.subject) < 0 || typeof data.message_id !== "string") {
      return;
    }
    var reply = { subject: data.subject + ".response", message_id: data.message_id };
    var slot = event.origin + "\n" + String(data.key);
    if (data.subject === "lti.capabilities") {
      reply.supported_messages = SUPPORTED.map(function (subject) {
        return { subject: subject };
      });
    } else if (data.subject === "lti.put_data") {
      values[slot] = String(data.value);
      reply.key = data.key;
      reply.value = values[slot];
    } else if (Object.prototype.hasOwnProperty.call(values, slot)) {
      reply.key = data.key;
      reply.value = values[slot];
    } else {
      reply.key = data.key;
      reply.error = { code: "bad_request", message: "No value is stored under this key." };
    }
    handled += 1;
    document.body.setAttribute("data-platform-storage-messages", String(handled));
    event.source.postMessage(reply, event.origin);
  });
})();
