// Shows why the last login failed: the server's words, passed back in ?error=.
"use strict";
const error = new URLSearchParams(location.search).get("error");
if (error) {
  const p = document.getElementById("login-error");
  p.textContent = error;
  p.hidden = false;
}
