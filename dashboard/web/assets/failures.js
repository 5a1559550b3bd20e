/* When the server refuses a Dash callback with a message (503: the database is unreachable; 400: a request it
   cannot use; 413: too large), dash-renderer alone would show nothing outside debug mode. Show the server's message
   in Dutch and English at the top of the page, and take it away at the next callback that succeeds. */
(function () {
  const BANNER_ID = "request-failure";
  const CALLBACK = "/_dash-update-component";

  function banner() {
    let box = document.getElementById(BANNER_ID);
    if (!box) {
      box = document.createElement("div");
      box.id = BANNER_ID;
      box.className = "request-failure";
      box.setAttribute("role", "alert");
      document.body.insertBefore(box, document.body.firstChild);
    }
    return box;
  }

  function show(answer) {
    const box = banner();
    box.replaceChildren();
    [["nl", answer.message_nl], ["en", answer.message_en]].forEach(function ([lang, text]) {
      const line = document.createElement("p");
      line.lang = lang;
      line.textContent = text; /* text, never HTML */
      box.appendChild(line);
    });
  }

  function clear() {
    const box = document.getElementById(BANNER_ID);
    if (box) box.remove();
  }

  const originalFetch = window.fetch;
  window.fetch = function (...args) {
    return originalFetch.apply(this, args).then(function (response) {
      const url = typeof args[0] === "string" ? args[0] : (args[0] && args[0].url) || "";
      if (url.indexOf(CALLBACK) === -1) return response;
      if (response.ok) {
        clear();
      } else if (response.status !== 401) {
        response.clone().json().then(function (answer) {
          if (answer && answer.message_nl && answer.message_en) show(answer);
        }, function () {});
      }
      return response;
    });
  };
})();
