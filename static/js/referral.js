/* After htmx swaps in a referral step, put focus where a keyboard or screen reader user
 * needs it: the error summary if there is one, otherwise the step's heading. */
(function () {
  "use strict";
  document.addEventListener("htmx:after:swap", function () {
    var step = document.getElementById("referral-step");
    if (!step) return;
    var target = step.querySelector(".error-summary") || step.querySelector("h1");
    if (target) {
      target.focus();
      window.scrollTo(0, 0);
    }
  });
})();
