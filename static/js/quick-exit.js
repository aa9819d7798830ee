/* Quick exit: leave the site at once, by the button or by pressing Shift 3 times.
 *
 * Without this script the button is a plain link to /exit, which still leaves. With it, the
 * page is hidden and its title blanked before anything else happens, and location.replace()
 * swaps this page's history entry for the exit, so Back does not return here. /exit clears
 * the form session and sends Clear-Site-Data, then redirects to a neutral site.
 */
(function () {
  "use strict";
  var link = document.getElementById("quick-exit");
  var status = document.getElementById("quick-exit-status");
  if (!link) return;

  var leaving = false;
  function leave() {
    if (leaving) return;
    leaving = true;
    document.documentElement.classList.add("is-leaving");
    document.title = "";
    if (status) status.textContent = status.getAttribute("data-leaving") || "";
    window.location.replace(link.href);
  }

  link.addEventListener("click", function (event) {
    // Let a modified click (new tab) behave as a link; otherwise leave in this tab.
    if (event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    leave();
  });

  // Shift pressed on its own 3 times within 5 seconds, as GOV.UK's "Exit this page" does.
  // A Shift used for a capital letter does not count. Each press is announced so a screen
  // reader user knows what is happening.
  var presses = 0;
  var timer = null;
  var shiftUsedWithAnotherKey = false;
  function reset() {
    presses = 0;
    if (status && !leaving) status.textContent = "";
  }
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Shift") {
      if (event.shiftKey) shiftUsedWithAnotherKey = true;
      reset();
    }
  });
  document.addEventListener("keyup", function (event) {
    if (event.key !== "Shift") return;
    if (shiftUsedWithAnotherKey) {
      shiftUsedWithAnotherKey = false;
      return;
    }
    presses += 1;
    window.clearTimeout(timer);
    timer = window.setTimeout(reset, 5000);
    if (presses >= 3) {
      leave();
    } else if (status) {
      status.textContent = status.getAttribute(presses === 1 ? "data-two-more" : "data-one-more");
    }
  });

  // If the browser brings this page back from its memory (Back after leaving), keep it
  // hidden until it is reloaded rather than flashing it on screen.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted && leaving) {
      document.documentElement.classList.add("is-leaving");
    }
  });
})();
