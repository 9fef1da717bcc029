// The API docs page: Swagger UI (served from vendor/) on the OpenAPI document of /api/v1/.
(function () {
  "use strict";
  const root = document.getElementById("swagger-ui");
  const config = JSON.parse(document.getElementById("swagger-settings").textContent);
  config.dom_id = "#swagger-ui";
  config.presets = [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset];
  const csrf = root.dataset.csrfToken;
  if (csrf) {
    // "Try it out" from a signed-in page authenticates with the session cookie, which needs it
    config.requestInterceptor = (req) => {
      req.headers["X-CSRFToken"] = csrf;
      return req;
    };
  }
  config.onComplete = () => {
    root.dataset.ready = "true";
  };
  SwaggerUIBundle(config);
})();
