// LTI Client Side postMessages and Platform Storage (1EdTech): the tool keeps the login's state
// in the learning platform's frame, where cookies inside the course page may be blocked.
// "login" mode stores the state, then continues to the platform; "launch" mode reads it back
// and hands it to the tool, which finishes the launch only when it matches.
(function () {
  "use strict";
  var root = document.querySelector("[data-lti-storage]");
  if (!root) {
    return;
  }
  var origin = root.getAttribute("data-origin");
  var targetName = root.getAttribute("data-target") || "_parent";
  var key = root.getAttribute("data-key");
  var TIMEOUT_MS = 2500;

  function platformWindow(frame) {
    var parent = window.opener || window.parent;
    if (!parent || parent === window) {
      return null;
    }
    var name = frame || targetName;
    if (name && name !== "_parent") {
      try {
        return parent.frames[name] || null;
      } catch (error) {
        return null;
      }
    }
    return parent;
  }

  function newId() {
    var bytes = new Uint8Array(12);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  // One request, one answer with the same message_id. Storage messages go to the platform's
  // storage frame with the origin of its OIDC authorisation URL as target origin and answers are
  // taken from that origin only; lti.capabilities, which carries nothing secret, goes to the
  // window that frames the tool (on some platforms another origin than the authorisation URL)
  // and its answer is taken from that window.
  function ask(subject, fields, frame) {
    var capabilitiesQuery = subject === "lti.capabilities";
    return new Promise(function (resolve, reject) {
      var target = capabilitiesQuery ? platformWindow("_parent") : platformWindow(frame);
      if (!target) {
        reject(new Error("no platform frame"));
        return;
      }
      var id = newId();
      var timer = window.setTimeout(function () {
        window.removeEventListener("message", listen);
        reject(new Error("no answer to " + subject));
      }, TIMEOUT_MS);
      function listen(event) {
        var data = event.data;
        var trusted = capabilitiesQuery ? event.source === target : event.origin === origin;
        if (!trusted || !data || data.message_id !== id ||
            data.subject !== subject + ".response") {
          return;
        }
        window.clearTimeout(timer);
        window.removeEventListener("message", listen);
        if (data.error) {
          reject(new Error(String(data.error.message || data.error.code || data.error)));
        } else {
          resolve(data);
        }
      }
      window.addEventListener("message", listen);
      var message = { subject: subject, message_id: id };
      Object.keys(fields || {}).forEach(function (name) {
        message[name] = fields[name];
      });
      target.postMessage(message, capabilitiesQuery ? "*" : origin);
    });
  }

  // The frame the platform names for a message in its capabilities (if any), else the target.
  function capabilities() {
    return ask("lti.capabilities", {}).then(function (answer) {
      var frames = {};
      (answer.supported_messages || []).forEach(function (entry) {
        if (entry && entry.subject) {
          frames[entry.subject] = entry.frame || null;
        }
      });
      return frames;
    });
  }

  // The frame for a storage message: the one the capabilities name, else lti_storage_target.
  function supported(frames, subject) {
    if (!(subject in frames)) {
      throw new Error(subject + " is not supported by the platform");
    }
    return frames[subject] || targetName;
  }

  if (root.getAttribute("data-mode") === "login") {
    var next = root.getAttribute("data-next");
    var value = root.getAttribute("data-value");
    capabilities()
      .then(function (frames) {
        return ask("lti.put_data", { key: key, value: value }, supported(frames, "lti.put_data"));
      })
      .catch(function () {
        // Without platform storage the login cookie (where kept) is the proof.
      })
      .then(function () {
        window.location.replace(next);
      });
    return;
  }

  var form = root.querySelector("form[data-confirm]");
  var fallback = root.querySelector("[data-fallback]");
  var status = root.querySelector("[data-status]");
  capabilities()
    .then(function (frames) {
      return ask("lti.get_data", { key: key }, supported(frames, "lti.get_data"));
    })
    .then(function (answer) {
      if (typeof answer.value !== "string" || !answer.value) {
        throw new Error("the platform holds no state for this launch");
      }
      form.querySelector("input[name=value]").value = answer.value;
      form.submit();
    })
    .catch(function () {
      if (status) {
        status.hidden = true;
      }
      if (fallback) {
        fallback.hidden = false;
      }
    });
})();
