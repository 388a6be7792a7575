// LTI Dynamic Registration: tell the platform that registration is done, so it closes the
// registration window or panel (1EdTech LTI Dynamic Registration 1.0, section 3.7).
(function () {
  "use strict";
  function close() {
    var target = window.opener || window.parent;
    if (target && target !== window) {
      target.postMessage({ subject: "org.imsglobal.lti.close" }, "*");
    }
  }
  var button = document.querySelector("[data-lti-close]");
  if (button) {
    button.addEventListener("click", close);
  }
  close();
})();
