// Submits the platform hand-off form at once (OIDC form_post); a button remains without JavaScript.
document.querySelectorAll("form[data-autosubmit]").forEach((form) => form.submit());
