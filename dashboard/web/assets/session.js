/* When the session has ended (expired, logged out elsewhere, password reset), the server answers Dash's requests
   with 401: go to the log-in page, which brings the user back here afterwards, instead of silently doing nothing. */
(function () {
  const originalFetch = window.fetch;
  window.fetch = function (...args) {
    return originalFetch.apply(this, args).then(function (response) {
      const url = typeof args[0] === "string" ? args[0] : (args[0] && args[0].url) || "";
      if (response.status === 401 && url.indexOf("/_dash-") !== -1) {
        const here = window.location.pathname + window.location.search;
        window.location.assign("/login?next=" + encodeURIComponent(here));
      }
      return response;
    });
  };
})();
